/**
 * Prediction for one arena room, built on the SDK's own machinery:
 * - the own player runs ahead of the server through a `Reconciler` that
 *   replays unacknowledged inputs with the shared arena step (`applyInput`),
 *   so a key press moves the player on the next frame at any latency, and a
 *   misprediction is absorbed as a decaying offset instead of a snap;
 * - everyone else (players, their aim, their shots) is drawn from the jitter
 *   buffer (game-client/src/net/remotes.ts, shared/interpolation.ts) on the
 *   frame's own time, an adaptive delay in the past; `remotes: "sdk"` draws
 *   them with the SDK's fixed-delay `lerp` instead, as before, for comparison
 *   (bench/measure-client.ts);
 * - own shots appear the moment they are fired (`PredictedSpawns`) and are
 *   confirmed by the server's projectile or dropped when none arrives.
 *
 * Telemetry (corrections, their size) is measured here against our own
 * record of what we predicted for each input, so the debug overlay and the
 * browser tests read the same numbers.
 */
import type { InputHandle, Room } from "@colyseus/sdk";
import { Predict, type PredictedSpawns, type Reconciler } from "@colyseus/sdk/predict";
import { PROJECTILE_LIFETIME } from "../constants.ts";
import { applyInput, canFire, muzzle, projectilePosition, projectileSpent } from "../sim.ts";
import { QueueDrain } from "../../../shared/pacing.ts";
import { EntityTracks, MotionFigures, PatchTimeline, type RemoteDrawing, type RemoteView } from "../../../game-client/src/kit.ts";
import { ArenaInput, type ArenaState, type Player, type Projectile } from "../state.ts";

/** How far in the past the SDK's lerp (`remotes: "sdk"`) draws remote players: two patch intervals at 20 Hz. */
export const INTERP_DELAY_MS = 100;
/** A correction larger than this is a teleport (respawn, new round), popped rather than smoothed. Units. */
export const TELEPORT_UNITS = 120;
/** Differences below this are wire rounding (the 16-bit position grid is ~0.025 units), not corrections. Units. */
const CORRECTION_EPSILON = 0.05;
/** Window for the per-second rates, ms. */
const RATE_WINDOW_MS = 5000;
/** Catch-up cap after a stalled frame: more than this and the backlog is dropped. */
const MAX_STEPS_PER_FRAME = 5;

/** What the player wants this frame; sampled into one input per fixed step. */
export interface Intent {
  moveX: number;
  moveY: number;
  /** Radians. */
  aim: number;
  fire: boolean;
}

/** A shot we fired and predicted, before and after the server confirms it. */
export interface LocalShot {
  originX: number;
  originY: number;
  angle: number;
  /** Server clock (ms) when we fired it; confirmed shots keep flying on this timeline. */
  firedAt: number;
}

/** A projectile ready to draw. */
export interface ShotView {
  id: number;
  x: number;
  y: number;
  angle: number;
  /** Seconds since it was fired, on the timeline it is drawn in. */
  age: number;
  own: boolean;
  confirmed: boolean;
}

export interface PredictionStats {
  /** Reconciles where the server disagreed with our prediction (teleports excluded). */
  corrections: number;
  /** Of those, the ones where the server had us dead: a kill stops us mid-move, and no client can foresee it. */
  correctionsAtDeath: number;
  /** Corrections per second over the last five seconds. */
  correctionsPerSecond: number;
  /** Mean distance of those corrections, units (0 when there were none). */
  meanCorrection: number;
  /** Respawns and other jumps popped into place. */
  teleports: number;
  /** Inputs sent but not yet processed by the server. */
  pendingInputs: number;
  /** The latest correction, for diagnosis: the input it was judged at, and server minus prediction. */
  lastCorrection: { seq: number; dx: number; dy: number; pending: number } | null;
  /** Steps left out to drain the server's input queue (shared/pacing.ts). */
  inputsSkipped: number;
  /** Own shots predicted / confirmed by the server / dropped for lack of a server shot. */
  shotsPredicted: number;
  shotsConfirmed: number;
  shotsRejected: number;
}

export class ArenaPrediction implements RemoteView {
  readonly room: Room<any, ArenaState>;
  readonly self: Player;
  readonly input: InputHandle<ArenaInput>;
  readonly predict: Predict<ArenaState>;
  readonly me: Reconciler<{ x: number; y: number }, any>;
  readonly shots: PredictedSpawns<Projectile, LocalShot>;

  #stepAcc = 0;
  #lastFrame = -1;
  #lastIntent: Intent = { moveX: 0, moveY: 0, aim: 0, fire: false };
  #lastShotAtInput = 0;
  #epoch: number;
  /** Our predicted position after each input seq, to judge the server's answer. */
  #predicted = new Map<number, { x: number; y: number }>();
  #recent: { at: number; distance: number }[] = [];
  #correctionSum = 0;
  readonly stats: PredictionStats = {
    corrections: 0, correctionsAtDeath: 0, correctionsPerSecond: 0, meanCorrection: 0, teleports: 0,
    pendingInputs: 0, lastCorrection: null, inputsSkipped: 0, shotsPredicted: 0, shotsConfirmed: 0, shotsRejected: 0,
  };
  readonly #networkRtt: () => number;
  /** What draws everyone else. */
  readonly remotes: RemoteDrawing;
  /** Every patch's server time and arrival; the playback clock remote entities are drawn on. */
  readonly timeline: PatchTimeline;
  readonly #players: EntityTracks<Player>;
  /** Where each remote player is drawn this frame. */
  #drawn = new Map<Player, { x: number; y: number; aim: number }>();
  /** How smoothly remote players are drawn (shared/motion-figures.ts): the overlay's and bench/measure-client.ts's figures. */
  readonly motion = new MotionFigures();
  #drain = new QueueDrain();
  #confirmed = new WeakSet<object>();

  /** `networkRtt` is the plain round trip (ms), without time spent queued on the server; NaN while unknown. */
  constructor(room: Room<any, ArenaState>, self: Player, networkRtt: () => number, remotes: RemoteDrawing = "buffer") {
    this.room = room;
    this.remotes = remotes;
    this.#networkRtt = networkRtt;
    this.self = self;
    this.input = room.input<ArenaInput>({ type: ArenaInput, mode: "reliable" });
    this.#epoch = this.input.epoch;
    this.predict = Predict.get(room, { mode: "lerp", delay: INTERP_DELAY_MS, name: "arena" });

    const sessionId = room.sessionId;
    // Everyone else: sampled at every patch onto the jitter buffer.
    const tickMs = this.input.tickRate ? 1000 / this.input.tickRate : 0;
    this.timeline = new PatchTimeline(room, this.input.patchRate ?? room.clock.patchInterval?.() ?? 50, tickMs);
    // Averaged over three ticks: an input that reached the server a tick or two late is drawn as the steady walk it was.
    this.#players = new EntityTracks<Player>(this.timeline, 3, { angles: [false, false, true], snap: TELEPORT_UNITS, smoothMs: 3 * tickMs });
    this.timeline.onPatch((serverTime) => {
      const entries: [Player, number[]][] = [];
      room.state.players.forEach((player, id) => {
        if (id === sessionId) return;
        entries.push([player, [player.x, player.y, player.aim]]);
        this.motion.truth(player, serverTime, player.x, player.y);
      });
      this.#players.sample(serverTime, entries);
    });
    if (remotes === "sdk") {
      // The SDK's lerp, on the server's timeline. The own player's entry is
      // overlaid by the reconciler below while it lives.
      this.predict.attachAll("players", { mode: "lerp", fields: ["x", "y"], snap: TELEPORT_UNITS });
      this.predict.attachAll("players", { mode: "lerp", fields: ["aim"], angle: true });
    }

    this.me = this.predict.reconciler(self as unknown as { x: number; y: number }, {
      input: this.input,
      fields: ["x", "y"],
      snap: TELEPORT_UNITS,
      step: (ctx, body, cmd) => {
        // The server skips movement for the dead; so do we. `alive` is read off
        // the decoded state, the same flag the server checks.
        const raw = room.state.players.get(sessionId);
        if (raw?.alive) {
          applyInput(body, cmd, ctx.dt);
          if (!ctx.isReplay) this.#maybeFire(ctx.tick, body, cmd);
        }
        this.#predicted.set(ctx.tick, { x: body.x, y: body.y });
      },
      onReconcile: (acked) => this.#judge(acked),
    });

    if (remotes === "buffer") {
      // The server rewinds a shot to what its shooter saw: tell it how far back we draw others, as
      // `predict.reconciler` does for the lerp's fixed delay (through the same, internal, binding).
      // The input's stamp is serverNow() − this − smoothedRtt/2.
      const handle = this.input as unknown as { bindRenderDelay?(provider: () => number): void };
      if (typeof handle.bindRenderDelay !== "function") throw new Error("@colyseus/sdk: InputHandle.bindRenderDelay is gone; the arena's lag compensation needs another way to learn the jitter buffer's delay.");
      handle.bindRenderDelay(() => {
        const time = this.remoteTime();
        const clock = room.clock;
        return Number.isNaN(this.timeline.time) ? INTERP_DELAY_MS : Math.max(0, clock.serverNow() - clock.smoothedRtt() / 2 - time);
      });
    }

    this.shots = this.predict.spawns("projectiles", {
      owned: (shot: Projectile) => shot.ownerId === sessionId,
      spawnTime: (shot: Projectile) => shot.bornAt,
      correlate: "fifo",
      onReject: (_local: LocalShot) => { this.stats.shotsRejected++; },
    });
  }

  /**
   * Once per rendered frame, before drawing: advance the prediction, then
   * send one input per fixed step that fell due (30 Hz, independent of the
   * frame rate).
   */
  frame(now: number, intent: Intent): void {
    this.timeline.frame(now);
    this.predict.tick(now);
    this.#drawRemotes(now);
    if (this.input.epoch !== this.#epoch) {
      // The SDK reconnected and restarted the input numbering, which the fire cooldown is counted in.
      this.#epoch = this.input.epoch;
      this.#lastShotAtInput = 0;
      this.#predicted.clear();
    }

    const stepMs = this.me.stepMs;
    const dt = this.#lastFrame < 0 ? 0 : Math.max(0, now - this.#lastFrame);
    this.#lastFrame = now;
    this.#stepAcc += dt;

    let steps = 0;
    // A fresh press is sent now instead of at the next step boundary. The
    // accumulator goes negative by one step, so the average rate stays
    // exactly one input per step: this only shifts the phase.
    if (this.#stepAcc >= 0 && this.#stepAcc < stepMs && this.#pressed(intent)) {
      this.#stepAcc -= stepMs;
      this.#send(intent);
      steps++;
    }
    while (this.#stepAcc >= stepMs) {
      if (steps >= MAX_STEPS_PER_FRAME) {
        this.#stepAcc = 0; // a long hitch: drop the backlog rather than flood the server
        break;
      }
      this.#stepAcc -= stepMs;
      steps++;
      if (this.#drainStep()) continue;
      this.#send(intent);
    }
    this.#lastIntent = { ...intent };
    this.#refreshRates();
  }

  /** The own player's drawn position: predicted, interpolated between steps, correction-smoothed. */
  selfPosition(): { x: number; y: number } {
    return { x: this.me.value("x"), y: this.me.value("y") };
  }

  /** The own player's exact predicted position (game logic, tests). */
  selfPredicted(): { x: number; y: number } {
    return { x: this.me.state.x, y: this.me.state.y };
  }

  /** A remote player's drawn position and aim this frame. */
  remote(player: Player): { x: number; y: number; aim: number } {
    return this.#drawn.get(player) ?? { x: player.x, y: player.y, aim: player.aim };
  }

  /** The server time remote entities are drawn at this frame, ms. */
  remoteTime(): number {
    const clock = this.room.clock;
    if (this.remotes === "sdk") return clock.serverNow() - INTERP_DELAY_MS - clock.smoothedRtt() / 2;
    const time = this.timeline.time - this.#players.lagMs;
    return Number.isNaN(time) ? clock.renderNow() - INTERP_DELAY_MS : time;
  }

  /** Where every remote player is drawn this frame, and how that compares with what the server sent. */
  #drawRemotes(now: number): void {
    const time = this.remoteTime();
    // Behind the newest patch on the timeline the drawing uses (the buffer's is on the tick grid).
    const newest = this.remotes === "sdk" ? this.room.clock.lastServerTime() : this.timeline.playback.newest;
    this.motion.frame(now, newest - time);
    const drawn = new Map<Player, { x: number; y: number; aim: number }>();
    this.room.state.players?.forEach((player, id) => {
      if (id === this.room.sessionId) return;
      let at: { x: number; y: number; aim: number };
      if (this.remotes === "sdk") {
        at = { x: this.predict.value(player, "x"), y: this.predict.value(player, "y"), aim: this.predict.value(player, "aim") };
      } else {
        const values = this.#players.at(player);
        at = values ? { x: values[0], y: values[1], aim: values[2] } : { x: player.x, y: player.y, aim: player.aim };
      }
      drawn.set(player, at);
      this.motion.drawn(player, now, time, at.x, at.y);
    });
    for (const player of this.#drawn.keys()) if (!drawn.has(player)) this.motion.forget(player);
    this.#drawn = drawn;
  }

  /** Every projectile to draw this frame, own shots on our timeline and others' on theirs. */
  *projectiles(): Generator<ShotView> {
    const clock = this.room.clock;
    const now = clock.serverNow();
    const remoteNow = this.remotes === "sdk" ? clock.renderNow() - INTERP_DELAY_MS : this.remoteTime();
    for (const entry of this.shots.entries()) {
      const local = entry.local;
      const server = entry.server;
      let originX: number, originY: number, angle: number, age: number;
      if (local) {
        ({ originX, originY, angle } = local);
        age = (now - local.firedAt) / 1000;
      } else if (server) {
        originX = server.originX;
        originY = server.originY;
        angle = server.angle;
        const own = server.ownerId === this.room.sessionId;
        age = ((own ? now : remoteNow) - server.bornAt) / 1000;
      } else {
        continue;
      }
      if (age < 0 || age > PROJECTILE_LIFETIME) continue;
      const at = projectilePosition(originX, originY, angle, age);
      if (projectileSpent(at.x, at.y, age)) continue;
      yield {
        id: entry.id, x: at.x, y: at.y, angle, age,
        own: Boolean(local) || server?.ownerId === this.room.sessionId,
        confirmed: entry.state === "confirmed",
      };
    }
  }

  dispose(): void {
    this.timeline.dispose();
    this.predict.dispose();
  }

  /** Leave this step out to shrink the server's input queue? (shared/pacing.ts, shared with the bots) */
  #drainStep(): boolean {
    const skip = this.#drain.skipThisStep(this.input, this.#networkRtt(), this.me.stepMs);
    if (skip) this.stats.inputsSkipped++;
    return skip;
  }

  #pressed(intent: Intent): boolean {
    const last = this.#lastIntent;
    return (intent.moveX !== 0 && intent.moveX !== last.moveX)
      || (intent.moveY !== 0 && intent.moveY !== last.moveY)
      || (intent.fire && !last.fire);
  }

  #send(intent: Intent): void {
    const data = this.input.data;
    data.moveX = intent.moveX;
    data.moveY = intent.moveY;
    data.aim = intent.aim;
    data.fire = intent.fire;
    this.input.send(); // the reconciler observes the send and steps the prediction
  }

  /** Mirrors the server's fire rule, on the live step only (a replay must not fire twice). */
  #maybeFire(inputNumber: number, body: { x: number; y: number }, cmd: { fire: boolean; aim: number }): void {
    if (!cmd.fire || this.room.state.phase !== "playing") return;
    if (!canFire(this.#lastShotAtInput, inputNumber)) return;
    this.#lastShotAtInput = inputNumber;
    const origin = muzzle(body.x, body.y, cmd.aim);
    this.shots.spawn({ originX: origin.x, originY: origin.y, angle: cmd.aim, firedAt: this.room.clock.serverNow() });
    this.stats.shotsPredicted++;
  }

  /** Compare what we predicted for the acknowledged input with what the server says. */
  #judge(acked: number): void {
    const predicted = this.#predicted.get(acked);
    for (const seq of this.#predicted.keys()) if (seq <= acked) this.#predicted.delete(seq);
    if (!predicted) return;
    const distance = Math.hypot(this.self.x - predicted.x, this.self.y - predicted.y);
    if (distance <= CORRECTION_EPSILON) return;
    if (distance > TELEPORT_UNITS) {
      this.stats.teleports++;
      return;
    }
    this.stats.corrections++;
    this.stats.lastCorrection = { seq: acked, dx: this.self.x - predicted.x, dy: this.self.y - predicted.y, pending: this.input.pendingCount };
    if (!this.self.alive) this.stats.correctionsAtDeath++;
    this.#correctionSum += distance;
    this.#recent.push({ at: performance.now(), distance });
  }

  #refreshRates(): void {
    const since = performance.now() - RATE_WINDOW_MS;
    while (this.#recent.length > 0 && this.#recent[0].at < since) this.#recent.shift();
    this.stats.correctionsPerSecond = this.#recent.length / (RATE_WINDOW_MS / 1000);
    this.stats.meanCorrection = this.stats.corrections > 0 ? this.#correctionSum / this.stats.corrections : 0;
    this.stats.pendingInputs = this.input.pendingCount;
    for (const entry of this.shots.entries()) {
      if (entry.local && entry.state === "confirmed" && !this.#confirmed.has(entry)) {
        this.#confirmed.add(entry);
        this.stats.shotsConfirmed++;
      }
    }
  }
}

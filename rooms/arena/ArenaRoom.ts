/**
 * The arena room: the authority. Clients send ArenaInput once per fixed step;
 * the room applies one per player per step (making up steps whose input came
 * late or that a stall dropped), flies the shots, judges hits where each
 * shooter saw its target, and runs the round clock.
 */
import { ServerError, type Client } from "@colyseus/core";
import { z } from "zod";
import { GameRoom } from "../../server/room/GameRoom.ts";
import { clampToRanges } from "../../server/room/input-ranges.ts";
import { withPlainSnapshots } from "../../server/room/input-snapshots.ts";
import { StepAllowance } from "../../server/room/step-allowance.ts";
import {
  MAX_HEALTH, MAX_PLAYERS, PATCH_RATE, PROJECTILE_DAMAGE, RESPAWN_SECONDS,
  ROUND_SECONDS, SCOREBOARD_SECONDS, TICK_RATE,
} from "./constants.ts";
import {
  applyInput, canFire, muzzle, projectileHits, projectilePosition, projectileSpent, spawnPoint,
} from "./sim.ts";
import { ArenaInput, ArenaState, Player, Projectile } from "./state.ts";

/**
 * Room settings. Colyseus merges `defineRoom` defaults over the client's
 * options, so every setting but `mode` is passed by server/rooms.ts and a
 * client cannot choose it; unknown keys are dropped.
 */
export const ArenaSettings = z.object({
  mode: z.enum(["ffa", "duel"]).default("ffa"),
  tickRate: z.number().int().min(1).max(240).default(TICK_RATE),
  reconnectSeconds: z.number().min(0).default(20),
  roundSeconds: z.number().positive().default(ROUND_SECONDS),
  maxMessagesPerSecond: z.number().int().positive().default(120),
});
export type ArenaSettings = z.input<typeof ArenaSettings>;

const JoinOptions = z.object({
  name: z.string().trim().max(16, "Names are at most 16 characters.").optional(),
});

/** How far back a shooter's view may be judged (ms); older views are clamped. */
const MAX_REWIND_MS = 500;

/**
 * The input class and its range checks, built once for every arena room: a
 * room's class fields run per room, and one input class for all of them keeps
 * the decode path's inline caches monomorphic (server/room/input-snapshots.ts).
 */
const ServerInput = withPlainSnapshots(ArenaInput);
const sanitizeInput = clampToRanges<ArenaInput>({ moveX: [-1, 1], moveY: [-1, 1] });

/** A shot in flight: its synced record plus what only the server needs. */
interface Flight { shot: Projectile; age: number; lagMs: number }

export class ArenaRoom extends GameRoom<{ state: ArenaState; input: ArenaInput; metadata: { mode: string } }> {
  maxClients = MAX_PLAYERS;
  patchRate = 1000 / PATCH_RATE;
  state = new ArenaState();

  /**
   * One buffered input is applied per step, plus any steps owed (see
   * server/room/step-allowance.ts). 32 holds a second at 30 Hz: room for what
   * arrives while a busy process stalls, until the steps it dropped are made
   * up. An overflow would drop inputs the client already predicted, a visible
   * correction. A flood only ever delays (and then drops) the flooder's own.
   */
  inputs = this.defineInput(ServerInput, { bufferMaxSize: 32, sanitize: sanitizeInput });
  private rewind = this.allowRewindState({ maxRewindMs: MAX_REWIND_MS });

  private settings!: z.output<typeof ArenaSettings>;
  private flights = new Map<string, Flight>();
  private allowance = new StepAllowance();
  private lastShotAtInput = new Map<string, number>();
  private respawnAt = new Map<string, number>();
  private nextShotId = 0;
  private joinCount = 0;
  private scratch = { x: 0, y: 0 };

  onCreate(options: ArenaSettings) {
    this.settings = ArenaSettings.parse(options ?? {});
    if (this.settings.mode === "duel") this.maxClients = 2;
    this.maxMessagesPerSecond = this.settings.maxMessagesPerSecond;
    this.state.mode = this.settings.mode;
    this.setMetadata({ mode: this.settings.mode });
    this.rewind.attachAll(this.state.players, { fields: ["x", "y"] });
    this.startRound();

    this.handle("chat", z.object({ text: z.string().trim().min(1).max(140) }), (client, { text }) => {
      const name = this.state.players.get(client.sessionId)?.name ?? "?";
      this.broadcast("chat", { from: client.sessionId, name, text });
    });

    this.setFixedTimestep((ctx) => this.step(ctx.dt, ctx.tick), this.settings.tickRate);
  }

  onJoin(client: Client, options: unknown) {
    const join = JoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(4400, join.error.issues[0].message);
    this.spawnPlayer(client.sessionId, join.data.name || `Player ${this.joinCount + 1}`);
  }

  onDrop(client: Client, code?: number) {
    const player = this.state.players.get(client.sessionId);
    if (!player || this.wasKicked(code)) return; // onLeave follows and removes it
    player.connected = false;
    // Hold the seat: avatar, health, score and sessionId survive a network drop.
    // A rejection (window expired, room disposing) needs no handling here: onLeave removes the player.
    this.allowReconnection(client, this.settings.reconnectSeconds).catch(() => undefined);
  }

  onReconnect(client: Client) {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
    // The new connection's input count starts again from zero, and so does its fire cooldown.
    this.lastShotAtInput.delete(client.sessionId);
  }

  onLeave(client: Client) {
    this.state.players.delete(client.sessionId);
    this.lastShotAtInput.delete(client.sessionId);
    this.respawnAt.delete(client.sessionId);
    this.allowance.forget(client.sessionId);
    this.forgetConduct(client.sessionId);
  }

  spawnPlayer(sessionId: string, name: string): Player {
    const player = new Player();
    player.name = name;
    player.color = this.joinCount++ % 16;
    this.placeAtSpawn(player);
    this.state.players.set(sessionId, player);
    return player;
  }

  private step(dt: number, tick: number) {
    const now = this.clock.elapsedTime;
    const playing = this.state.phase === "playing";
    this.allowance.startStep(tick);

    for (const [sessionId, player] of this.state.players) {
      const stream = this.inputs.get(sessionId);
      // One input per step, plus steps its input missed: more inputs never mean more speed.
      const allowed = this.allowance.forStep(sessionId);
      let applied = 0;
      for (; applied < allowed; applied++) {
        const input = stream.next();
        if (!input) break;
        this.playInput(sessionId, player, input, stream.consumedCount, dt, playing);
      }
      this.allowance.settle(sessionId, allowed, applied);
    }

    this.flyShots(dt, now);
    this.respawnTheDead(now);
    if (now >= this.state.phaseEndsAt) {
      if (playing) this.endRound(); else this.startRound();
    }
  }

  /** One step of one player: aim, move, and fire when the cooldown (counted in inputs) allows. */
  private playInput(sessionId: string, player: Player, input: ArenaInput, inputNumber: number, dt: number, playing: boolean) {
    player.aim = input.aim;
    if (!player.alive) return;
    // Step a plain copy: schema setters snap on every write, the client's replay does not.
    this.scratch.x = player.x;
    this.scratch.y = player.y;
    applyInput(this.scratch, input, dt);
    player.x = this.scratch.x;
    player.y = this.scratch.y;

    if (playing && input.fire && canFire(this.lastShotAtInput.get(sessionId) ?? 0, inputNumber)) {
      this.lastShotAtInput.set(sessionId, inputNumber);
      this.fire(sessionId, player);
    }
  }

  private fire(sessionId: string, shooter: Player) {
    const origin = muzzle(shooter.x, shooter.y, shooter.aim);
    const shot = new Projectile();
    shot.ownerId = sessionId;
    shot.originX = origin.x;
    shot.originY = origin.y;
    shot.angle = shooter.aim;
    shot.bornAt = Math.floor(this.clock.elapsedTime);
    // The shooter saw everyone this far in the past; the shot flies in that timeline.
    const seen = this.rewind.lastSeenBy(sessionId);
    const lagMs = Math.max(0, this.clock.elapsedTime - seen.time);
    const id = String(++this.nextShotId);
    this.state.projectiles.set(id, shot);
    this.flights.set(id, { shot, age: 0, lagMs });
  }

  private flyShots(dt: number, now: number) {
    for (const [id, flight] of this.flights) {
      flight.age += dt;
      const { shot } = flight;
      const at = projectilePosition(shot.originX, shot.originY, shot.angle, flight.age);
      if (projectileSpent(at.x, at.y, flight.age)) {
        this.removeShot(id);
        continue;
      }
      const seen = this.rewind.at(now - flight.lagMs);
      for (const [targetId, target] of this.state.players) {
        if (targetId === shot.ownerId || !target.alive) continue;
        if (projectileHits(at.x, at.y, seen.value(target, "x"), seen.value(target, "y"))) {
          this.damage(targetId, target, shot.ownerId, now);
          this.removeShot(id);
          break;
        }
      }
    }
  }

  private damage(victimId: string, victim: Player, shooterId: string, now: number) {
    victim.health = Math.max(0, victim.health - PROJECTILE_DAMAGE);
    if (victim.health > 0) return;
    victim.alive = false;
    victim.deaths++;
    const shooter = this.state.players.get(shooterId);
    if (shooter) shooter.kills++;
    this.respawnAt.set(victimId, now + RESPAWN_SECONDS * 1000);
    this.broadcast("killed", { victim: victimId, by: shooterId });
  }

  private respawnTheDead(now: number) {
    for (const [sessionId, at] of this.respawnAt) {
      if (now < at) continue;
      this.respawnAt.delete(sessionId);
      const player = this.state.players.get(sessionId);
      if (player) this.placeAtSpawn(player);
    }
  }

  /** Put a player back in play at the spawn point farthest from everyone alive. */
  private placeAtSpawn(player: Player) {
    let best = spawnPoint(0);
    let bestDistance = -1;
    for (let i = 0; i < MAX_PLAYERS; i++) {
      const p = spawnPoint(i);
      let nearest = Infinity;
      for (const other of this.state.players.values()) {
        if (other === player || !other.alive) continue;
        nearest = Math.min(nearest, (other.x - p.x) ** 2 + (other.y - p.y) ** 2);
      }
      if (nearest > bestDistance) { bestDistance = nearest; best = p; }
    }
    player.x = best.x;
    player.y = best.y;
    player.health = MAX_HEALTH;
    player.alive = true;
  }

  private removeShot(id: string) {
    this.flights.delete(id);
    this.state.projectiles.delete(id);
  }

  private startRound() {
    if (this.state.phase === "scoreboard") this.state.round++;
    this.state.phase = "playing";
    this.state.phaseEndsAt = Math.floor(this.clock.elapsedTime + this.settings.roundSeconds * 1000);
    this.respawnAt.clear();
    for (const player of this.state.players.values()) {
      player.kills = 0;
      player.deaths = 0;
      this.placeAtSpawn(player);
    }
  }

  private endRound() {
    this.state.phase = "scoreboard";
    this.state.phaseEndsAt = Math.floor(this.clock.elapsedTime + SCOREBOARD_SECONDS * 1000);
    for (const id of [...this.flights.keys()]) this.removeShot(id);
  }
}

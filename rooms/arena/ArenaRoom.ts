/**
 * The arena room: the authority. Clients send ArenaInput once per fixed step;
 * the room applies one per player per step (making up steps whose input came
 * late or that a stall dropped), flies the shots, judges hits where each
 * shooter saw its target, and runs the round clock.
 */
import { definePlugins, ServerError, type Client } from "@colyseus/core";
import { z } from "zod";
import { ClientErrorCode, MAX_NAME_LENGTH } from "../../shared/protocol.ts";
import { framework } from "../../server/room/GameRoom.ts";
import type { StepContext } from "../../server/room/fixed-step.ts";
import { predictedInput, PredictedRoom } from "../../server/room/PredictedRoom.ts";
import { SeatHolding } from "../../server/room/seats.ts";
import { MatchChat } from "../chat/match.ts";
import { MAX_HEALTH, MAX_PLAYERS, PROJECTILE_DAMAGE, RESPAWN_SECONDS, SCOREBOARD_SECONDS } from "./constants.ts";
import { ArenaMessage, CHAT_BUDGET, CHAT_MAX_LENGTH, MODES, type Chat, type Killed } from "./protocol.ts";
import {
  applyInput, canFire, muzzle, projectileHits, projectilePosition, projectileSpent, spawnPoint,
} from "./sim.ts";
import type { ArenaSettings } from "./settings.ts";
import { ArenaInput, ArenaState, Player, Projectile } from "./state.ts";

/** What a client may choose: the mode when it creates a room, its name when it joins. Everything else is the server's. */
const CreateOptions = z.object({ mode: z.enum(MODES).default("ffa") });
const JoinOptions = z.object({
  name: z.string().trim().max(MAX_NAME_LENGTH, `Names are at most ${MAX_NAME_LENGTH} characters.`).optional(),
});
const ChatRequest = z.object({ text: z.string().trim().min(1).max(CHAT_MAX_LENGTH) });

/** How far back a shooter's view may be judged (ms); older views are clamped. */
const MAX_REWIND_MS = 500;

/** The input, prepared once for every arena room (one class keeps the decode path monomorphic). */
const INPUT = predictedInput(ArenaInput, { moveX: [-1, 1], moveY: [-1, 1] });

/** A shot in flight: its synced record plus what only the server needs. */
interface Flight { shot: Projectile; age: number; lagMs: number }

/** The room's own fields in a snapshot. */
interface ArenaFields {
  flights: [id: string, age: number, lagMs: number][];
  lastShotAtInput: [string, number][];
  respawnAt: [string, number][];
  nextShotId: number;
  joinCount: number;
  playing: boolean;
}


export class ArenaRoom extends PredictedRoom<{ state: ArenaState; input: ArenaInput; metadata: { mode: string } }, ArenaSettings> {
  maxClients = MAX_PLAYERS;
  state = new ArenaState();
  plugins = definePlugins([...framework({ budget: CHAT_BUDGET }), new SeatHolding(), new MatchChat()]);

  /**
   * One buffered input is applied per step, plus any steps owed
   * (PredictedRoom); a flood only fills the flooder's own buffer. 32 holds a second at 30 Hz: room for what arrives while
   * a busy process stalls, until the steps it dropped are made up.
   */
  inputs = this.defineInput(INPUT.type, { bufferMaxSize: 32, sanitize: INPUT.sanitize });
  private rewind = this.allowRewindState({ maxRewindMs: MAX_REWIND_MS });

  private flights = new Map<string, Flight>();
  private lastShotAtInput = new Map<string, number>();
  private respawnAt = new Map<string, number>();
  private nextShotId = 0;
  private joinCount = 0;
  private scratch = { x: 0, y: 0 };
  private playing = true;

  onCreate(options: unknown) {
    const { mode } = CreateOptions.parse(options ?? {});
    if (mode === "duel") this.maxClients = 2;
    this.state.mode = mode;
    this.setMetadata({ mode });
    this.rewind.attachAll(this.state.players, { fields: ["x", "y"] });
    this.startRound();

    this.plugins.conduct.handle(ArenaMessage.CHAT, ChatRequest, (client, { text }) => {
      const name = this.state.players.get(client.sessionId)?.name ?? "?";
      this.broadcast(ArenaMessage.CHAT, { from: client.sessionId, name, text } satisfies Chat);
    });

    this.startSimulation();
  }

  onJoin(client: Client, options: unknown) {
    const join = JoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(ClientErrorCode.INVALID_MESSAGE, join.error.issues[0].message);
    this.spawnPlayer(client.sessionId, join.data.name || `Player ${this.joinCount + 1}`);
  }

  onDrop(client: Client, code?: number) {
    const player = this.state.players.get(client.sessionId);
    // Held: avatar, health, score and sessionId survive a network drop; onLeave follows otherwise.
    if (player && this.plugins.seats.hold(client, code)) player.connected = false;
  }

  onReconnect(client: Client) {
    const player = this.state.players.get(client.sessionId);
    if (player) player.connected = true;
    // The new connection's input count starts again from zero, and so does its fire cooldown.
    this.lastShotAtInput.delete(client.sessionId);
  }

  /** What a snapshot keeps besides the state (server/room/durable.ts): shots in flight, respawn times, counters. */
  snapshot(): ArenaFields {
    return {
      flights: [...this.flights].map(([id, { age, lagMs }]) => [id, age, lagMs]),
      lastShotAtInput: [...this.lastShotAtInput],
      respawnAt: [...this.respawnAt],
      nextShotId: this.nextShotId,
      joinCount: this.joinCount,
      playing: this.playing,
    };
  }

  /** Back from a snapshot, after the state: every player is away until their owner resumes the seat. */
  restore(fields: ArenaFields) {
    this.flights.clear();
    for (const [id, age, lagMs] of fields.flights) {
      const shot = this.state.projectiles.get(id);
      if (shot) this.flights.set(id, { shot, age, lagMs });
    }
    this.lastShotAtInput = new Map(fields.lastShotAtInput);
    this.respawnAt = new Map(fields.respawnAt);
    this.nextShotId = fields.nextShotId;
    this.joinCount = fields.joinCount;
    this.playing = fields.playing;
    for (const player of this.state.players.values()) player.connected = false;
  }

  onLeave(client: Client) {
    this.state.players.delete(client.sessionId);
    this.lastShotAtInput.delete(client.sessionId);
    this.respawnAt.delete(client.sessionId);
  }

  spawnPlayer(sessionId: string, name: string): Player {
    const player = new Player();
    player.name = name;
    player.color = this.joinCount++ % 16;
    this.placeAtSpawn(player);
    this.state.players.set(sessionId, player);
    return player;
  }

  /** One step of one player: aim, move, and fire when the cooldown (counted in inputs) allows. */
  protected applyInput(client: Client, input: ArenaInput, inputNumber: number, ctx: StepContext) {
    const player = this.state.players.get(client.sessionId);
    if (player) this.playInput(client.sessionId, player, input, inputNumber, ctx.dt);
  }

  protected afterInputs(ctx: StepContext) {
    const now = this.clock.elapsedTime;
    this.flyShots(ctx.dt, now);
    this.respawnTheDead(now);
    if (now >= this.state.phaseEndsAt) {
      if (this.playing) this.endRound(); else this.startRound();
    }
  }

  private playInput(sessionId: string, player: Player, input: ArenaInput, inputNumber: number, dt: number) {
    player.aim = input.aim;
    if (!player.alive) return;
    // Step a plain copy: schema setters snap on every write, the client's replay does not.
    this.scratch.x = player.x;
    this.scratch.y = player.y;
    applyInput(this.scratch, input, dt);
    player.x = this.scratch.x;
    player.y = this.scratch.y;

    if (this.playing && input.fire && canFire(this.lastShotAtInput.get(sessionId) ?? 0, inputNumber)) {
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
    this.broadcast(ArenaMessage.KILLED, { victim: victimId, by: shooterId } satisfies Killed);
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
    this.playing = true;
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
    this.playing = false;
    this.state.phaseEndsAt = Math.floor(this.clock.elapsedTime + SCOREBOARD_SECONDS * 1000);
    for (const id of [...this.flights.keys()]) this.removeShot(id);
  }
}

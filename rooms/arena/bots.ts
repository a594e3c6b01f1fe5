/**
 * How bots play the arena (`npm run loadtest -- --room arena --behaviour play`).
 * They send the very ArenaInput the browser sends (rooms/arena/state.ts),
 * once per fixed step at the rate the room advertises, and think with the
 * shared simulation (rooms/arena/sim.ts): a bot predicts its own body with
 * the same `applyInput` the server runs, and fires only when `canFire` says
 * the server will accept the shot.
 */
import type { Room } from "@colyseus/sdk";
import type { Behaviour, BotContext, BotPlayer, NetworkRtt, Rng } from "../../loadtest/behaviour.ts";
import { QueueDrain } from "../../shared/pacing.ts";
import { applyInput, canFire, type PlayerBody } from "./sim.ts";
import { ArenaInput, type ArenaState } from "./state.ts";

export { seededRng, type NetworkRtt, type Rng } from "../../loadtest/behaviour.ts";

/** The slice of the SDK's input handle a player needs (the real one in the fleet, a recorder in tests). */
export interface InputPort {
  readonly data: ArenaInput;
  readonly sentCount: number;
  /** Sent and not yet acknowledged. */
  readonly pendingCount: number;
  /** The room's advertised patch interval, ms. */
  readonly patchRate?: number;
  /** The room's advertised fixed step, s and ms: the server's TICK_RATE. */
  readonly stepSeconds?: number;
  readonly stepMs?: number;
  send(): number;
}

/** What a player sees of the room. */
export interface RoomView {
  readonly sessionId: string;
  readonly state: ArenaState | undefined;
}

export interface ArenaPlayer {
  /** Decide and send exactly one input: called once per fixed step. */
  step(): void;
  /** Where this player believes its own body is (the shared sim's prediction). */
  readonly body: PlayerBody;
}

/** Assumed until the room has advertised its step (it does in the join handshake). */
const FALLBACK_STEP_SECONDS = 1 / 30;
/** The eight ways a move-only player heads (never standing still). */
export const DIRECTIONS: readonly [number, number][] = [[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]];
/** Shots only at targets this close (units): further away they mostly hit walls. */
const ENGAGE_RANGE = 700;

/** Steps until a move-only player picks a new direction: about once a second, never the same cadence twice. */
export function rerollAfter(rng: Rng, stepsPerSecond: number): number {
  return Math.round(stepsPerSecond * (0.5 + rng()));
}

const stepOf = (input: InputPort) => input.stepSeconds ?? FALLBACK_STEP_SECONDS;

/**
 * Move-only: every bot moves on every step and re-rolls its direction about
 * once a second (sooner when the shared sim says a wall stops it). The worst
 * case for delta sync: every player's x and y change in every patch.
 */
export function mover(input: InputPort, view: RoomView, rng: Rng, rtt: NetworkRtt = () => 0): ArenaPlayer {
  const body: PlayerBody = { x: 0, y: 0 };
  const drain = new QueueDrain();
  let located = false;
  let stepsLeft = 0;
  let dir = DIRECTIONS[0];

  return {
    body,
    step() {
      if (!located) {
        // The full state on join says where we spawned; after that, the sim knows.
        const me = view.state?.players?.get(view.sessionId);
        if (me) { body.x = me.x; body.y = me.y; located = true; }
      }
      // Left out to shrink the server's queue: no input, so the body does not move this step either.
      const dt = stepOf(input);
      if (drain.skipThisStep(input, rtt(), dt * 1000)) return;
      if (--stepsLeft <= 0) {
        dir = DIRECTIONS[Math.floor(rng() * DIRECTIONS.length)];
        stepsLeft = rerollAfter(rng, 1 / dt);
      }
      const data = input.data;
      data.moveX = dir[0];
      data.moveY = dir[1];
      data.fire = false;
      const beforeX = body.x, beforeY = body.y;
      applyInput(body, data, dt);
      if (located && body.x === beforeX && body.y === beforeY) stepsLeft = 0; // stuck: turn next step
      input.send();
    },
  };
}

/**
 * Full game: strafe around, aim at the nearest living rival, shoot when the
 * fire rate allows, die and come back. Reads the decoded state every step.
 */
export function fighter(input: InputPort, view: RoomView, rng: Rng, rtt: NetworkRtt = () => 0): ArenaPlayer {
  const body: PlayerBody = { x: 0, y: 0 };
  const drain = new QueueDrain();
  let stepsLeft = 0;
  let dir = DIRECTIONS[0];
  let lastFiredAt = 0;

  return {
    body,
    step() {
      const state = view.state;
      const me = state?.players?.get(view.sessionId);
      const data = input.data;
      if (me) { body.x = me.x; body.y = me.y; }
      const dt = stepOf(input);
      if (drain.skipThisStep(input, rtt(), dt * 1000)) return;
      if (--stepsLeft <= 0) {
        dir = DIRECTIONS[Math.floor(rng() * DIRECTIONS.length)];
        stepsLeft = rerollAfter(rng, 1 / dt);
      }
      // Look one step ahead with the server's own rules; a blocked way means a new direction.
      const ahead = { x: body.x, y: body.y };
      applyInput(ahead, { moveX: dir[0], moveY: dir[1] }, dt);
      if (ahead.x === body.x && ahead.y === body.y) stepsLeft = 0;
      data.moveX = dir[0];
      data.moveY = dir[1];

      const target = me?.alive && state ? nearestRival(state, view.sessionId, body) : undefined;
      let fire = false;
      if (target) {
        data.aim = Math.atan2(target.y - body.y, target.x - body.x);
        const inputNumber = input.sentCount + 1; // the number the server gives this input
        if (target.distance < ENGAGE_RANGE && state!.phase === "playing" && canFire(lastFiredAt, inputNumber)) {
          fire = true;
          lastFiredAt = inputNumber;
        }
      }
      data.fire = fire;
      input.send();
    },
  };
}

function nearestRival(state: ArenaState, self: string, from: PlayerBody): { x: number; y: number; distance: number } | undefined {
  let best: { x: number; y: number; distance: number } | undefined;
  state.players.forEach((p, id) => {
    if (id === self || !p.alive) return;
    const distance = Math.hypot(p.x - from.x, p.y - from.y);
    if (!best || distance < best.distance) best = { x: p.x, y: p.y, distance };
  });
  return best;
}

/** The SDK's input handle for the browser's own input schema: bots and browser cannot drift apart. */
function arenaInput(room: Room) {
  return room.input({ type: ArenaInput });
}

function playing(brain: (input: InputPort, view: RoomView, rng: Rng, rtt: NetworkRtt) => ArenaPlayer) {
  return ({ room, rng, rtt }: BotContext): BotPlayer => {
    const input = arenaInput(room);
    const player = brain(input as unknown as InputPort, room as unknown as RoomView, rng, rtt);
    return { input, step: () => player.step() };
  };
}

/** The arena's bot behaviours, by name, for the fleet (loadtest/). */
export const behaviours: Record<string, Behaviour> = {
  /** Moving, aiming, shooting, dying, respawning. */
  play: { session: "stay", decodesPatches: true, play: playing(fighter) },
  /** Moving every step, direction re-rolled about once a second; reads no patches. */
  move: { session: "stay", decodesPatches: false, play: playing(mover) },
  /** Plays for 2–8 s, leaves, comes back. */
  churn: { session: "churn", decodesPatches: true, play: playing(fighter) },
  /** Plays, and every few seconds loses its connection without a close frame. */
  storm: { session: "storm", decodesPatches: true, play: playing(fighter) },
};

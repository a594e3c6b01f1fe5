/**
 * How bots play the arena. They send the very ArenaInput the browser sends
 * (rooms/arena/state.ts), once per fixed step, and think with the shared
 * simulation (rooms/arena/sim.ts): a bot predicts its own body with the same
 * `applyInput` the server runs, and fires only when `canFire` says the server
 * will accept the shot.
 */
import { TICK_RATE } from "./constants.ts";
import { applyInput, canFire, type PlayerBody } from "./sim.ts";
import type { ArenaInput, ArenaState } from "./state.ts";
import { QueueDrain } from "../../shared/pacing.ts";

/** The slice of the SDK's input handle a player needs (the real one in the fleet, a recorder in tests). */
export interface InputPort {
  readonly data: ArenaInput;
  readonly sentCount: number;
  /** Sent and not yet acknowledged. */
  readonly pendingCount: number;
  /** The room's advertised patch interval, ms. */
  readonly patchRate?: number;
  send(): number;
}

/** What a player sees of the room. */
export interface RoomView {
  readonly sessionId: string;
  readonly state: ArenaState | undefined;
}

/** The plain network round trip, ms, as the player last measured it (the browser pings every 2 s). */
export type NetworkRtt = () => number;

export interface ArenaPlayer {
  /** Decide and send exactly one input: called once per fixed step. */
  step(): void;
  /** Where this player believes its own body is (the shared sim's prediction). */
  readonly body: PlayerBody;
}

const DT = 1 / TICK_RATE; // s, one fixed step
const STEP_MS = 1000 / TICK_RATE;
/** Eight compass directions: every move-only bot is moving on every step. */
/** The eight ways a move-only player heads (never standing still). */
export const DIRECTIONS: readonly [number, number][] = [[1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1], [1, -1]];
/** Shots only at targets this close (units): further away they mostly hit walls. */
const ENGAGE_RANGE = 700;

export type Rng = () => number;

/** A seeded generator, so a bot's choices can be replayed in tests. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Steps until the next direction change: about a second, never the same cadence twice. */
/** Steps until a move-only player picks a new direction: about once a second. */
export function rerollAfter(rng: Rng): number {
  return Math.round(TICK_RATE * (0.5 + rng()));
}

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
      if (drain.skipThisStep(input, rtt(), STEP_MS)) return;
      if (--stepsLeft <= 0) {
        dir = DIRECTIONS[Math.floor(rng() * DIRECTIONS.length)];
        stepsLeft = rerollAfter(rng);
      }
      const data = input.data;
      data.moveX = dir[0];
      data.moveY = dir[1];
      data.fire = false;
      const beforeX = body.x, beforeY = body.y;
      applyInput(body, data, DT);
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
      if (drain.skipThisStep(input, rtt(), STEP_MS)) return;
      if (--stepsLeft <= 0) {
        dir = DIRECTIONS[Math.floor(rng() * DIRECTIONS.length)];
        stepsLeft = rerollAfter(rng);
      }
      // Look one step ahead with the server's own rules; a blocked way means a new direction.
      const ahead = { x: body.x, y: body.y };
      applyInput(ahead, { moveX: dir[0], moveY: dir[1] }, DT);
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

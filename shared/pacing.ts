/**
 * Input pacing: how a player keeps the room's input queue short. Shared by the
 * browser client (rooms/arena/client/prediction.ts) and the load tester's bots, so bots feel
 * what browser players feel.
 *
 * The room applies one input per step and makes up a step whose input came
 * late or that a stalled process dropped (server/room/step-allowance.ts), but
 * anything else that queues inputs (a client clock running fast) leaves them
 * queued for good, and each one is a step of extra delay before the server
 * sees what the player does. When more inputs wait than the round trip and one patch
 * interval explain, the player leaves out one send in SKIP_SPACING steps
 * until the queue drains; a predicting client skips that step too, so
 * nothing diverges.
 */

/** Inputs waiting in the server's buffer that a player tolerates. */
export const MAX_SERVER_BACKLOG = 3;
/** At most one step left out in this many. */
export const SKIP_SPACING = 5;
/** Patch interval assumed until the room advertises its own, ms. */
const DEFAULT_PATCH_MS = 50;

/** What pacing reads off the SDK's input handle. */
export interface PacedInput {
  /** Inputs sent and not yet acknowledged (`input.pendingCount`). */
  readonly pendingCount: number;
  /** The room's advertised patch interval, ms (`input.patchRate`). */
  readonly patchRate?: number;
}

export class QueueDrain {
  #stepsSinceSkip = 0;
  /** Steps left out so far. */
  skipped = 0;

  /**
   * Called once per fixed step; true means leave this step's input out.
   * `networkRttMs` is the plain round trip, without time queued on the
   * server; NaN while unknown, and then nothing is ever skipped: queued
   * inputs cannot be told from inputs in flight.
   */
  skipThisStep(input: PacedInput, networkRttMs: number, stepMs: number): boolean {
    this.#stepsSinceSkip++;
    // Acks ride the patches, so besides the round trip up to one patch interval of inputs is unacknowledged.
    const patchMs = input.patchRate ?? DEFAULT_PATCH_MS;
    const inFlight = Math.ceil((networkRttMs + patchMs) / stepMs);
    const queued = input.pendingCount - inFlight;
    if (!(queued > MAX_SERVER_BACKLOG) || this.#stepsSinceSkip < SKIP_SPACING) return false;
    this.#stepsSinceSkip = 0;
    this.skipped++;
    return true;
  }
}

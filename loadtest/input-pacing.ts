/**
 * How a player keeps the room's input queue short: the browser client's rule
 * (game-client/src/net/prediction.ts, `#drainStep`), mirrored so bots feel
 * what browser players feel. The room applies exactly one input per step, so
 * every step it spends with an empty buffer (a late packet, a busy process)
 * leaves one more input queued for good. When more inputs wait than the
 * round trip and one patch interval explain, the player leaves out one send
 * in SKIP_SPACING steps until the queue drains.
 *
 * pacing.test.ts fails if these constants drift from the browser's.
 */

/** Inputs waiting in the server's buffer that a player tolerates. */
export const MAX_SERVER_BACKLOG = 3;
/** At most one step left out in this many. */
export const SKIP_SPACING = 5;

export interface PacingInput {
  /** Inputs sent and not yet acknowledged (the SDK's `input.pendingCount`). */
  readonly pendingCount: number;
  /** The room's advertised patch interval, ms (the SDK's `input.patchRate`). */
  readonly patchRate?: number;
}

export class QueueDrain {
  private stepsSinceSkip = 0;

  /** Called once per fixed step: true means leave this step's input out. */
  skipThisStep(input: PacingInput, networkRttMs: number, stepMs: number): boolean {
    this.stepsSinceSkip++;
    // Acks ride the patches, so besides the round trip up to one patch interval of inputs is unacknowledged.
    const patchMs = input.patchRate ?? 50;
    const inFlight = Math.ceil((networkRttMs + patchMs) / stepMs);
    const queued = input.pendingCount - inFlight;
    if (queued <= MAX_SERVER_BACKLOG || this.stepsSinceSkip < SKIP_SPACING) return false;
    this.stepsSinceSkip = 0;
    return true;
  }
}

/**
 * How many buffered inputs a player may apply in one fixed step.
 *
 * Each input is one step of movement, so a room applies one per player per
 * step and sending faster never moves anyone faster. Applied strictly, that
 * rule has a cost: an input that arrives just after its step (network jitter,
 * a hiccup on either side, the burst of a join) leaves that step empty and the
 * next input queued behind it, and since a client sends one input per step,
 * the queue never drains by itself. Every later input then waits a whole step
 * longer before the server sees it.
 *
 * So a step that a player's input missed is owed: a later step may apply it
 * together with that step's own input. At most MAX_OWED_STEPS are owed. Steps
 * the room never ran count too: after a stall longer than the catch-up allows,
 * the fixed step skips ticks (ctx.tick jumps), and the next step may apply one
 * input per tick that passed. That bounds the speed rule exactly: over any run
 * of ticks a player applies at most one input per tick, plus MAX_OWED_STEPS.
 */
export const MAX_OWED_STEPS = 2;

export class StepAllowance {
  readonly #owed = new Map<string, number>();
  #lastTick: number | undefined;
  #ticks = 1;

  /** Called once at the start of each fixed step with the step's tick (ctx.tick). */
  startStep(tick: number): void {
    this.#ticks = this.#lastTick === undefined ? 1 : Math.max(1, tick - this.#lastTick);
    this.#lastTick = tick;
  }

  /** Inputs `sessionId` may apply this step: one per tick since the last step, plus the steps it is owed. */
  forStep(sessionId: string): number {
    return this.#ticks + (this.#owed.get(sessionId) ?? 0);
  }

  /** After the step: what was allowed and not applied is owed, up to MAX_OWED_STEPS. */
  settle(sessionId: string, allowed: number, applied: number): void {
    this.#owed.set(sessionId, Math.min(MAX_OWED_STEPS, allowed - applied));
  }

  forget(sessionId: string): void {
    this.#owed.delete(sessionId);
  }

  /** Forget every player not in `present` (players who left for good). */
  retainOnly(present: ReadonlySet<string>): void {
    for (const sessionId of this.#owed.keys()) if (!present.has(sessionId)) this.#owed.delete(sessionId);
  }
}

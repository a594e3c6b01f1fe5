import { describe, expect, it } from "vitest";
import { MAX_OWED_STEPS, StepAllowance } from "./step-allowance.ts";

/**
 * Run fixed steps for one player whose buffer receives `arrivals[i]` inputs
 * before step i; `ticks[i]` is step i's tick (consecutive unless given).
 */
function play(arrivals: number[], ticks = arrivals.map((_, i) => i)): number[] {
  const allowance = new StepAllowance();
  let buffered = 0;
  return arrivals.map((arriving, i) => {
    allowance.startStep(ticks[i]);
    buffered += arriving;
    const allowed = allowance.forStep("p");
    const applied = Math.min(allowed, buffered);
    buffered -= applied;
    allowance.settle("p", allowed, applied);
    return applied;
  });
}

describe("step allowance", () => {
  it("applies one input per step to a player sending one per step", () => {
    expect(play([1, 1, 1, 1, 1])).toEqual([1, 1, 1, 1, 1]);
  });

  it("makes up a step whose input came late, so no queue is left standing", () => {
    // The second input misses its step and arrives with the third.
    expect(play([1, 0, 2, 1, 1])).toEqual([1, 0, 2, 1, 1]);
  });

  it("never applies more than n + MAX_OWED_STEPS inputs over n steps, however many arrive", () => {
    const applied = play([50, ...Array(29).fill(50)]);
    let total = 0;
    applied.forEach((count, i) => {
      total += count;
      expect(total).toBeLessThanOrEqual(i + 1 + MAX_OWED_STEPS);
    });
  });

  it("lets the step after a stall apply one input per tick that passed, so the stall leaves no queue", () => {
    // Ticks 3, 4 and 5 were dropped in a stall; their inputs arrived meanwhile.
    expect(play([1, 1, 1, 4, 1], [0, 1, 2, 6, 7])).toEqual([1, 1, 1, 4, 1]);
  });

  it("owes an idle player no more than MAX_OWED_STEPS", () => {
    const applied = play([...Array(100).fill(0), 10, 0, 0, 0]);
    expect(applied.slice(100)).toEqual([1 + MAX_OWED_STEPS, 1, 1, 1]);
  });
});

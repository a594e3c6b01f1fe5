/**
 * Colyseus's fixed step on a steadier clock. Colyseus paces the step with
 * setInterval(1000 / tickRate), which Node restarts at whole milliseconds
 * from when the callback ran, so 33.3 ms becomes about 34 and the
 * accumulator then runs two steps in one callback every second or two;
 * here each step is scheduled for its own deadline (start + n steps).
 * Colyseus's setup (the tick rate advertised to clients, the sub-steps) is
 * kept and only its timer replaced. ctx.tick counts real time: after a stall
 * past the catch-up it jumps over the steps that were dropped, so a room can
 * tell (StepAllowance lets players make them up).
 */
import type { Room } from "@colyseus/core";
import { declaredSubSteps, setStepTimer, stepTimerOf } from "./colyseus-internals.ts";

/** Steps run back to back to catch up after a stall; beyond that they are dropped, as in Colyseus. */
export const MAX_CATCHUP_STEPS = 5;

export interface StepContext { dt: number; dtMs: number; tick: number; subSteps: number; subDt: number; subDtMs: number }

/** Replace the interval Colyseus's setFixedTimestep just started with deadline scheduling of `step`. */
export function runOnDeadlines(room: Room, step: (ctx: StepContext) => void, tickRate: number, subStepsOption?: number): void {
  clearInterval(stepTimerOf(room));
  const stepMs = 1000 / tickRate;
  const subSteps = subStepsOption ?? declaredSubSteps(room) ?? 1;
  const ctx: StepContext = { dt: 1 / tickRate, dtMs: stepMs, tick: 0, subSteps, subDt: 1 / tickRate / subSteps, subDtMs: stepMs / subSteps };
  const start = performance.now() + stepMs;
  let tick = 0;
  let timer: NodeJS.Timeout;
  const schedule = () => {
    timer = setTimeout(run, start + tick * stepMs - performance.now());
    setStepTimer(room, timer); // what Colyseus clears on dispose
  };
  const run = () => {
    room.clock.tick();
    let ran = 0;
    while (performance.now() >= start + tick * stepMs && ran < MAX_CATCHUP_STEPS) {
      ctx.tick = tick++;
      step(ctx);
      ran++;
    }
    const behind = performance.now() - (start + tick * stepMs);
    if (behind >= 0) tick += Math.floor(behind / stepMs) + 1; // a hitch: skip the backlog, don't spiral
    if (stepTimerOf(room) === timer) schedule(); // else the room was disposed or given a new step
  };
  schedule();
}

/**
 * The motion figures judge drawn frames against the samples the server sent:
 * one entity moving 0.2 units/ms along x, a sample every 50 ms.
 */
import { describe, expect, it } from "vitest";
import { MotionFigures } from "./motion-figures.ts";

const SPEED = 0.2;

/** Samples of `truth` every 50 ms up to `untilMs`, drawn every 20 ms at server time `frame - 100` by `draw`. */
function run(draw: (time: number) => number, untilMs = 3000, truth = (time: number) => time * SPEED): MotionFigures {
  const figures = new MotionFigures();
  const entity = {};
  for (let t = 0; t <= untilMs; t += 10) {
    if (t % 50 === 0) figures.truth(entity, t, truth(t), 0);
    if (t % 20 === 0 && t >= 200) {
      figures.frame(t, 100);
      figures.drawn(entity, t, t - 100, draw(t - 100), 0);
    }
  }
  return figures;
}

describe("the motion figures", () => {
  it("find nothing to fault in motion drawn exactly", () => {
    const m = run((time) => time * SPEED).summary();
    expect(m.straightFrames).toBeGreaterThan(100);
    expect(m.speedCv).toBeCloseTo(0, 9);
    expect(m.stallShare).toBe(0);
    expect(m.maxJumpRatio).toBeCloseTo(1, 9);
    expect(m.delayMeanMs).toBe(100);
  });

  it("count frames that hold a moving entity still, and the longest run of them", () => {
    // Frozen from 1000 to 1100 ms of server time, then back on the line (a jump).
    const m = run((time) => (time > 1000 && time <= 1100 ? 1000 * SPEED : time * SPEED)).summary();
    expect(m.longestStallMs).toBe(100);
    expect(m.stallShare).toBeGreaterThan(0);
    expect(m.maxJumpRatio).toBeCloseTo((1120 - 1000) / 20, 6);
    expect(m.speedCv).toBeGreaterThan(0.3);
  });

  it("count frames at a turn back apart from stalls: the entity comes to rest at the turning point in truth too", () => {
    // Along x up to 1000 ms of server time, then back; drawn coming to rest there for 40 ms, as a smoothed drawing does.
    const truth = (time: number) => SPEED * (time <= 1000 ? time : 2000 - time);
    const m = run((time) => truth(Math.abs(time - 1000) < 20 ? 980 : time), 3000, truth).summary();
    expect(m.stallShare).toBe(0);
    expect(m.longestStallMs).toBe(0);
    expect(m.turnFrames).toBeGreaterThan(0);
    expect(m.turnStallShare).toBeGreaterThan(0);
  });
});

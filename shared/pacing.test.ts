import { describe, expect, it } from "vitest";
import { MAX_SERVER_BACKLOG, QueueDrain, SKIP_SPACING } from "./pacing.ts";

const STEP_MS = 1000 / 30;

describe("input pacing (browser and bots)", () => {
  it("sends every step while the queue is within what the round trip explains", () => {
    const drain = new QueueDrain();
    // 20 ms round trip + 50 ms patches: 3 inputs in flight, plus the tolerated backlog.
    const input = { pendingCount: 3 + MAX_SERVER_BACKLOG, patchRate: 50 };
    for (let i = 0; i < 100; i++) expect(drain.skipThisStep(input, 20, STEP_MS)).toBe(false);
  });

  it("leaves out one step in SKIP_SPACING while the queue is too long", () => {
    const drain = new QueueDrain();
    const input = { pendingCount: 20, patchRate: 50 };
    const skipped = Array.from({ length: 10 * SKIP_SPACING }, () => drain.skipThisStep(input, 0, STEP_MS)).filter(Boolean).length;
    expect(skipped).toBe(10);
    expect(drain.skipped).toBe(10);
  });

  it("never skips while the round trip is unknown", () => {
    const drain = new QueueDrain();
    const input = { pendingCount: 50, patchRate: 50 };
    for (let i = 0; i < 100; i++) expect(drain.skipThisStep(input, Number.NaN, STEP_MS)).toBe(false);
  });
});

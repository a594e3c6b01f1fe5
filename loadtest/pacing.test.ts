import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MAX_SERVER_BACKLOG, QueueDrain, SKIP_SPACING } from "./input-pacing.ts";

const STEP_MS = 1000 / 30;

describe("bots keep the server's input queue short the way the browser does", () => {
  it("use the browser client's backlog limit and skip spacing", () => {
    // The browser's rule lives in its prediction module; bots that drained differently would measure a different game.
    const browser = readFileSync(new URL("../game-client/src/net/prediction.ts", import.meta.url), "utf8");
    expect(Number(/const MAX_SERVER_BACKLOG = (\d+);/.exec(browser)?.[1])).toBe(MAX_SERVER_BACKLOG);
    expect(Number(/const SKIP_SPACING = (\d+);/.exec(browser)?.[1])).toBe(SKIP_SPACING);
    expect(browser).toMatch(/const inFlight = Math\.ceil\(\(this\.#networkRtt\(\) \+ patchMs\) \/ stepMs\);/);
  });

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
  });
});

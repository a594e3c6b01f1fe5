import { describe, expect, it } from "vitest";
import { LinkDirection } from "./link.ts";

/** Send `count` messages through a link and collect (message, arrival time) in arrival order. */
function through(link: LinkDirection, count: number): Promise<{ n: number; at: number }[]> {
  const arrived: { n: number; at: number }[] = [];
  return new Promise((resolve) => {
    for (let n = 0; n < count; n++) {
      link.send(() => {
        arrived.push({ n, at: performance.now() });
        if (arrived.length === count) resolve(arrived);
      });
    }
  });
}

describe("link conditioner", () => {
  it("delivers every message, in order, even with heavy jitter and loss", async () => {
    const link = new LinkDirection({ latencyMs: 5, jitterMs: 30, loss: 0.3, retransmitMs: 20 });
    const arrived = await through(link, 200);
    expect(arrived.map((a) => a.n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it("holds every message for at least the configured latency", async () => {
    const sentAt = performance.now();
    const arrived = await through(new LinkDirection({ latencyMs: 40, jitterMs: 0, loss: 0, retransmitMs: 200 }), 3);
    for (const a of arrived) expect(a.at - sentAt).toBeGreaterThanOrEqual(39);
  });

  it("models a lost packet as a stall that the messages behind it wait out", async () => {
    // The first message is lost (random 0 < loss), the rest are not.
    const draws = [0, 0.99, 0.99];
    const link = new LinkDirection({ latencyMs: 0, jitterMs: 0, loss: 0.5, retransmitMs: 60 }, () => draws.shift() ?? 0.99);
    const sentAt = performance.now();
    const arrived = await through(link, 3);
    expect(arrived.map((a) => a.n)).toEqual([0, 1, 2]);
    for (const a of arrived) expect(a.at - sentAt).toBeGreaterThanOrEqual(59); // head-of-line blocking
  });
});

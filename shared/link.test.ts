/**
 * The link conditioner models TCP: messages are late, never lost and never
 * reordered, and a "lost" one holds back everything sent after it.
 */
import { describe, expect, it } from "vitest";
import { LinkConditioner, LinkSettingsError } from "./link.ts";

/** Push `count` messages into the uplink; resolves with arrival order and times once all arrived. */
function send(link: LinkConditioner, count: number): Promise<{ order: number[]; at: number[]; sentAt: number }> {
  return new Promise((resolve) => {
    const order: number[] = [];
    const at: number[] = [];
    const sentAt = performance.now();
    for (let i = 0; i < count; i++) {
      link.up.push(() => {
        order.push(i);
        at.push(performance.now() - sentAt);
        if (order.length === count) resolve({ order, at, sentAt });
      });
    }
  });
}

/** A fixed sequence of draws, repeating its last value. */
function draws(...values: number[]): () => number {
  let i = 0;
  return () => values[Math.min(i++, values.length - 1)];
}

describe("the link conditioner", () => {
  it("delivers at once and in order on a clean link", () => {
    const link = new LinkConditioner();
    const order: number[] = [];
    for (let i = 0; i < 5; i++) link.up.push(() => order.push(i));
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it("delivers what is due before its timer when a busy page asks before a frame, and nothing early", () => {
    const link = new LinkConditioner({ latencyMs: 40, jitterMs: 0 }, draws(0.5));
    const order: string[] = [];
    link.down.push(() => order.push("first"));
    link.down.deliverDue();
    expect(order).toEqual([]); // not due for 20 ms
    const due = performance.now() + 25;
    while (performance.now() < due) { /* a page busy drawing: no timer can run */ }
    link.down.push(() => order.push("second"));
    link.deliverDue();
    expect(order).toEqual(["first"]);
  });

  it("delays each direction by half the round trip and never reorders under jitter", async () => {
    const link = new LinkConditioner({ latencyMs: 60, jitterMs: 40 });
    const { order, at } = await send(link, 200);
    expect(order).toEqual([...Array(200).keys()]);
    expect(Math.min(...at)).toBeGreaterThanOrEqual(30 - 20 - 1); // 30 ms each way, minus at most 20 ms of jitter
  });

  it("holds everything behind a lost message until it is retransmitted", async () => {
    // Draw pairs per message: (jitter, loss). Only the first message is "lost".
    const link = new LinkConditioner({ latencyMs: 20, lossPercent: 10 }, draws(0.5, 0.0, 0.5, 0.99));
    const { order, at } = await send(link, 4);
    expect(order).toEqual([0, 1, 2, 3]);
    // Retransmitted after the 200 ms floor of the timeout, and the rest waited for it.
    expect(at[0]).toBeGreaterThanOrEqual(10 + 200 - 1);
    for (const t of at) expect(t).toBeGreaterThanOrEqual(at[0]);
  });

  it("refuses settings out of range, naming the field and the range", () => {
    const link = new LinkConditioner();
    expect(() => link.set({ latencyMs: -5 })).toThrow(LinkSettingsError);
    expect(() => link.set({ lossPercent: 80 })).toThrow("lossPercent must be a number from 0 to 50, got 80");
    expect(() => link.set({ jitterMs: Number.NaN })).toThrow("jitterMs must be a number from 0 to 500");
    expect(link.settings).toEqual({ latencyMs: 0, jitterMs: 0, lossPercent: 0 });
  });
});

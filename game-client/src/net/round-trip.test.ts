/**
 * The round trip a player reports is the link's: a real server, the client's
 * own session and link conditioner, in this process.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkConditioner, type LinkSettings } from "../../../shared/link.ts";
import { LinkClock, RoundTripEstimate } from "../../../shared/round-trip.ts";
import { startServer, type TestServer } from "../../../tools/server.ts";
import { GameSession } from "./session.ts";

let server: TestServer;
beforeAll(async () => { server = await startServer(); });
afterAll(async () => { await server?.close(); });

/** Join through `link` and wait for a full window of pings; resolves with what the player reports. */
async function measured(settings: Partial<LinkSettings>): Promise<{ ping: number; smoothedRtt: number; clock: unknown }> {
  const session = new GameSession(server.endpoint, new LinkConditioner(settings));
  try {
    await session.play("arena", "Pinger");
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (session.roundTrip.samples < 16) return;
        clearInterval(check);
        resolve();
      }, 100);
    });
    return { ping: session.pingMs, smoothedRtt: session.room!.clock.smoothedRtt(), clock: session.room!.clock };
  } finally {
    await session.leave();
  }
}

describe("the round trip a player reports", () => {
  it("is within a few milliseconds of a clean loopback link", async () => {
    const { ping, smoothedRtt, clock } = await measured({});
    expect(clock).toBeInstanceOf(LinkClock);
    expect(ping).toBeLessThan(5);
    expect(smoothedRtt).toBe(ping);
  }, 30_000);

  it("is within 10 % of 150 ± 30 ms", async () => {
    const { ping, smoothedRtt } = await measured({ latencyMs: 150, jitterMs: 30 });
    expect(ping).toBeGreaterThan(135);
    expect(ping).toBeLessThan(165);
    expect(smoothedRtt).toBe(ping);
  }, 30_000);
});

describe("the round-trip estimate", () => {
  it("keeps the least of what the link conditioner did not add, plus the mean of what it did", () => {
    const estimate = new RoundTripEstimate();
    estimate.add(190, 150, 10); // 30 ms of the page's own delay
    estimate.add(141, 140, 0);
    estimate.add(200, 160, 0);
    expect(estimate.estimateMs).toBeCloseTo(1 + 150);
  });

  it("keeps the least of the pings' rest and the network's round trips timed apart from them", () => {
    const estimate = new RoundTripEstimate();
    estimate.add(190, 150); // 40 ms of it the page's wait to handle the answer
    estimate.add(172, 150);
    estimate.addNetwork(3);
    estimate.addNetwork(2);
    expect(estimate.estimateMs).toBeCloseTo(2 + 150);
  });

  it("forgets a network round trip timed longer ago than the pings' window spans, so a link that got slower shows", () => {
    const estimate = new RoundTripEstimate();
    estimate.add(190, 150);
    estimate.addNetwork(2, 0);
    estimate.addNetwork(30, 60_000); // a minute later the network is slower
    expect(estimate.estimateMs).toBeCloseTo(30 + 150);
  });

  it("forgets samples from before a reset", () => {
    const estimate = new RoundTripEstimate();
    estimate.add(300, 0);
    estimate.addNetwork(1);
    estimate.reset();
    expect(estimate.estimateMs).toBeNaN();
    estimate.add(2, 0);
    expect(estimate.estimateMs).toBe(2);
  });
});

/**
 * The fleet's cards players (bots.ts `behaviours`) against a real server:
 * seated bots take their turns at a human pace with legal moves only, and
 * every move they send is acknowledged.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRng, soloContext } from "../../loadtest/behaviour.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { BOT_PACE, behaviours } from "./bots.ts";
import { cards } from "./index.ts";
import { MESSAGES, type Rejection } from "./protocol.ts";
import { serverTableOf } from "./testing.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ CARDS_DEAL_DELAY_SECONDS: "0" }, [cards]); });
afterAll(async () => { await ts?.close(); });

describe("cards bots in the fleet", () => {
  it("take turns with legal moves at a human pace, and time each move to its acknowledgement", async () => {
    const first = await ts.client().create("cards", { name: "bot 1" });
    const second = await ts.client().joinById(first.roomId, { name: "bot 2" });
    const acks: number[] = [];
    const refusals: Rejection[] = [];
    const players = [first, second].map((room, i) => {
      room.onMessage("*", () => undefined); // events and the clock: a bot reads only its state
      room.onMessage(MESSAGES.rejected, (r: Rejection) => refusals.push(r));
      return behaviours.play.play(soloContext(room, seededRng(i + 1), (ms) => acks.push(ms)));
    });
    const server = serverTableOf(first);
    const startedAt = Date.now();
    // Three moves (draws, plays or passes) from the bots, whoever is on turn.
    await waitForState(first, () => acks.length >= 3 && acks, 30_000, "three acknowledged moves");
    const elapsed = Date.now() - startedAt;

    expect(refusals).toEqual([]);
    expect(server.state.phase).not.toBe("waiting");
    for (const ms of acks) expect(ms).toBeGreaterThan(0);
    // Each move waited at least the shortest think time a person would take.
    expect(elapsed).toBeGreaterThanOrEqual(Math.min(BOT_PACE.thinkMs.min, BOT_PACE.afterDrawMs.min) * 3);
    for (const player of players) player.stop?.();
    await Promise.all([first.leave(), second.leave()]);
  });
});

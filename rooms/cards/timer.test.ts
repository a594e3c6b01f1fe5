/**
 * The turn timer, on a table with a one-second turn (CARDS_TURN_SECONDS):
 * when it runs out the table plays the default move for the player on turn,
 * and the next player's timer starts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cards } from "./index.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { MESSAGES, type ClockSync, type Move } from "./protocol.ts";
import { dealtView, drained, serverTableOf, sitDown } from "./testing.ts";

const TURN_SECONDS = 1;

let ts: TestServer;
beforeAll(async () => {
  ts = await startServer({ CARDS_DEAL_DELAY_SECONDS: "0", CARDS_TURN_SECONDS: String(TURN_SECONDS) }, [cards]);
});
afterAll(async () => { await ts?.close(); });

describe("cards turn timer", () => {
  it("draws a card and passes for a player whose turn runs out, then starts the next player's turn", async () => {
    const { players } = await sitDown(ts, ["Slow", "Quick"]);
    const [view] = await Promise.all(players.map(dealtView));
    const seat = view.turn;
    const server = serverTableOf(players[0]);
    const handBefore = view.handCounts[seat];
    const pileBefore = view.drawPileCount;
    const startedAt = Date.now();
    const left = server.state.turnEndsAt - server.clock.elapsedTime;
    expect(players[0].state.turnSeconds).toBe(TURN_SECONDS);
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(TURN_SECONDS * 1000);

    const after = await waitForState(players[0], (s) => s.turn === 1 - seat && s, 10_000, "the turn to pass on its own");

    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(left - 100); // the room clock ticks with each patch
    expect(after.seats[seat].handCount).toBe(handBefore + 1);
    expect(after.drawPileCount).toBe(pileBefore - 1);
    expect(players[0].events.map((e) => e.type).slice(-3)).toEqual(["timedOut", "drew", "passed"]);
    await drained(players[1]);
    expect(players[1].events.find((e) => e.type === "drew")).toEqual({ type: "drew", seat });
    await Promise.all(players.map((p) => p.leave()));
  });

  it("keeps the turn's timer running when the player draws, and the next player gets a full turn", async () => {
    const { players } = await sitDown(ts, ["Ann", "Ben"]);
    const [view] = await Promise.all(players.map(dealtView));
    const seat = view.turn;
    const server = serverTableOf(players[0]);
    const endsAt = server.state.turnEndsAt;
    players[seat].send(MESSAGES.move, { type: "draw" } satisfies Move);
    await waitForState(players[seat], (s) => s.turnHasDrawn, 10_000, "the draw");
    expect(server.state.turnEndsAt).toBe(endsAt);

    await waitForState(players[0], (s) => s.turn === 1 - seat, 10_000, "the timeout to pass the turn");
    expect(server.state.turnEndsAt).toBeGreaterThan(endsAt);
    expect(server.state.turnEndsAt - server.clock.elapsedTime).toBeGreaterThan(TURN_SECONDS * 1000 - 200);
    await Promise.all(players.map((p) => p.leave()));
  });

  it("answers a clock request with the room clock, against which the turn's end is set", async () => {
    const { players } = await sitDown(ts, ["Ann", "Ben"]);
    await Promise.all(players.map(dealtView));
    const server = serverTableOf(players[0]);
    const before = server.clock.elapsedTime;
    const { now } = await players[0].request(MESSAGES.clock, {}) as ClockSync;
    expect(now).toBeGreaterThanOrEqual(Math.floor(before));
    expect(now).toBeLessThanOrEqual(server.clock.elapsedTime);
    const left = players[0].state.turnEndsAt - now;
    expect(left).toBeGreaterThan(0);
    expect(left).toBeLessThanOrEqual(TURN_SECONDS * 1000);
    await Promise.all(players.map((p) => p.leave()));
  });
});

/** Seat holding: a dropped player's seat is held for RECONNECT_SECONDS, then freed. */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, localRoom, startServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { hold } from "./rooms.ts";

const RECONNECT_SECONDS = 1;

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ RECONNECT_SECONDS: String(RECONNECT_SECONDS) }, [hold]); });
afterAll(async () => { await ts?.close(); });

/** An abrupt network failure: the server's end of the socket is destroyed, no close handshake. */
function cutConnection(room: Room) {
  const client = localRoom(room.roomId).clients.find((c) => c.sessionId === room.sessionId)!;
  (client.ref as unknown as { terminate(): void }).terminate();
}

describe("seat holding", () => {
  it("holds a dropped player's seat, which it takes back with the same sessionId", async () => {
    const room = await ts.client().create("hold");
    room.reconnection.minUptime = 0;
    await waitForState(room, (s) => s.seats.has(room.sessionId), 10_000, "joined");
    const sessionId = room.sessionId;
    const back = nextSignal(room.onReconnect, 20_000, "reconnection");
    cutConnection(room);
    await back;
    expect(room.sessionId).toBe(sessionId);
    await waitForState(room, (s) => s.seats.get(sessionId)?.connected === true, 10_000, "connected again");
    await room.leave();
  });

  it("frees a held seat once the window expires", async () => {
    const watcher = await ts.client().create("hold");
    const leaver = await ts.client().joinById(watcher.roomId);
    leaver.reconnection.enabled = false;
    await waitForState(leaver, (s) => s.seats.has(leaver.sessionId), 10_000, "the leaver joined");
    cutConnection(leaver);
    await waitForState(watcher, (s) => s.seats.get(leaver.sessionId)?.connected === false, 10_000, "the seat held");
    const heldAt = Date.now();
    await waitForState(watcher, (s) => !s.seats.has(leaver.sessionId), 10_000, "the seat freed");
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(RECONNECT_SECONDS * 1000 - 250);
    await watcher.leave();
  });

  it("holds no seat for a client that leaves on purpose", async () => {
    const watcher = await ts.client().create("hold");
    const leaver = await ts.client().joinById(watcher.roomId);
    await waitForState(watcher, (s) => s.seats.has(leaver.sessionId), 10_000, "the leaver joined");
    const seen: boolean[] = [];
    watcher.onStateChange((s) => { const seat = s.seats.get(leaver.sessionId); if (seat) seen.push(seat.connected); });
    await leaver.leave();
    await waitForState(watcher, (s) => !s.seats.has(leaver.sessionId), 10_000, "the seat freed");
    expect(seen).not.toContain(false);
    await watcher.leave();
  });
});

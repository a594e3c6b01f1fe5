/**
 * Seats survive network drops for RECONNECT_SECONDS, and no longer.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeAt, serverRoomOf, WIRE_TOLERANCE } from "./testing.ts";
import type { ArenaInput } from "./state.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";

const RECONNECT_SECONDS = 2;

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ RECONNECT_SECONDS: String(RECONNECT_SECONDS) }); });
afterAll(async () => { await ts?.close(); });

/** An abrupt network failure: the server's end of the socket is destroyed, no close handshake. */
function cutConnection(room: import("@colyseus/sdk").Room) {
  const serverClient = serverRoomOf(room).clients.find((c) => c.sessionId === room.sessionId)!;
  (serverClient.ref as any).terminate();
}

describe("arena reconnection", () => {
  it("keeps the seat of a dropped client, which reconnects on its own with its sessionId, position and score", async () => {
    const room = await ts.client().create("arena", { name: "Flaky" });
    room.reconnection.minUptime = 0; // the test drops the socket right after joining
    await placeAt(room, 500, 300);
    const server = serverRoomOf(room);
    server.state.players.get(room.sessionId)!.kills = 3;
    await waitForState(room, (s) => s.players.get(room.sessionId).kills === 3, 10_000, "score to sync");
    const sessionId = room.sessionId;

    const reconnected = nextSignal(room.onReconnect, 20_000, "automatic reconnection");
    cutConnection(room);
    await reconnected;

    expect(room.sessionId).toBe(sessionId);
    const me = await waitForState(room, (s) => s.players.get(sessionId)?.connected && s.players.get(sessionId), 10_000, "connected again");
    expect(Math.abs(me.x - 500)).toBeLessThan(WIRE_TOLERANCE);
    expect(Math.abs(me.y - 300)).toBeLessThan(WIRE_TOLERANCE);
    expect(me.kills).toBe(3);
    await room.leave();
  });

  it("lets a reconnected player fire at once: the cooldown restarts with its input count", async () => {
    const room = await ts.client().create("arena", { name: "Gunner" });
    room.reconnection.minUptime = 0;
    await placeAt(room, 500, 600);
    const shoot = async () => {
      const input = room.input<ArenaInput>();
      for (let i = 0; i < 40; i++) { input.data.fire = i === 39; input.send(); } // a long history, then one shot
      input.data.fire = false;
      return waitForState(room, (s) => [...s.projectiles.values()].some((p: any) => p.ownerId === room.sessionId), 10_000, "own shot");
    };
    await shoot();
    await waitForState(room, (s) => s.projectiles.size === 0, 10_000, "the first shot to expire");

    const reconnected = nextSignal(room.onReconnect, 20_000, "automatic reconnection");
    cutConnection(room);
    await reconnected;
    const input = room.input<ArenaInput>();
    input.data.fire = true;
    input.send(); // input 1 of the new connection
    input.data.fire = false;
    await waitForState(room, (s) => [...s.projectiles.values()].some((p: any) => p.ownerId === room.sessionId), 10_000, "a shot right after reconnecting");
    await room.leave();
  });

  it("removes a dropped player whose reconnection window expires", async () => {
    const watcher = await ts.client().create("arena", { name: "Watcher" });
    const leaver = await ts.client().joinById(watcher.roomId, { name: "Gone" });
    leaver.reconnection.enabled = false; // it never comes back
    await waitForState(watcher, (s) => s.players.has(leaver.sessionId), 10_000, "the leaver to appear");
    // The seat is held only for a client that finished joining; its full state arrives once the server has its JOIN.
    await waitForState(leaver, (s) => s.players.has(leaver.sessionId), 10_000, "the leaver's join to complete");

    cutConnection(leaver);
    await waitForState(watcher, (s) => s.players.get(leaver.sessionId)?.connected === false, 10_000, "the seat to be held");
    const heldAt = Date.now();
    await waitForState(watcher, (s) => !s.players.has(leaver.sessionId), 10_000 + RECONNECT_SECONDS * 1000, "the player to be removed");
    expect(Date.now() - heldAt).toBeGreaterThanOrEqual(RECONNECT_SECONDS * 1000 - 250);
    await watcher.leave();
  });
});

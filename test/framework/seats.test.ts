/** Seat holding: a dropped player's seat is held for RECONNECT_SECONDS, then freed; one the server closed is not held. */
import type { Room } from "@colyseus/sdk";
import { Protocol } from "@colyseus/shared-types";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, localRoom, startServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { CloseCode } from "../../shared/protocol.ts";
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

  /** Join a watcher and a misbehaver; resolve once the watcher sees the misbehaver's seat. */
  async function watchedMisbehaver() {
    const watcher = await ts.client().create("hold");
    const misbehaver = await ts.client().joinById(watcher.roomId);
    misbehaver.reconnection.enabled = false;
    await waitForState(watcher, (s) => s.seats.has(misbehaver.sessionId), 10_000, "the misbehaver joined");
    const held: boolean[] = [];
    watcher.onStateChange((s) => { if (s.seats.get(misbehaver.sessionId)?.connected === false) held.push(true); });
    return { watcher, misbehaver, held };
  }

  it("holds no seat for a client closed for a frame that breaks the protocol", async () => {
    const { watcher, misbehaver, held } = await watchedMisbehaver();
    const left = nextSignal(misbehaver.onLeave, 10_000, "the misbehaver closed");
    misbehaver.connection.send(new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, 0x00, 0xff]));
    expect((await left)[0]).toBe(CloseCode.PROTOCOL_ERROR);
    await waitForState(watcher, (s) => !s.seats.has(misbehaver.sessionId), 10_000, "the seat freed");
    expect(held).toEqual([]);
    await watcher.leave();
  });

  it("holds no seat for a client whose frame the WebSocket server refused, and frees it before the close handshake ends", async () => {
    const { watcher, misbehaver, held } = await watchedMisbehaver();
    misbehaver.connection.send(new Uint8Array(64 * 1024)); // over the transport's maxPayload: ws closes with 1009
    await waitForState(watcher, (s) => !s.seats.has(misbehaver.sessionId), 10_000, "the seat freed");
    expect(held).toEqual([]);
    await watcher.leave();
  });
});

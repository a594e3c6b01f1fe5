/**
 * Slow consumers: a client that stops reading is dropped once the server
 * holds MAX_SEND_BUFFER_BYTES for it, with its own close code; its seat is
 * held, and what was buffered for it is returned. A socket that never
 * acknowledges its join is closed too.
 */
import { definePlugins, matchMaker, Protocol, type Client } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { defineRoomType } from "../../server/room/room-type.ts";
import { SeatHolding } from "../../server/room/seats.ts";
import { CloseCode } from "../../shared/protocol.ts";
import type { MeteredWebSocketTransport } from "../../server/ops/transport.ts";
import { GuestClient, guestToken } from "../../tools/identity.ts";
import { startServer, type TestServer } from "../../tools/server.ts";

const MAX_SEND_BUFFER_BYTES = 64 * 1024;
const FLOOD_EVERY_MS = 10;

/** A room that sends every player `bytes` every 10 ms (3.2 MB a second for 32 KB), and holds dropped seats. */
class FloodRoom extends GameRoom {
  plugins = definePlugins([...framework(), new SeatHolding({ seconds: () => 60 })]);
  onCreate(options: { bytes: number }) {
    const payload = "x".repeat(options.bytes);
    this.clock.setInterval(() => this.broadcast("flood", payload), FLOOD_EVERY_MS);
  }
  onJoin() {}
  onDrop(client: Client, code?: number) {
    this.plugins.seats.hold(client, code);
  }
  onLeave() {}
}

const flood = defineRoomType({ name: "flood", title: "Flood", summary: "Sends more than a stalled reader can take.", room: FloodRoom, stateBufferBytes: 1024 });

let ts: TestServer;
beforeAll(async () => {
  ts = await startServer({ MAX_SEND_BUFFER_BYTES: String(MAX_SEND_BUFFER_BYTES), HEADERS_TIMEOUT_SECONDS: "2" }, [flood]);
});
afterAll(async () => { await ts?.close(); });

const sockets = () => (ts.server.transport as unknown as MeteredWebSocketTransport).sockets;
/**
 * Bytes the server really holds for its sockets: what waits in each socket's
 * stream. (ws's bufferedAmount keeps counting what is sent after close()
 * without holding it, as browsers do.)
 */
const buffered = () => [...sockets()].reduce((sum, socket) => sum + ((socket as unknown as { _socket?: { writableLength: number } })._socket?.writableLength ?? 0), 0);

interface RawPlayer { ws: WebSocket; roomId: string; sessionId: string; reconnectionToken: string; token: string }

/** Matchmake and join with a bare `ws` socket, acknowledging the join as the SDK does (or not). */
async function joinRaw(roomId: string | undefined, { acknowledge = true, bytes = 32 * 1024 } = {}): Promise<RawPlayer> {
  const token = await guestToken(ts.endpoint);
  const response = await fetch(`${ts.endpoint}/matchmake/${roomId ? "joinById" : "create"}/${roomId ?? "flood"}`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ bytes }),
  });
  const seat = await response.json() as { roomId: string; sessionId: string; processId: string };
  const ws = new WebSocket(`ws://127.0.0.1:${ts.port}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  const reconnectionToken = await new Promise<string>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("message", (data: Buffer) => {
      if (data[0] !== Protocol.JOIN_ROOM) return reject(new Error(`first frame ${data[0]}`));
      if (acknowledge) ws.send(Uint8Array.of(Protocol.JOIN_ROOM));
      resolve(data.subarray(2, 2 + data[1]).toString("utf8"));
    });
  });
  return { ws, roomId: seat.roomId, sessionId: seat.sessionId, reconnectionToken, token };
}

function stopReading(player: RawPlayer) {
  (player.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
}

function heldSeats(roomId: string): string[] {
  return Object.keys((matchMaker.getLocalRoomById(roomId) as unknown as { _reservedSeats: object })._reservedSeats);
}

// Loopback's kernel buffers take several megabytes before the server's own buffer starts to grow.
describe("slow consumers", { timeout: 60_000 }, () => {
  it("drops a client that stops reading with close code 4020, holds its seat, and the same identity resumes it", async () => {
    const player = await joinRaw(undefined, { bytes: 64 * 1024 }); // 6.4 MB a second: loopback's buffers fill in a few seconds
    const room = matchMaker.getLocalRoomById(player.roomId)!;
    const closed = new Promise<number>((resolve) => player.ws.once("close", (code) => resolve(code)));
    stopReading(player);
    // The server gives up on it: the close frame is queued behind its backlog.
    await expect.poll(() => [...sockets()].some((s) => s.readyState === WebSocket.CLOSING), { timeout: 45_000, interval: 20 }).toBe(true);
    // It reads again within the grace, as a phone out of a tunnel would, and gets the code.
    (player.ws as unknown as { _socket: import("node:net").Socket })._socket.resume();
    expect(await closed).toBe(CloseCode.SLOW_CONSUMER);
    await expect.poll(() => room.clients.some((c) => c.sessionId === player.sessionId), { timeout: 10_000 }).toBe(false);
    expect(heldSeats(player.roomId)).toContain(player.sessionId);

    const client = new GuestClient(ts.endpoint);
    await client.identity;
    client.auth.token = player.token;
    const resumed = await client.reconnect(`${player.roomId}:${player.reconnectionToken}`);
    expect(resumed.sessionId).toBe(player.sessionId);
    await resumed.leave();
  });

  it("bounds what 5 non-reading clients hold, and returns it once they are dropped", async () => {
    const first = await joinRaw(undefined);
    const players = [first, ...await Promise.all(Array.from({ length: 4 }, () => joinRaw(first.roomId)))];
    players.forEach(stopReading);
    // What one socket can hold: the bound and one message.
    const perSocket = MAX_SEND_BUFFER_BYTES + 32 * 1024 + 64;
    let peak = 0;
    const room = matchMaker.getLocalRoomById(first.roomId)!;
    while (room.clients.length > 0) {
      peak = Math.max(peak, buffered());
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(peak).toBeLessThanOrEqual(players.length * perSocket);
    await expect.poll(() => sockets().size, { timeout: 10_000 }).toBe(0);
    expect(buffered()).toBe(0);
    players.forEach((p) => p.ws.terminate());
  });

  it("closes a room socket that never acknowledges its join, and releases its seat", async () => {
    const player = await joinRaw(undefined, { acknowledge: false });
    const started = performance.now();
    await new Promise((resolve) => player.ws.once("close", resolve));
    expect(performance.now() - started).toBeLessThan(2000 + 2000);
  });
});

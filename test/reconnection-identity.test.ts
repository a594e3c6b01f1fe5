/**
 * A held seat belongs to the identity that took it: its reconnection token,
 * presented by anyone else, is refused and the seat stays held for its owner;
 * the owner on a new socket resumes it.
 */
import { Client, type Room } from "@colyseus/sdk";
import { matchMaker } from "@colyseus/core";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthErrorCode, MatchmakingErrorCode } from "../shared/protocol.ts";
import { serverRoomOf } from "../rooms/arena/testing.ts";
import { GuestClient } from "../tools/identity.ts";
import { startServer, type TestServer } from "../tools/server.ts";
import { waitForState } from "../tools/wait.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ RECONNECT_SECONDS: "30" }); });
afterAll(async () => { await ts?.close(); });

/** Join, then lose the socket without a close frame; the SDK is kept from retrying, so the test decides who reconnects. */
async function joinAndDrop(owner: GuestClient): Promise<{ room: Room; reconnectionToken: string; sessionId: string }> {
  const room = await owner.joinOrCreate("arena", { name: "Owner" });
  room.reconnection.enabled = false;
  await waitForState(room, (s) => s.players.get(room.sessionId), 10_000, "the owner's first state"); // a seat is held only once the join completed
  const { reconnectionToken, sessionId } = room;
  const server = serverRoomOf(room);
  const held = new Promise<void>((resolve) => {
    const check = setInterval(() => {
      if (server.clients.length === 0 || !server.clients.some((c) => c.sessionId === sessionId)) { clearInterval(check); resolve(); }
    }, 20);
  });
  (server.clients.find((c) => c.sessionId === sessionId)!.ref as any).terminate();
  await held;
  return { room, reconnectionToken, sessionId };
}

/** The owner, on a new client (a reload) with the same identity, takes its held seat back. */
async function expectOwnerResumes(owner: GuestClient, reconnectionToken: string, sessionId: string): Promise<void> {
  const reloaded = new Client(ts.endpoint);
  reloaded.auth.token = (await owner.identity).token;
  const resumed = await reloaded.reconnect(reconnectionToken);
  expect(resumed.sessionId).toBe(sessionId);
  await resumed.leave();
}

function heldSeats(roomId: string): string[] {
  const room = matchMaker.getLocalRoomById(roomId) as unknown as { _reservedSeats: Record<string, unknown> };
  return Object.keys(room._reservedSeats);
}

describe("reconnection bound to identity", () => {
  it("refuses another identity's reconnection through matchmaking (445), and the seat stays held for its owner", async () => {
    const owner = new GuestClient(ts.endpoint, "Owner");
    const { room, reconnectionToken, sessionId } = await joinAndDrop(owner);

    const thief = new GuestClient(ts.endpoint, "Thief");
    await expect(thief.reconnect(reconnectionToken)).rejects.toMatchObject({ code: AuthErrorCode.SEAT_HELD_FOR_ANOTHER_PLAYER });
    await expect(new Client(ts.endpoint).reconnect(reconnectionToken)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_MISSING });
    expect(heldSeats(room.roomId)).toContain(sessionId);

    await expectOwnerResumes(owner, reconnectionToken, sessionId);
  });

  it("refuses another identity's reconnection straight on the socket, before the handshake", async () => {
    const owner = new GuestClient(ts.endpoint, "Owner");
    const { room, reconnectionToken, sessionId } = await joinAndDrop(owner);
    const thiefToken = (await new GuestClient(ts.endpoint, "Thief").identity).token;
    const [roomId, token] = reconnectionToken.split(":");
    const url = `ws://127.0.0.1:${ts.port}/${matchMaker.processId}/${roomId}?sessionId=${sessionId}&reconnectionToken=${token}&skipHandshake=1&_authToken=${thiefToken}`;

    const refusal = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const socket = new WebSocket(url);
      socket.on("open", () => reject(new Error("the thief's socket was accepted")));
      socket.on("unexpected-response", (_req, res) => {
        let body = "";
        res.on("data", (chunk) => (body += chunk));
        res.on("end", () => resolve({ status: res.statusCode!, body }));
      });
      socket.on("error", () => {});
    });
    expect(refusal.status).toBe(403);
    expect(JSON.parse(refusal.body)).toMatchObject({ code: AuthErrorCode.SEAT_HELD_FOR_ANOTHER_PLAYER });
    expect(heldSeats(room.roomId)).toContain(sessionId);

    await expectOwnerResumes(owner, reconnectionToken, sessionId);
  });

  it("does not let another identity's reconnection close the owner's open socket", async () => {
    const owner = new GuestClient(ts.endpoint, "Owner");
    const room = await owner.joinOrCreate("arena", { name: "Owner" });
    const thief = new GuestClient(ts.endpoint, "Thief");
    await expect(thief.reconnect(room.reconnectionToken)).rejects.toMatchObject({ code: AuthErrorCode.SEAT_HELD_FOR_ANOTHER_PLAYER });
    const server = serverRoomOf(room);
    expect(server.clients.some((c) => c.sessionId === room.sessionId)).toBe(true);
    expect(room.connection.isOpen).toBe(true);
    await room.leave();
  });

  it("refuses a reconnection (503) when the room cannot say who owns the seat, rather than letting it through", async () => {
    const owner = new GuestClient(ts.endpoint, "Owner");
    const { room, reconnectionToken, sessionId } = await joinAndDrop(owner);
    const server = serverRoomOf(room) as unknown as { ownerOfReconnection(token: string): string | undefined };
    const answer = server.ownerOfReconnection;
    server.ownerOfReconnection = () => { throw new Error("the room is too busy to answer"); };
    await expect(new GuestClient(ts.endpoint, "Thief").reconnect(reconnectionToken)).rejects.toMatchObject({ code: MatchmakingErrorCode.UNAVAILABLE });
    expect(heldSeats(room.roomId)).toContain(sessionId);
    server.ownerOfReconnection = answer;
    await expectOwnerResumes(owner, reconnectionToken, sessionId);
  });
});

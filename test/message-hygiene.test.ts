/**
 * Whatever one client sends, it costs only that client: the room keeps
 * ticking and every other player keeps playing. (GameRoom's guarantees,
 * exercised through the arena room.)
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ArenaInput } from "../rooms/arena/state.ts";
import { ClientErrorCode, CloseCode } from "../shared/protocol.ts";
import { placeAt } from "../rooms/arena/testing.ts";
import { startServer, type TestServer } from "../tools/server.ts";
import { nextSignal, waitForState } from "../tools/wait.ts";

let ts: TestServer;
let bystander: Room;
beforeAll(async () => { ts = await startServer({ MAX_MESSAGES_PER_SECOND: "120" }); });
afterAll(async () => { await ts?.close(); });
beforeEach(async () => {
  bystander = await ts.client().create("arena", { name: "Bystander" });
  bystander.onMessage("*", () => undefined); // others' chat: a player reads it, this spec does not
  await placeAt(bystander, 300, 600);
  return async () => { await bystander.leave().catch(() => undefined); };
});

async function joinOffender(): Promise<Room> {
  const room = await ts.client().joinById(bystander.roomId, { name: "Offender" });
  room.reconnection.enabled = false;
  room.onMessage("*", () => undefined); // broadcasts it does not wait for
  await waitForState(room, (s) => s.players.has(room.sessionId), 10_000, "offender joined");
  return room;
}

/** The bystander's inputs are still applied and acknowledged: the room ticks for it. */
async function expectBystanderStillPlays() {
  const input = bystander.input<ArenaInput>();
  const startX = bystander.state.players.get(bystander.sessionId).x;
  input.data.moveX = 1;
  const seq = [1, 2, 3].map(() => input.send()).at(-1)!;
  await waitForState(bystander, () => input.lastProcessed >= seq, 10_000, "bystander's inputs acknowledged");
  await waitForState(bystander, (s) => s.players.get(bystander.sessionId).x > startX + 1, 10_000, "bystander moving");
  input.data.moveX = 0;
}

function rawSocket(room: Room): WebSocket {
  return (room.connection.transport as any).ws;
}

describe("message hygiene", () => {
  it("answers a message of the wrong shape with an error naming the field, and keeps the sender", async () => {
    const offender = await joinOffender();
    const error = nextSignal(offender.onError, 10_000, "an error");
    offender.send("chat", { text: 42 });
    const [code, message] = await error;
    expect(code).toBe(ClientErrorCode.INVALID_MESSAGE);
    expect(message).toMatch(/"chat".*"text"/);

    const echoed = new Promise((resolve) => offender.onMessage("chat", resolve));
    offender.send("chat", { text: "still here" });
    expect(await echoed).toMatchObject({ text: "still here" });
    await expectBystanderStillPlays();
    await offender.leave();
  });

  it("answers an unknown message type with an error", async () => {
    const offender = await joinOffender();
    const error = nextSignal(offender.onError, 10_000, "an error");
    offender.send("teleport", { x: 0, y: 0 });
    const [code, message] = await error;
    expect(code).toBe(ClientErrorCode.UNKNOWN_MESSAGE);
    expect(message).toContain("teleport");
    await expectBystanderStillPlays();
    await offender.leave();
  });

  it("closes only the sender's socket when a frame is oversized", async () => {
    const offender = await joinOffender();
    const left = nextSignal(offender.onLeave, 10_000, "the offender to be disconnected");
    offender.send("chat", { text: "x".repeat(10_000) });
    const [code] = await left;
    expect(code).toBe(1009); // WebSocket "message too big"
    await expectBystanderStillPlays();
  });

  it("survives garbage bytes, which cost at most the sender's connection", async () => {
    const offender = await joinOffender();
    const socket = rawSocket(offender);
    for (let i = 0; i < 64; i++) {
      const junk = new Uint8Array(1 + (i * 37) % 200);
      for (let j = 0; j < junk.length; j++) junk[j] = (i * 131 + j * 17) & 0xff;
      junk[0] = i; // walk through every protocol code, known and unknown
      socket.send(junk);
    }
    await expectBystanderStillPlays();
    const newcomer = await ts.client().joinById(bystander.roomId, { name: "Newcomer" });
    await waitForState(newcomer, (s) => s.players.has(newcomer.sessionId), 10_000, "a newcomer to join");
    await newcomer.leave();
    socket.close(); // its room handle may be confused by what it sent; just hang up
  });

  it("rate-limits a chatty client with errors, then kicks it with a reason", async () => {
    const offender = await joinOffender();
    const codes: number[] = [];
    offender.onError((code) => codes.push(code));
    const kicked = nextSignal(offender.onLeave, 10_000, "the kick");
    for (let i = 0; i < 40; i++) offender.send("chat", { text: `spam ${i}` });
    const [code, reason] = await kicked;
    expect(code).toBe(CloseCode.KICKED);
    expect(reason).toMatch(/Kicked.*Too many "chat" messages/);
    expect(codes).toContain(ClientErrorCode.RATE_LIMITED);
    await waitForState(bystander, (s) => !s.players.has(offender.sessionId), 10_000, "the kicked player's seat to be freed");
    await expectBystanderStillPlays();
  });

  it("disconnects a client that floods frames past the hard cap", async () => {
    const offender = await joinOffender();
    const left = nextSignal(offender.onLeave, 10_000, "the flooder to be disconnected");
    const input = offender.input<ArenaInput>();
    input.data.moveX = 1;
    for (let i = 0; i < 1000; i++) input.send();
    const [code] = await left;
    expect(code).toBe(CloseCode.KICKED);
    await expectBystanderStillPlays();
  });
});

/**
 * The reaches into Colyseus's private fields (colyseus-internals.ts) still
 * land. An upgrade that renames or moves one fails here, naming the file to
 * fix, instead of silently running rooms on Colyseus's own timer, with the
 * process-wide state buffers, without their pieces' hooks, with client
 * frames reaching the decoders unchecked, or handing a held seat to whoever
 * presents its reconnection token.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { setImmediate } from "node:timers/promises";
import { definePlugins, type Client } from "@colyseus/core";
import { schema, t } from "@colyseus/schema";
import { Protocol } from "@colyseus/shared-types";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { localRoom, startServer, type TestServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { CloseCode } from "../../shared/protocol.ts";
import {
  beforeMatchmakeMethod, createRoomWithId, declaredInput, encodeWholeState, leaveRoomNow, lockedExplicitly, nextRefIdOf, resizeStateBuffers, seatAuthOf, seatsOf,
  stateBufferSizes, stepTimerOf, WRITTEN_FOR_COLYSEUS, type RoomSocket,
} from "./colyseus-internals.ts";
import { Decoder } from "@colyseus/schema";
import { framework, GameRoom } from "./GameRoom.ts";
import { predictedInput, PredictedRoom } from "./PredictedRoom.ts";
import { SeatHolding } from "./seats.ts";
import { defineRoomType } from "./room-type.ts";

const Secret = schema({ word: t.string().default("").view() }, "Secret");
const Counter = schema({ steps: t.uint32().default(0), secrets: t.map(Secret) }, "Counter");

class TickingRoom extends GameRoom<{ state: InstanceType<typeof Counter> }> {
  state = new Counter();
  plugins = definePlugins([...framework(), new SeatHolding({ seconds: () => 30 })]);
  joined: string[] = [];
  onCreate() {
    this.setFixedTimestep(() => { this.state.steps++; });
  }
  onJoin(client: Client) {
    this.joined.push(client.sessionId);
  }
  held: string[] = [];
  onDrop(client: Client, code?: number) {
    if (this.plugins.seats.hold(client, code)) this.held.push(client.sessionId);
  }
}
const ticking = defineRoomType({ name: "ticking", title: "Ticking", summary: "Counts steps.", room: TickingRoom, stateBufferBytes: 3 * 1024 });

const Nudge = schema({ nudge: t.int8().default(0) }, "Nudge");
const NUDGE = predictedInput(Nudge, { nudge: [-1, 1] });

class NudgedRoom extends PredictedRoom<{ state: InstanceType<typeof Counter>; input: InstanceType<typeof Nudge> }> {
  state = new Counter();
  plugins = definePlugins([...framework()]);
  inputs = this.defineInput(NUDGE.type, { bufferMaxSize: 4, sanitize: NUDGE.sanitize });
  onCreate() {
    this.startSimulation();
  }
  protected applyInput() {}
  protected afterInputs() {}
}
const nudged = defineRoomType({ name: "nudged", title: "Nudged", summary: "Takes one input.", room: NudgedRoom });

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [ticking, nudged]); });
afterAll(async () => { await ts?.close(); });

describe("reaches into Colyseus internals", () => {
  it(`are written for the installed @colyseus/core (${WRITTEN_FOR_COLYSEUS}); after an upgrade, recheck server/room/colyseus-internals.ts and bump it`, () => {
    const require = createRequire(import.meta.url);
    const installed = JSON.parse(readFileSync(require.resolve("@colyseus/core/package.json"), "utf8")).version;
    expect(installed).toBe(WRITTEN_FOR_COLYSEUS);
  });

  it("give the very first room of a class its pieces' hooks (settings, logs) before its own onCreate", async () => {
    const room = await ts.client().create("ticking");
    const server = localRoom(room.roomId) as unknown as TickingRoom;
    expect(server.settings.tickRate).toBe(30);
    expect(server.roomType).toBe("ticking");
    await room.leave();
  });

  it("replace Colyseus's step timer with ours, which runs the steps and which Colyseus clears on dispose", async () => {
    const room = await ts.client().create("ticking");
    const server = localRoom(room.roomId);
    expect(stepTimerOf(server)).toBeDefined();
    await waitForState(room, (s) => s.steps >= 3, 10_000, "three steps");
    const disposed = new Promise<void>((resolve) => (server as unknown as { _events: { once(e: string, f: () => void): void } })._events.once("disconnect", resolve));
    await room.leave();
    await disposed;
    expect(stepTimerOf(server)).toBeUndefined();
  });

  it("size a room's two state buffers from its type", async () => {
    const room = await ts.client().create("ticking");
    const server = localRoom(room.roomId);
    expect(stateBufferSizes(server)).toEqual({ patches: 3 * 1024, fullState: 3 * 1024 });
    expect(resizeStateBuffers(server, 4 * 1024)).toBe(true);
    expect(stateBufferSizes(server)).toEqual({ patches: 4 * 1024, fullState: 4 * 1024 });
    await room.leave();
  });

  it("read a room's input declaration: the class given to defineInput, or none", async () => {
    const withInput = await ts.client().create("nudged");
    const declared = declaredInput(localRoom(withInput.roomId));
    expect(declared?.type).toBe(NUDGE.type);
    expect(declared?.stampsBoth).toBe(false);
    const without = await ts.client().create("ticking");
    expect(declaredInput(localRoom(without.roomId))).toBeUndefined();
    await Promise.all([withInput.leave(), without.leave()]);
  });

  it("check each frame before Colyseus reads it: a frame the check refuses closes its sender with PROTOCOL_ERROR", async () => {
    const room = await ts.client().create("ticking");
    await waitForState(room, (s) => s.steps >= 1, 10_000, "the first state");
    const left = nextSignal(room.onLeave, 10_000, "the close");
    room.connection.send(new Uint8Array([Protocol.ROOM_INPUT_UNRELIABLE, 0x00, 0xff])); // an input, in a room that takes none
    const [code, reason] = await left;
    expect(code).toBe(CloseCode.PROTOCOL_ERROR);
    expect(reason).toMatch(/^Protocol error: /);
  });

  it("leave Colyseus's simulated latency, which swaps Room.prototype's reader at run time, on the frames the check passes", async () => {
    const room = await ts.client().create("ticking");
    await waitForState(room, (s) => s.steps >= 1, 10_000, "the first state");
    const ROUND_TRIP_MS = 400; // half on the way in (Room.prototype._onMessage), half on the way out
    ts.server.simulateLatency(ROUND_TRIP_MS);
    await setImmediate(); // it applies once the transport is ready
    try {
      const measured = await new Promise<number>((resolve) => room.ping(resolve));
      expect(measured).toBeGreaterThanOrEqual(ROUND_TRIP_MS - 5);
    } finally {
      ts.server.simulateLatency(0);
    }
    await room.leave();
  });

  it("take a client out of its room at once, while its socket is still open", async () => {
    const room = await ts.client().create("ticking");
    const server = localRoom(room.roomId) as unknown as TickingRoom;
    await waitForState(room, (s) => s.steps >= 1, 10_000, "the first state");
    const client = server.clients.find((c) => c.sessionId === room.sessionId)!;
    leaveRoomNow(client.ref as unknown as RoomSocket, CloseCode.PROTOCOL_ERROR);
    expect(server.clients.find((c) => c.sessionId === room.sessionId)).toBeUndefined();
    expect(room.connection.isOpen).toBe(true);
    const left = nextSignal(room.onLeave, 10_000, "the close");
    client.leave(CloseCode.PROTOCOL_ERROR);
    await left;
  });

  it("tell a room its code locked from one Colyseus locked because it is full", async () => {
    const room = await ts.client("Alone").create("ticking");
    const server = localRoom(room.roomId) as unknown as TickingRoom;
    server.maxClients = 1; // now full: Colyseus locks it, and would lift that when the seat frees
    await vi.waitFor(() => expect(server.locked).toBe(true), { timeout: 10_000 });
    expect(lockedExplicitly(server)).toBe(false);
    await server.lock();
    expect(lockedExplicitly(server)).toBe(true);
    await server.disconnect();
  });

  it("read whose identity a seat is, while connected and while held for its reconnection", async () => {
    const { client, room, server, token } = await seatedOwner();
    const { user } = await client.identity;
    expect(seatAuthOf(server, token)).toMatchObject({ userId: user.id });
    await dropAbruptly(server, room.sessionId);
    expect(seatAuthOf(server, token)).toMatchObject({ userId: user.id });
    expect(seatAuthOf(server, "not-a-token")).toBeUndefined();
    await server.disconnect();
  });

  it("list a room's seats with their reconnection tokens, connected and held", async () => {
    const { room, server, token } = await seatedOwner();
    expect(seatsOf(server).map((seat) => [seat.sessionId, seat.reconnectionToken])).toEqual([[room.sessionId, token]]);
    await dropAbruptly(server, room.sessionId);
    expect(seatsOf(server).map((seat) => [seat.sessionId, seat.reconnectionToken])).toEqual([[room.sessionId, token]]);
    await server.disconnect();
  });

  it("encode a room's whole state, fields only some views see included, for a Decoder on a fresh state; and read its next reference id", async () => {
    const room = await ts.client().create("ticking");
    const server = localRoom(room.roomId) as unknown as TickingRoom;
    const secret = new Secret();
    secret.word = "swordfish";
    server.state.secrets.set("a", secret);
    const decoded = new Counter();
    new Decoder(decoded).decode(encodeWholeState(server, 1024));
    expect(decoded.secrets.get("a")?.word).toBe("swordfish");
    expect(nextRefIdOf(server)).toBeGreaterThan(0);
    await room.leave();
  });

  it("create a room under a given id, once: a second creation under that id answers the first's listing", async () => {
    const first = await createRoomWithId("ticking", {}, "given-room-id");
    expect(first.roomId).toBe("given-room-id");
    const second = await createRoomWithId("ticking", {}, "given-room-id");
    expect(second.processId).toBe(first.processId);
    await localRoom("given-room-id").disconnect();
  });

  it("run a check before every matchmaking call of the HTTP routes, whose throw refuses it", async () => {
    const seen: string[] = [];
    beforeMatchmakeMethod(async (method, roomName) => {
      seen.push(`${method} ${roomName}`);
      if (roomName === "ticking" && method === "create") throw new Error("refused by the check");
    });
    try {
      await expect(ts.client().create("ticking")).rejects.toThrow(/refused by the check/);
      expect(seen).toContain("create ticking");
    } finally {
      beforeMatchmakeMethod(async () => undefined);
    }
  });
});

/** A player seated in a new ticking room, its join acknowledged: its SDK client and room, the server's room, and the seat's reconnection token. */
async function seatedOwner() {
  const client = ts.client("Owner");
  const room = await client.create("ticking");
  room.reconnection.enabled = false;
  await waitForState(room, (s) => s.steps >= 1, 10_000, "the first state (the join acknowledged)");
  const server = localRoom(room.roomId) as unknown as TickingRoom;
  return { client, room, server, token: room.reconnectionToken.split(":")[1] };
}

/** An abrupt network failure under `sessionId`'s socket; resolves once the room holds the seat. */
async function dropAbruptly(server: TickingRoom, sessionId: string): Promise<void> {
  (server.clients.find((c) => c.sessionId === sessionId)!.ref as unknown as { terminate(): void }).terminate();
  await vi.waitFor(() => expect(server.held).toContain(sessionId), { timeout: 10_000 });
}

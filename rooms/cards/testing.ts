/**
 * The cards table's test helpers (its descriptor's `testing`): sit
 * SDK clients at a real table, read what each one was dealt, and reach the
 * server-side room the test's process runs.
 */
import { Client, type Room } from "@colyseus/sdk";
import type { GuestClient } from "../../tools/identity.ts";
import { localRoom, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import type { CardsRoom } from "./CardsRoom.ts";
import { MESSAGES, type Card, type TableEvent } from "./protocol.ts";
import type { PlayerView } from "./rules.ts";
import { playerViewOf, type CardsState } from "./state.ts";

export type TableClient = Room<any, CardsState> & {
  /** Every TableEvent this client was sent, in order. */
  events: TableEvent[];
  /** Every frame its socket received, as raw bytes. */
  frames: Uint8Array[];
  /** The player's guest token, which a reload keeps (the seat is bound to it). */
  token: Promise<string>;
};

/** Record what a client hears: its events, and the raw frames on its socket; `token` is its player's identity. */
export function listen(room: Room<any, any>, token: Promise<string>): TableClient {
  const client = Object.assign(room, { events: [] as TableEvent[], frames: [] as Uint8Array[], token }) as TableClient;
  room.onMessage(MESSAGES.event, (event: TableEvent) => client.events.push(event));
  const socket = (room.connection.transport as unknown as { ws: WebSocket }).ws;
  socket.addEventListener("message", (message: MessageEvent) => {
    client.frames.push(new Uint8Array(message.data as ArrayBuffer));
  });
  return client;
}

/** Open a table: `names.length` players sit down in order (the first creates the room), plus any spectators. */
export async function sitDown(ts: TestServer, names: string[], spectators = 0): Promise<{ players: TableClient[]; spectators: TableClient[] }> {
  const seated = async (client: GuestClient, join: (client: GuestClient) => Promise<Room<any, any>>) =>
    listen(await join(client), client.identity.then((issued) => issued.token));
  const first = await seated(ts.client(names[0]), (c) => c.create("cards", { name: names[0] }));
  const players = [first];
  for (const name of names.slice(1)) players.push(await seated(ts.client(name), (c) => c.joinById(first.roomId, { name })));
  const watching: TableClient[] = [];
  for (let i = 0; i < spectators; i++) watching.push(await seated(ts.client(), (c) => c.joinById(first.roomId, { spectate: true })));
  for (const room of [...players, ...watching]) {
    room.reconnection.enabled = false;
    await waitForState(room, (s: CardsState) => s.seats !== undefined, 10_000, "the first state");
  }
  return { players, spectators: watching };
}

/** Wait until `room` has been dealt in and sees its hand; returns its view of the table. */
export function dealtView(room: Room<any, CardsState>): Promise<PlayerView> {
  return waitForState<PlayerView>(room, (s: CardsState) => {
    const view = playerViewOf(s, room.sessionId);
    return view !== null && view.phase === "playing" && view.hand.length > 0 && view;
  }, 10_000, "the deal");
}

/** The server-side table a client sits at. */
export function serverTableOf(room: Room): CardsRoom {
  return localRoom(room.roomId) as unknown as CardsRoom;
}

/** What the server holds of the table: every field, every hand. */
export function serverSnapshot(room: Room): unknown {
  return serverTableOf(room).state.toJSON();
}

/** A card's code as a schema string on the wire: its length with the msgpack fixstr tag, then its characters. */
export function wireBytesOf(card: Card): Uint8Array {
  return Uint8Array.from([0xa0 | card.length, ...new TextEncoder().encode(card)]);
}

/** Whether `needle` occurs anywhere in `frames`. */
export function framesContain(frames: readonly Uint8Array[], needle: Uint8Array): boolean {
  for (const frame of frames) {
    outer: for (let i = 0; i + needle.length <= frame.length; i++) {
      for (let j = 0; j < needle.length; j++) if (frame[i + j] !== needle[j]) continue outer;
      return true;
    }
  }
  return false;
}

/** Resolve once the client's socket has delivered everything the server sent it before now (a ping answers after it). */
export function drained(room: Room): Promise<void> {
  return new Promise((resolve) => room.ping(() => resolve()));
}

/** A reload of `table`'s page: a new SDK client with the same identity (the page keeps its token) resumes the seat. */
export async function reload(ts: TestServer, table: TableClient, reconnectionToken: string): Promise<TableClient> {
  const client = new Client(ts.endpoint);
  client.auth.token = await table.token;
  return listen(await client.reconnect(reconnectionToken), table.token);
}

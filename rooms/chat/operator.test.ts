/**
 * The operator's mute and kick, through the admin routes, against a real
 * server: a muted player's messages are refused with MUTED (saying until
 * when and why) and not stored; a kick closes the player's sockets with
 * KICKED and the operator's reason, in chat only when the kick says so.
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { OperatorRoute } from "../../server/ops/http.ts";
import { CloseCode } from "../../shared/protocol.ts";
import { nextMessage } from "../../test/scaling/support.ts";
import type { GuestClient } from "../../tools/identity.ts";
import { operatorPost } from "../../tools/notifications.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { nextSignal } from "../../tools/wait.ts";
import { ChatMessage, type Ack, type HistoryPage, type Rejection } from "./protocol.ts";

const ADMIN_TOKEN = "operator-token-for-the-chat-operator-spec";
let ts: TestServer;
const rooms: Room[] = [];
beforeAll(async () => { ts = await startServer({ ADMIN_TOKEN }); });
afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  await ts?.close();
});

let channels = 0;
const freshChannel = () => `moderated-${process.pid}-${++channels}`;

async function chatter(name: string, channel = freshChannel()): Promise<{ client: GuestClient; userId: string; room: Room; channel: string }> {
  const client = ts.client(name);
  const userId = (await client.identity).user.id;
  const room = await client.joinOrCreate("chat", { channel });
  room.onMessage("*", () => undefined);
  rooms.push(room);
  return { client, userId, room, channel };
}

const operator = (path: string, body: unknown) => operatorPost(ts.endpoint, path, body, ADMIN_TOKEN);

it("refuses a muted player's message with MUTED, saying why and until when, and stores nothing", async () => {
  const ann = await chatter("Ann");
  const muted = await operator(OperatorRoute.MUTE, { userId: ann.userId, seconds: 600, reason: "Spamming the global channel" });
  expect(muted.status).toBe(200);
  const refused = nextMessage<Rejection>(ann.room, ChatMessage.rejected);
  ann.room.send(ChatMessage.send, { channel: ann.channel, id: "while-muted", text: "let me talk" });
  const rejection = await refused;
  expect(rejection).toMatchObject({ code: "MUTED", id: "while-muted", channel: ann.channel });
  expect(rejection.message).toContain("Spamming the global channel");
  expect(rejection.message).toContain(new Date(muted.body.until).toISOString().slice(0, 16).replace("T", " "));
  const page = nextMessage<HistoryPage>(ann.room, ChatMessage.historyPage);
  ann.room.send(ChatMessage.history, { channel: ann.channel });
  expect((await page).lines).toEqual([]);
});

it("refuses a muted player's direct message with MUTED too", async () => {
  const ann = await chatter("Ann");
  const bob = await chatter("Bob");
  await operator(OperatorRoute.MUTE, { userId: ann.userId, seconds: 600, reason: "Harassment" });
  const refused = nextMessage<Rejection>(ann.room, ChatMessage.rejected);
  ann.room.send(ChatMessage.direct, { to: bob.userId, id: "dm-while-muted", text: "hey" });
  expect(await refused).toMatchObject({ code: "MUTED", id: "dm-while-muted" });
});

it("lets a player talk again once the operator lifts the mute", async () => {
  const ann = await chatter("Ann");
  await operator(OperatorRoute.MUTE, { userId: ann.userId, seconds: 600, reason: "Cool down" });
  const lifted = await operator(OperatorRoute.UNMUTE, { userId: ann.userId });
  expect(lifted).toEqual({ status: 200, body: { userId: ann.userId, lifted: true } });
  const acked = nextMessage<Ack>(ann.room, ChatMessage.ack);
  ann.room.send(ChatMessage.send, { channel: ann.channel, id: "after-unmute", text: "thanks" });
  expect(await acked).toMatchObject({ id: "after-unmute", channel: ann.channel });
});

it("closes every chat socket of a kicked player with KICKED and the operator's reason", async () => {
  const ann = await chatter("Ann");
  const second = await ann.client.joinOrCreate("chat", { channel: freshChannel() });
  second.onMessage("*", () => undefined);
  const closes = Promise.all([nextSignal(ann.room.onLeave, 10_000, "first socket closed"), nextSignal(second.onLeave, 10_000, "second socket closed")]);
  const kicked = await operator(OperatorRoute.KICK, { userId: ann.userId, reason: "Abusive language", roomType: "chat" });
  expect(kicked).toEqual({ status: 202, body: { userId: ann.userId, online: true } });
  for (const [code, reason] of await closes) {
    expect(code).toBe(CloseCode.KICKED);
    expect(reason).toBe("Abusive language");
  }
});

it("leaves a player's game room open when the kick names chat", async () => {
  const ann = await chatter("Ann");
  const arena = await ann.client.create("arena", { name: "Ann" });
  arena.onMessage("*", () => undefined);
  rooms.push(arena);
  const chatClosed = nextSignal(ann.room.onLeave, 10_000, "chat socket closed");
  await operator(OperatorRoute.KICK, { userId: ann.userId, reason: "Chat only", roomType: "chat" });
  await chatClosed;
  const echoed = nextMessage<{ text: string }>(arena, "chat");
  arena.send("chat", { text: "still playing" });
  expect(await echoed).toMatchObject({ text: "still playing" });
});

it("closes a player's game room too when the kick names no room type", async () => {
  const ann = await chatter("Ann");
  const arena = await ann.client.create("arena", { name: "Ann" });
  arena.onMessage("*", () => undefined);
  rooms.push(arena);
  const arenaClosed = nextSignal(arena.onLeave, 10_000, "arena socket closed");
  await operator(OperatorRoute.KICK, { userId: ann.userId, reason: "Cheating" });
  expect(await arenaClosed).toEqual([CloseCode.KICKED, "Cheating"]);
});

it("answers a kick of a user with no socket anywhere with online: false", async () => {
  const absent = ts.client("Absent");
  const userId = (await absent.identity).user.id;
  expect(await operator(OperatorRoute.KICK, { userId, reason: "Gone already" })).toEqual({ status: 202, body: { userId, online: false } });
});

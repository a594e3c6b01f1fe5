/**
 * Live notifications and the operator's mute and kick across two processes
 * on a private Redis (Redis presence, RedisStore): whatever process the
 * operator or the sender talks to, it reaches the user's socket on the other.
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChatMessage, type Rejection } from "../../rooms/chat/protocol.ts";
import { OperatorRoute } from "../../server/ops/http.ts";
import { CloseCode, FrameworkMessage, type Notification } from "../../shared/protocol.ts";
import { guestToken } from "../../tools/identity.ts";
import { NotificationWatcher, operatorPost } from "../../tools/notifications.ts";
import { nextSignal } from "../../tools/wait.ts";
import { killAll, nextMessage, startProcesses, startRedis, waitForPeers, type GameProcess, type TestRedis, chatSocketOn, userIdOf } from "./support.ts";

const ADMIN_TOKEN = "operator-token-for-the-two-process-spec";
let redis: TestRedis;
let cluster: GameProcess[];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startProcesses(2, redis.url, { ADMIN_TOKEN });
  await waitForPeers(cluster, redis.port);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  killAll();
});

let channels = 0;
async function chatOn(process: GameProcess, token: string): Promise<Room> {
  const room = await chatSocketOn(process, token, `across-${++channels}`);
  rooms.push(room);
  return room;
}


const operator = (process: GameProcess, path: string, body: unknown) => operatorPost(process.endpoint, path, body, ADMIN_TOKEN);

it("brings a notification raised on one process to the user's socket on the other", async () => {
  const [p1, p2] = cluster;
  const token = await guestToken(p2.endpoint, "Ann");
  const room = await chatOn(p2, token);
  const arrived = nextMessage<Notification>(room, FrameworkMessage.NOTIFICATION);
  const posted = await operator(p1, OperatorRoute.NOTIFY, { userId: userIdOf(token), kind: "match-ready", text: "Your match is ready" });
  expect(posted.status).toBe(202);
  expect(await arrived).toEqual(posted.body);
}, 60_000);

it("keeps a notification for a user with no socket anywhere and offers it when they join on the other process", async () => {
  const [p1, p2] = cluster;
  const token = await guestToken(p1.endpoint, "Cat");
  const posted = await operator(p1, OperatorRoute.NOTIFY, { userId: userIdOf(token), kind: "invitation", text: "Ann invites you to group:crew" });
  const watcher = new NotificationWatcher(await chatOn(p2, token));
  expect(await watcher.until((n) => n.id === posted.body.id, "the stored notification")).toEqual(posted.body);
}, 60_000);

it("tells the recipient of a direct message sent on one process, on the other", async () => {
  const [p1, p2] = cluster;
  const annToken = await guestToken(p1.endpoint, "Ann");
  const bobToken = await guestToken(p2.endpoint, "Bob");
  const ann = await chatOn(p1, annToken);
  const watcher = new NotificationWatcher(await chatOn(p2, bobToken));
  ann.send(ChatMessage.direct, { to: userIdOf(bobToken), id: "across-dm", text: "hi" });
  expect(await watcher.until((n) => n.kind === "message", "the direct message's notification")).toMatchObject({ text: "Ann sent you a message", from: userIdOf(annToken) });
}, 60_000);

it("refuses, with MUTED, a message on one process from a player muted through the other", async () => {
  const [p1, p2] = cluster;
  const token = await guestToken(p2.endpoint, "Dan");
  const room = await chatOn(p2, token);
  expect((await operator(p1, OperatorRoute.MUTE, { userId: userIdOf(token), seconds: 300, reason: "Flooding" })).status).toBe(200);
  const refused = nextMessage<Rejection>(room, ChatMessage.rejected);
  room.send(ChatMessage.direct, { to: "guest-nobody", id: "muted-across", text: "hello" });
  expect(await refused).toMatchObject({ code: "MUTED", id: "muted-across" });
}, 60_000);

it("closes a player's socket on one process when the operator kicks them through the other", async () => {
  const [p1, p2] = cluster;
  const token = await guestToken(p2.endpoint, "Eve");
  const room = await chatOn(p2, token);
  const closed = nextSignal(room.onLeave, 10_000, "the kicked socket closed");
  const kicked = await operator(p1, OperatorRoute.KICK, { userId: userIdOf(token), reason: "Abusive language", roomType: "chat" });
  expect(kicked.body).toEqual({ userId: userIdOf(token), online: true });
  expect(await closed).toEqual([CloseCode.KICKED, "Abusive language"]);
}, 60_000);

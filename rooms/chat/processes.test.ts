/**
 * Direct messages across processes: two server processes on a private Redis
 * (RedisStore, Redis presence). A message to a user whose chat socket is on
 * the other process reaches it through presence pub/sub, and is stored once.
 */
import { Client, type Room } from "@colyseus/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { guestToken } from "../../tools/identity.ts";
import { killAll, nextMessage, reserve, startProcesses, startRedis, waitForPeers, type GameProcess, type TestRedis, chatSocketOn, userIdOf } from "../../test/scaling/support.ts";
import { ChatMessage, type Ack, type ChatLine, type InboxDelivery } from "./protocol.ts";

let redis: TestRedis;
let cluster: GameProcess[];
const rooms: Room[] = [];

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startProcesses(2, redis.url);
  await waitForPeers(cluster, redis.port);
}, 60_000);

afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  killAll();
});

async function chatOn(process: GameProcess, token: string, prefix: string): Promise<Room> {
  const room = await chatSocketOn(process, token, prefix);
  rooms.push(room);
  return room;
}


it("delivers a direct message to the recipient's socket on the other process, once", async () => {
  const [p1, p2] = cluster;
  const annToken = await guestToken(p1.endpoint, "Ann");
  const bobToken = await guestToken(p2.endpoint, "Bob");
  const ann = await chatOn(p1, annToken, "ann-side");
  const bob = await chatOn(p2, bobToken, "bob-side");
  const lines: ChatLine[] = [];
  bob.onMessage(ChatMessage.line, (line: ChatLine) => { lines.push(line); });
  const acked = nextMessage<Ack>(ann, ChatMessage.ack);
  const arrived = nextMessage<ChatLine>(bob, ChatMessage.line);
  ann.send(ChatMessage.direct, { to: userIdOf(bobToken), id: "across", text: "over here" });
  const [ack, line] = await Promise.all([acked, arrived]);
  expect(line).toMatchObject({ channel: ack.channel, seq: ack.seq, id: "across", from: userIdOf(annToken), name: "Ann", text: "over here" });

  const resent = nextMessage<Ack>(ann, ChatMessage.ack);
  ann.send(ChatMessage.direct, { to: userIdOf(bobToken), id: "across", text: "over here" });
  expect(await resent).toEqual(ack);
  const page = nextMessage<{ lines: ChatLine[] }>(bob, ChatMessage.historyPage);
  bob.send(ChatMessage.history, { channel: ack.channel });
  expect((await page).lines.map((l) => l.id)).toEqual(["across"]);
  expect(lines.map((l) => l.id)).toEqual(["across"]);
}, 60_000);

it("keeps a direct message for a user with no socket on any process, and offers it when they connect to the other one", async () => {
  const [p1, p2] = cluster;
  const annToken = await guestToken(p1.endpoint, "Ann");
  const catToken = await guestToken(p2.endpoint, "Cat");
  const ann = await chatOn(p1, annToken, "ann-away");
  const acked = nextMessage<Ack>(ann, ChatMessage.ack);
  ann.send(ChatMessage.direct, { to: userIdOf(catToken), id: "later", text: "when you're back" });
  await acked;
  const reservation = await reserve(p2.endpoint, "joinOrCreate", "chat", { channel: "cat-back" }, catToken);
  const client = new Client(p2.endpoint);
  client.auth.token = catToken;
  const cat = await client.consumeSeatReservation(reservation as any);
  rooms.push(cat);
  const inbox = await nextMessage<InboxDelivery>(cat, ChatMessage.inbox);
  expect(inbox.lines.map((l) => [l.id, l.from, l.text])).toEqual([["later", userIdOf(annToken), "when you're back"]]);
}, 60_000);

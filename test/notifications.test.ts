/**
 * Live notifications against a real server with signed-in guests: a
 * notification reaches every socket of its user (title-screen chat, lobby,
 * a game room) and no one else's; one raised while the user has no socket
 * waits for their next join, is shown once and, once read, is not offered
 * again; operator announcements reach chat connections too; a direct
 * message raises "X sent you a message" wherever the recipient is.
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ChatMessage } from "../rooms/chat/protocol.ts";
import { OperatorRoute } from "../server/ops/http.ts";
import { NOTIFICATION_PAGE } from "../server/ops/notifications.ts";
import { FrameworkMessage, LOBBY_ROOM, type Announcement, type Notification } from "../shared/protocol.ts";
import { NotificationWatcher, operatorPost } from "../tools/notifications.ts";
import { localRoom, startServer, type TestServer } from "../tools/server.ts";
import { nextSignal, waitForState } from "../tools/wait.ts";
import type { GuestClient } from "../tools/identity.ts";
import { eventually, nextMessage } from "./scaling/support.ts";

const ADMIN_TOKEN = "operator-token-for-the-notification-spec";
const KEPT = 30;
let ts: TestServer;
const rooms: Room[] = [];
beforeAll(async () => { ts = await startServer({ ADMIN_TOKEN, NOTIFICATIONS_KEPT: String(KEPT) }); });
afterAll(async () => {
  await Promise.allSettled(rooms.filter((r) => r.connection.isOpen).map((r) => r.leave()));
  await ts?.close();
});

let channels = 0;
const freshChannel = () => `notify-${process.pid}-${++channels}`;

/** A room the spec keeps open until the end; broadcasts it does not wait for are read and dropped. */
function kept(room: Room): Room {
  room.onMessage("*", () => undefined);
  rooms.push(room);
  return room;
}

async function player(name: string): Promise<{ client: GuestClient; userId: string }> {
  const client = ts.client(name);
  return { client, userId: (await client.identity).user.id };
}

const titleChat = (client: GuestClient) => client.joinOrCreate("chat", { channel: freshChannel() }).then(kept);
const gameRoom = (client: GuestClient, name: string) => client.create("arena", { name }).then(kept);

it("reaches the same user's title-screen chat socket and game-room socket", async () => {
  const ann = await player("Ann");
  const chat = await titleChat(ann.client);
  const arena = await gameRoom(ann.client, "Ann");
  const inChat = nextMessage<Notification>(chat, FrameworkMessage.NOTIFICATION);
  const inArena = nextMessage<Notification>(arena, FrameworkMessage.NOTIFICATION);
  const sent = await ts.server.notifier.notify(ann.userId, { kind: "match-ready", text: "Your match is ready", data: { roomId: "r-1" } });
  expect(await inChat).toEqual(sent);
  expect(await inArena).toEqual(sent);
  expect(sent).toMatchObject({ kind: "match-ready", text: "Your match is ready", data: { roomId: "r-1" } });
});

it("reaches no other user in the same rooms", async () => {
  const ann = await player("Ann");
  const bob = await player("Bob");
  const channel = freshChannel();
  await ann.client.joinOrCreate("chat", { channel }).then(kept);
  const bobs = await bob.client.joinOrCreate("chat", { channel }).then(kept);
  const bobsFirst = nextMessage<Notification>(bobs, FrameworkMessage.NOTIFICATION);
  await ts.server.notifier.notify(ann.userId, { kind: "invitation", text: "for Ann only" });
  const forBob = await ts.server.notifier.notify(bob.userId, { kind: "invitation", text: "for Bob" });
  expect((await bobsFirst).id).toBe(forBob.id);
});

it("is shown once by the client's feed, though every room the user is in delivers it", async () => {
  const ann = await player("Ann");
  const chat = await titleChat(ann.client);
  const arena = await gameRoom(ann.client, "Ann");
  const watcher = new NotificationWatcher(chat, arena);
  const bothArrived = Promise.all([nextMessage(chat, FrameworkMessage.NOTIFICATION), nextMessage(arena, FrameworkMessage.NOTIFICATION)]);
  const sent = await ts.server.notifier.notify(ann.userId, { kind: "invitation", text: "Bob invites you to group:crew" });
  await bothArrived;
  expect(watcher.shown.map((n) => n.id)).toEqual([sent.id]);
});

it("waits for a user with no socket and is offered on their next join", async () => {
  const cat = await player("Cat");
  const sent = await ts.server.notifier.notify(cat.userId, { kind: "invitation", text: "Ann invites you to group:crew", from: "someone" });
  const watcher = new NotificationWatcher();
  const room = kept(await cat.client.joinOrCreate(LOBBY_ROOM));
  watcher.listen(room);
  expect(await watcher.until((n) => n.id === sent.id, "the stored notification")).toEqual(sent);
});

it("is not offered again once the client acknowledged it", async () => {
  const cat = await player("Cat");
  const stored = await ts.server.notifier.notify(cat.userId, { kind: "invitation", text: "shown once" });
  const first = kept(await cat.client.joinOrCreate("chat", { channel: freshChannel() }));
  await new NotificationWatcher(first).until((n) => n.id === stored.id, "the stored notification");
  await eventually(async () => expect((await ts.server.notifier.unread(cat.userId)).notifications).toEqual([]), 10_000, "marked read");
  await first.leave();

  // A fresh page: whatever a join offers arrives before anything sent live after it.
  const later = new NotificationWatcher(await gameRoom(cat.client, "Cat"));
  const live = await ts.server.notifier.notify(cat.userId, { kind: "invitation", text: "sent after the rejoin" });
  await later.until((n) => n.id === live.id, "the live notification");
  expect(later.shown.map((n) => n.text)).toEqual(["sent after the rejoin"]);
});

it("offers more unread notifications than one page, page after page as the client acknowledges each", async () => {
  const fay = await player("Fay");
  const sent: Notification[] = [];
  for (let i = 1; i <= NOTIFICATION_PAGE + 5; i++) sent.push(await ts.server.notifier.notify(fay.userId, { kind: "invitation", text: `invitation ${i}` }));
  const watcher = new NotificationWatcher(await titleChat(fay.client));
  await watcher.until((n) => n.id === sent.at(-1)!.id, "the last of them");
  expect(watcher.shown.map((n) => n.text)).toEqual(sent.map((n) => n.text));
});

it("keeps the newest NOTIFICATIONS_KEPT of a user's unread notifications", async () => {
  const gus = await player("Gus");
  const sent: Notification[] = [];
  for (let i = 1; i <= KEPT + 3; i++) sent.push(await ts.server.notifier.notify(gus.userId, { kind: "invitation", text: `invitation ${i}` }));
  const watcher = new NotificationWatcher(await titleChat(gus.client));
  await watcher.until((n) => n.id === sent.at(-1)!.id, "the newest");
  expect(watcher.shown.map((n) => n.text)).toEqual(sent.slice(3).map((n) => n.text));
});

it("offers a notification raised while the player's seat was held once they resume it", async () => {
  const ann = await player("Ann");
  const arena = await gameRoom(ann.client, "Ann");
  arena.reconnection.minUptime = 0;
  arena.reconnection.minDelay = 2000; // the resume comes after the notification below, as on a network that takes its time
  const watcher = new NotificationWatcher(arena);
  await waitForState(arena, (s) => s.players.has(arena.sessionId), 10_000, "seated");
  const serverRoom = localRoom(arena.roomId);
  const resumed = nextSignal(arena.onReconnect, 20_000, "the seat resumed");
  (serverRoom.clients.get(arena.sessionId)!.ref as unknown as { terminate(): void }).terminate();
  await eventually(async () => expect(serverRoom.clients.get(arena.sessionId)).toBeUndefined(), 10_000, "the room saw the drop");
  const sent = await ts.server.notifier.notify(ann.userId, { kind: "match-ready", text: "raised while you were away" });
  await resumed;
  expect(await watcher.until((n) => n.id === sent.id, "the notification on the resumed socket")).toEqual(sent);
});

it("is stored and sent once for a repeated id", async () => {
  const dan = await player("Dan");
  const first = await ts.server.notifier.notify(dan.userId, { id: "match-ready:r-9", kind: "match-ready", text: "Your match is ready" });
  const again = await ts.server.notifier.notify(dan.userId, { id: "match-ready:r-9", kind: "match-ready", text: "Your match is ready" });
  expect(again.seq).toBe(first.seq);
  expect((await ts.server.notifier.unread(dan.userId)).notifications.map((n) => n.id)).toEqual(["match-ready:r-9"]);
});

it("brings an operator's announcement to the title-screen chat connection and the lobby, shown once", async () => {
  const ann = await player("Ann");
  const chat = await titleChat(ann.client);
  const lobby = kept(await ann.client.joinOrCreate(LOBBY_ROOM));
  const watcher = new NotificationWatcher(chat, lobby);
  const heard = Promise.all([nextMessage<Announcement>(chat, FrameworkMessage.ANNOUNCEMENT), nextMessage<Announcement>(lobby, FrameworkMessage.ANNOUNCEMENT)]);
  const posted = await operatorPost(ts.endpoint, OperatorRoute.ANNOUNCE, { text: "Maintenance at noon" }, ADMIN_TOKEN);
  expect(posted.status).toBe(202);
  const [inChat, inLobby] = await heard;
  expect(inChat).toEqual(posted.body);
  expect(inLobby).toEqual(posted.body);
  expect(watcher.shown).toEqual([{ id: `announcement:${posted.body.id}`, kind: "announcement", text: "Maintenance at noon", from: "operator", at: posted.body.sentAt }]);
});

it("tells the recipient of a direct message, in their game room, who sent it", async () => {
  const ann = await player("Ann");
  const bob = await player("Bob");
  const annChat = await titleChat(ann.client);
  const bobArena = await gameRoom(bob.client, "Bob");
  const watcher = new NotificationWatcher(bobArena);
  annChat.send(ChatMessage.direct, { to: bob.userId, id: "hello-bob", text: "are you free?" });
  const told = await watcher.until((n) => n.kind === "message", "the direct message's notification");
  expect(told).toMatchObject({ kind: "message", text: "Ann sent you a message", from: ann.userId, data: { channel: expect.stringMatching(/^dm:/) } });
});

it("lets an operator notify one user through POST /admin/notify", async () => {
  const eve = await player("Eve");
  const watcher = new NotificationWatcher(await titleChat(eve.client));
  const posted = await operatorPost(ts.endpoint, OperatorRoute.NOTIFY, { userId: eve.userId, text: "Your report was handled, thank you." }, ADMIN_TOKEN);
  expect(posted.status).toBe(202);
  expect(await watcher.until((n) => n.id === posted.body.id, "the operator's notification")).toMatchObject({ kind: "operator", from: "operator", text: "Your report was handled, thank you." });
});

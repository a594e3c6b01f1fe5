/**
 * The board room against a real server with signed-in guests: ops applied
 * in one order and seen by everyone, the whole board in one message for a
 * late joiner, the typed refusal of a viewer's edit, editor links, and
 * presence coalesced per peer.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { localRoom, startServer, type TestServer } from "../../tools/server.ts";
import { PRESENCE_INTERVAL_MS, type BoardRoom } from "./BoardRoom.ts";
import { boardContent, textOf } from "./model.ts";
import { BoardMessage, SHARE_FORBIDDEN } from "./protocol.ts";
import { colorOf } from "./state.ts";
import { BoardUser, newBoardId } from "./testing.ts";
import { board } from "./index.ts";

let ts: TestServer;
const users: BoardUser[] = [];
beforeAll(async () => { ts = await startServer({}, [board]); });
afterAll(async () => {
  await Promise.allSettled(users.map((u) => u.leave()));
  await ts?.close();
});

async function join(name: string, boardId: string, options: Record<string, unknown> = {}): Promise<BoardUser> {
  const user = await BoardUser.join(ts.client(name), boardId, options);
  users.push(user);
  return user;
}

it("makes the creator of a board its owner and shows an editor's op to everyone in server order", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  expect(ann.role).toBe("owner");
  const { invite } = await ann.room.request("board:share", {});
  const bob = await join("Bob", id, { invite });
  expect(bob.role).toBe("editor");

  const note = ann.addNote("hello");
  const seen = await bob.until(() => bob.applied.find((a) => a.op.type === "create" && a.op.shape.id === note), "Ann's note at Bob");
  expect(seen.actor).toBe(ann.userId);
  await ann.settled();
  expect(textOf(bob.connection.replica.board, note)).toBe("hello");
  expect(boardContent(bob.connection.replica.board)).toEqual(boardContent(ann.connection.replica.board));
});

it("gives a late joiner the whole board in one snapshot", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  const notes = ["one", "two", "three"].map((text, i) => ann.addNote(text, i * 220));
  await ann.settled();

  const cat = await join("Cat", id);
  expect(cat.snapshots).toHaveLength(1);
  expect(cat.snapshots[0].shapes.map((s) => s.id).sort()).toEqual([...notes].sort());
  expect(boardContent(cat.connection.replica.board)).toEqual(boardContent(ann.connection.replica.board));
  expect(textOf(cat.connection.replica.board, notes[2])).toBe("three");
});

it("refuses a viewer's op with FORBIDDEN_VIEWER and changes nothing", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  ann.addNote("mine");
  await ann.settled();
  const dan = await join("Dan", id);
  expect(dan.role).toBe("viewer");

  // The viewer's own replica would refuse locally; a tampered client sends the op anyway.
  dan.room.send("board:ops", { ops: [{ type: "move", opId: "sneaky-1", id: ann.connection.replica.board.shapes.keys().next().value, x: 5, y: 5 }] });
  const refused = await dan.until(() => dan.rejections.find((r) => r.opId === "sneaky-1"), "the viewer's rejection");
  expect(refused.code).toBe("FORBIDDEN_VIEWER");
  expect(refused.message).toMatch(/viewer/i);
  expect(dan.applied).toHaveLength(0);
});

it("sends the editor link to the owner only, and a rotated link no longer makes editors while earlier grants stay", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  const first = await ann.room.request("board:share", {});
  const bob = await join("Bob", id, { invite: first.invite });
  expect(bob.role).toBe("editor");
  await expect(bob.room.request("board:share", {})).rejects.toMatchObject({ reason: { code: SHARE_FORBIDDEN } });

  const second = await ann.room.request("board:share", { rotate: true });
  expect(second.invite).not.toBe(first.invite);
  const cat = await join("Cat", id, { invite: first.invite });
  expect(cat.role).toBe("viewer");
  await bob.leave();
  const bobAgain = await BoardUser.join(bob.client, id);
  users.push(bobAgain);
  expect(bobAgain.role).toBe("editor");
});

it("sends presence with the sender's peer, name and colour from the identity, each peer at most once per 1/PRESENCE_RATE s, the latest winning", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  const bob = await join("Bob", id);
  const note = ann.addNote("selected");
  await ann.settled();
  const server = localRoom(ann.room.roomId) as BoardRoom;
  const sentAt: number[] = [];
  const broadcast = server.broadcast.bind(server);
  server.broadcast = ((type: string, ...rest: unknown[]) => {
    if (type === BoardMessage.presence) sentAt.push(server.clock.currentTime);
    return (broadcast as (...args: unknown[]) => unknown)(type, ...rest);
  }) as typeof server.broadcast;

  for (let i = 0; i < 60; i++) ann.connection.sendPresence({ x: i + 0.4, y: 7, selection: i < 30 ? [] : [note], editing: null });
  const annPeer = ann.room.state.members.get(ann.room.sessionId).peer;
  const last = await bob.until(() => bob.presence.flat().findLast((p) => p[0] === annPeer && p[1] === 59), "Ann's last cursor at Bob");
  // The selection went out in full once it changed; cursor moves after it are [peer, x, y] alone.
  expect(bob.presence.flat().filter((p) => p[0] === annPeer && p.length === 5).at(-1)?.slice(3)).toEqual([[note], null]);
  expect(last.slice(0, 3)).toEqual([annPeer, 59, 7]);
  for (const message of bob.presence) expect(message.filter((p) => p[0] === annPeer)).toHaveLength(1);
  for (let i = 1; i < sentAt.length; i++) expect(sentAt[i] - sentAt[i - 1]).toBeGreaterThanOrEqual(PRESENCE_INTERVAL_MS);
  expect(ann.presence.flat().some((p) => p[0] === annPeer)).toBe(false);

  const member = [...bob.room.state.members.values()].find((m: { peer: number }) => m.peer === annPeer);
  expect(member).toMatchObject({ name: "Ann", userId: ann.userId, color: colorOf(ann.userId), role: "owner" });
});

it("splits a burst of edits larger than one client frame over several messages, and applies them all", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  const bob = await join("Bob", id);
  const sent: number[] = [];
  const send = ann.room.send.bind(ann.room);
  ann.room.send = ((type: string, message: unknown) => {
    if (type === BoardMessage.ops) sent.push((message as { ops: unknown[] }).ops.length);
    return send(type, message);
  }) as typeof ann.room.send;
  const notes = Array.from({ length: 60 }, (_, i) => ann.addNote(`note number ${i} with a few words on it`, i * 10, 0, false));
  ann.connection.flush();
  await ann.settled();
  expect(sent.reduce((a, b) => a + b, 0)).toBe(60);
  expect(sent.length).toBeGreaterThan(1);
  await bob.until(() => notes.every((note) => bob.connection.replica.board.shapes.has(note)), "all 60 notes at Bob");
  expect(ann.room.connection.isOpen).toBe(true);
});

it("refuses locally, with LIMIT_MESSAGE, an edit too large for one client frame, keeping the connection and the rest", async () => {
  const id = newBoardId();
  const ann = await join("Ann", id);
  const note = ann.addNote("short");
  await ann.settled();
  const result = ann.connection.editText(note, (text) => text.insert(text.length, "é".repeat(2500)));
  expect(result?.ok).toBe(true);
  const refused = await ann.until(() => ann.rejections.find((r) => r.code === "LIMIT_MESSAGE"), "the local refusal");
  expect(refused.message).toMatch(/larger than one message/);
  expect(textOf(ann.connection.replica.board, note)).toBe("short");
  ann.connection.perform({ type: "move", opId: ann.connection.replica.newId(), id: note, x: 99, y: 99 });
  await ann.settled();
  expect(ann.connection.replica.serverBoard.shapes.get(note)?.props.x).toBe(99);
  expect(ann.room.connection.isOpen).toBe(true);
});

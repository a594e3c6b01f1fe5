/**
 * The board room against a real server with signed-in guests: ops applied
 * in one order and seen by everyone, the whole board in one message for a
 * late joiner, and the typed refusal of a viewer's edit.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { startServer, type TestServer } from "../../tools/server.ts";
import { boardContent, textOf } from "./model.ts";
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

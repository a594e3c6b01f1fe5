import { describe, expect, it } from "vitest";
import { BoardReplica } from "./client-model.ts";
import { applyOp, createBoard, keyAbove, textOf, textUpdateFrom, type BoardDoc } from "./model.ts";
import type { AppliedOp } from "./protocol.ts";
import { UndoHistory } from "./undo.ts";

/** A board server and its users, with every message delivered at once on `sync()`. */
function room() {
  const server = createBoard();
  const users: { replica: BoardReplica; history: UndoHistory }[] = [];
  return {
    server,
    join(actorId: string) {
      const replica = new BoardReplica({ actorId, role: "editor", idPrefix: actorId });
      const user = { replica, history: new UndoHistory(replica, { captureTimeout: 0 }) };
      users.push(user);
      return user;
    },
    sync() {
      for (const { replica } of users) {
        const applied: AppliedOp[] = [];
        for (const op of replica.takeOutgoing()) {
          const result = applyOp(server, op, { id: replica.actorId, role: "editor" });
          if (!result.ok) throw new Error(result.rejection.message);
          if (!result.duplicate) applied.push(result.applied);
        }
        for (const other of users) other.replica.receiveApplied(applied);
      }
    },
  };
}

function shape(server: BoardDoc, id: string) {
  return server.shapes.get(id)?.props;
}

function createRect(user: { replica: BoardReplica; history: UndoHistory }, id: string) {
  const { replica, history } = user;
  history.perform({ type: "create", opId: replica.newId(), shape: { id, kind: "rect", x: 0, y: 0, w: 10, h: 10, color: "#000000", z: keyAbove(replica.board) } });
}

function move(user: { replica: BoardReplica; history: UndoHistory }, id: string, x: number) {
  user.history.perform({ type: "move", opId: user.replica.newId(), id, x, y: 0 });
}

describe("board undo", () => {
  it("steps back through the user's own edits of one property, one undo at a time", () => {
    const r = room();
    const ann = r.join("ann");
    createRect(ann, "r1");
    move(ann, "r1", 1);
    move(ann, "r1", 2);
    r.sync();
    ann.history.undo();
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(1);
    ann.history.undo();
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(0);
    ann.history.redo();
    ann.history.redo();
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(2);
  });

  it("does not overwrite a property someone else changed since, and still takes back the rest", () => {
    const r = room();
    const ann = r.join("ann");
    const bob = r.join("bob");
    createRect(ann, "r1");
    r.sync();
    ann.history.perform({ type: "update", opId: ann.replica.newId(), id: "r1", props: { color: "#aa0000", w: 50 } });
    r.sync();
    bob.history.perform({ type: "update", opId: bob.replica.newId(), id: "r1", props: { color: "#00bb00" } });
    r.sync();
    ann.history.undo();
    r.sync();
    expect(shape(r.server, "r1")).toMatchObject({ color: "#00bb00", w: 10 });
  });

  it("never writes back over another user's value by undoing further", () => {
    const r = room();
    const ann = r.join("ann");
    const bob = r.join("bob");
    createRect(ann, "r1");
    r.sync();
    move(ann, "r1", 1);
    r.sync();
    move(bob, "r1", 5);
    r.sync();
    move(ann, "r1", 2);
    r.sync();
    ann.history.undo(); // back to bob's 5
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(5);
    ann.history.undo(); // ann's first move was overwritten by bob: skipped
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(5);
  });

  it("undoes a create by deleting the shape, and redo brings it back", () => {
    const r = room();
    const ann = r.join("ann");
    createRect(ann, "r1");
    r.sync();
    ann.history.undo();
    r.sync();
    expect(r.server.shapes.has("r1")).toBe(false);
    ann.history.redo();
    r.sync();
    expect(shape(r.server, "r1")).toMatchObject({ x: 0, w: 10, color: "#000000" });
  });

  it("leaves a shape in place when undoing its create would delete another user's edit", () => {
    const r = room();
    const ann = r.join("ann");
    const bob = r.join("bob");
    createRect(ann, "r1");
    r.sync();
    move(bob, "r1", 9);
    r.sync();
    expect(ann.history.undo()).toBeNull();
    expect(ann.replica.pendingCount).toBe(0); // nothing is sent for an undo that changes nothing
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(9);
  });

  it("restores a deleted note with its text, and its arrow with it", () => {
    const r = room();
    const ann = r.join("ann");
    const { replica, history } = ann;
    history.perform({ type: "create", opId: replica.newId(), shape: { id: "n1", kind: "note", x: 0, y: 0, w: 10, h: 10, color: "#ffee88", z: "a0", text: textUpdateFrom("remember") } });
    createRect(ann, "r1");
    history.perform({ type: "create", opId: replica.newId(), shape: { id: "a1", kind: "arrow", x: 0, y: 0, w: 0, h: 0, color: "#000000", z: keyAbove(replica.board), from: "n1", to: "r1" } });
    r.sync();
    history.perform({ type: "group", opId: replica.newId(), ops: [{ type: "delete", id: "n1" }, { type: "delete", id: "a1" }] });
    r.sync();
    expect(r.server.shapes.size).toBe(1);
    history.undo();
    r.sync();
    expect(textOf(r.server, "n1")).toBe("remember");
    expect(shape(r.server, "a1")).toMatchObject({ from: "n1", to: "r1" });
  });

  it("skips re-pointing an arrow at a shape that is gone, and still takes back the rest", () => {
    const r = room();
    const ann = r.join("ann");
    const bob = r.join("bob");
    createRect(ann, "a");
    createRect(ann, "b");
    createRect(ann, "c");
    ann.history.perform({ type: "create", opId: ann.replica.newId(), shape: { id: "arrow", kind: "arrow", x: 0, y: 0, w: 0, h: 0, color: "#000000", z: keyAbove(ann.replica.board), from: "a", to: "b" } });
    r.sync();
    ann.history.perform({ type: "update", opId: ann.replica.newId(), id: "arrow", props: { to: "c", color: "#aa0000" } });
    r.sync();
    bob.history.perform({ type: "delete", opId: bob.replica.newId(), id: "b" });
    r.sync();
    ann.history.undo();
    r.sync();
    expect(shape(r.server, "arrow")).toMatchObject({ to: "c", color: "#000000" });
  });

  it("undoes a multi-select move as one step", () => {
    const r = room();
    const ann = r.join("ann");
    createRect(ann, "a");
    createRect(ann, "b");
    ann.history.perform({ type: "group", opId: ann.replica.newId(), ops: [
      { type: "move", id: "a", x: 100, y: 100 },
      { type: "move", id: "b", x: 200, y: 100 },
    ] });
    r.sync();
    ann.history.undo();
    r.sync();
    expect([shape(r.server, "a")!.x, shape(r.server, "b")!.x]).toEqual([0, 0]);
  });

  it("undoes and redoes the user's own typing, leaving another user's characters alone", () => {
    const r = room();
    const ann = r.join("ann");
    const bob = r.join("bob");
    ann.history.perform({ type: "create", opId: ann.replica.newId(), shape: { id: "n1", kind: "note", x: 0, y: 0, w: 10, h: 10, color: "#ffee88", z: "a0", text: textUpdateFrom("note") } });
    r.sync();
    ann.history.editText("n1", (text) => text.insert(4, " by ann"));
    r.sync();
    bob.history.editText("n1", (text) => text.insert(0, "bob: "));
    r.sync();
    ann.history.undo();
    r.sync();
    expect(textOf(r.server, "n1")).toBe("bob: note");
    ann.history.redo();
    r.sync();
    expect(textOf(r.server, "n1")).toBe("bob: note by ann");
    expect(bob.replica.text("n1")!.toString()).toBe("bob: note by ann");
  });

  it("forgets the redo steps once the user makes a new edit", () => {
    const r = room();
    const ann = r.join("ann");
    createRect(ann, "r1");
    move(ann, "r1", 1);
    ann.history.undo();
    expect(ann.history.canRedo).toBe(true);
    move(ann, "r1", 3);
    expect(ann.history.canRedo).toBe(false);
    r.sync();
    expect(shape(r.server, "r1")!.x).toBe(3);
  });
});

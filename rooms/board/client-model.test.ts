import { describe, expect, it } from "vitest";
import { BoardReplica } from "./client-model.ts";
import { applyOp, boardContent, createBoard, keyAbove, snapshotBoard, textOf, textUpdateFrom, type BoardDoc } from "./model.ts";
import type { AppliedOp, OpInput, Rejection } from "./protocol.ts";

/** The server side of a test: applies what a replica sends and returns what it would broadcast and refuse. */
function serve(server: BoardDoc, from: BoardReplica): { applied: AppliedOp[]; rejected: Rejection[] } {
  const applied: AppliedOp[] = [];
  const rejected: Rejection[] = [];
  for (const op of from.takeOutgoing()) {
    const result = applyOp(server, op, { id: from.actorId, role: "editor" });
    if (!result.ok) rejected.push(result.rejection);
    else if (!result.duplicate) applied.push(result.applied);
  }
  return { applied, rejected };
}

function joined(server: BoardDoc, actorId: string): BoardReplica {
  const replica = new BoardReplica({ actorId, role: "editor", idPrefix: actorId });
  replica.resync(snapshotBoard(server));
  return replica;
}

function rect(replica: BoardReplica, id: string): OpInput {
  return { type: "create", opId: replica.newId(), shape: { id, kind: "rect", x: 0, y: 0, w: 10, h: 10, color: "#000000", z: keyAbove(replica.board) } };
}

describe("board client replica", () => {
  it("shows an own op at once, before the server has seen it", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    ann.submit(rect(ann, "r1"));
    expect(ann.board.shapes.has("r1")).toBe(true);
    expect(ann.serverBoard.shapes.has("r1")).toBe(false);
    expect(ann.pendingCount).toBe(1);
  });

  it("keeps an own pending value on top of a concurrent server value until its own op is acknowledged, then takes the server's order", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    const bob = joined(server, "bob");
    ann.submit(rect(ann, "r1"));
    const created = serve(server, ann);
    ann.receiveApplied(created.applied);
    bob.receiveApplied(created.applied);

    ann.submit({ type: "update", opId: ann.newId(), id: "r1", props: { color: "#aa0000" } });
    bob.submit({ type: "update", opId: bob.newId(), id: "r1", props: { color: "#00bb00" } });
    const fromBob = serve(server, bob); // the server orders bob first
    ann.receiveApplied(fromBob.applied);
    expect(ann.board.shapes.get("r1")!.props.color).toBe("#aa0000");

    const fromAnn = serve(server, ann); // then ann: ann's value is last, so it wins everywhere
    ann.receiveApplied(fromAnn.applied);
    bob.receiveApplied([...fromBob.applied, ...fromAnn.applied]);
    expect(ann.pendingCount).toBe(0);
    expect(boardContent(ann.board, ann.texts)).toEqual(boardContent(server));
    expect(boardContent(bob.board, bob.texts)).toEqual(boardContent(server));
    expect(server.shapes.get("r1")!.props.color).toBe("#aa0000");
  });

  it("drops a rejected own op from the view", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    const bob = joined(server, "bob");
    ann.submit(rect(ann, "r1"));
    const created = serve(server, ann);
    ann.receiveApplied(created.applied);
    bob.receiveApplied(created.applied);
    bob.submit({ type: "delete", opId: bob.newId(), id: "r1" });
    ann.submit({ type: "move", opId: ann.newId(), id: "r1", x: 5, y: 5 });
    const deleted = serve(server, bob);
    const moved = serve(server, ann);
    expect(moved.rejected.map((r) => r.code)).toEqual(["NOT_FOUND"]);
    ann.receiveApplied(deleted.applied);
    ann.receiveRejected(moved.rejected);
    expect(ann.pendingCount).toBe(0);
    expect(ann.board.shapes.has("r1")).toBe(false);
  });

  it("rolls a rejected text edit back out of the live text", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    ann.submit({ type: "create", opId: ann.newId(), shape: { id: "n1", kind: "note", x: 0, y: 0, w: 10, h: 10, color: "#ffee88", z: "a0", text: textUpdateFrom("hi") } });
    ann.receiveApplied(serve(server, ann).applied);
    ann.editText("n1", (text) => text.insert(2, "!"));
    expect(ann.text("n1")!.toString()).toBe("hi!");
    const [op] = ann.takeOutgoing();
    ann.receiveRejected([{ opId: op.opId, code: "RATE_LIMITED", message: "slow down" }]);
    expect(ann.text("n1")!.toString()).toBe("hi");
    expect(textOf(server, "n1")).toBe("hi");
  });

  it("merges a remote text edit into the live text while an own edit is pending", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    const bob = joined(server, "bob");
    ann.submit({ type: "create", opId: ann.newId(), shape: { id: "n1", kind: "note", x: 0, y: 0, w: 10, h: 10, color: "#ffee88", z: "a0", text: textUpdateFrom("ab") } });
    const created = serve(server, ann);
    ann.receiveApplied(created.applied);
    bob.receiveApplied(created.applied);
    ann.editText("n1", (text) => text.insert(0, "1"));
    bob.editText("n1", (text) => text.insert(2, "2"));
    const fromBob = serve(server, bob);
    ann.receiveApplied(fromBob.applied);
    expect(ann.text("n1")!.toString()).toBe("1ab2");
    const fromAnn = serve(server, ann);
    ann.receiveApplied(fromAnn.applied);
    bob.receiveApplied([...fromBob.applied, ...fromAnn.applied]);
    expect(textOf(server, "n1")).toBe("1ab2");
    expect(bob.text("n1")!.toString()).toBe("1ab2");
    expect(textOf(bob.board, "n1")).toBe("1ab2"); // the view's texts are the live docs, pending or not
  });

  it("refuses a viewer's edit locally with the server's code", () => {
    const viewer = new BoardReplica({ actorId: "vic", role: "viewer", idPrefix: "vic" });
    const result = viewer.submit(rect(viewer, "r1"));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.rejection.code).toBe("FORBIDDEN_VIEWER");
    expect(viewer.board.shapes.size).toBe(0);
    expect(viewer.takeOutgoing()).toEqual([]);
  });

  it("takes back a text edit it refuses locally, such as a viewer typing", () => {
    const server = createBoard();
    applyOp(server, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 10, h: 10, color: "#ffee88", z: "a0", text: textUpdateFrom("read only") } }, { id: "ann", role: "owner" });
    const viewer = new BoardReplica({ actorId: "vic", role: "viewer", idPrefix: "vic" });
    viewer.resync(snapshotBoard(server));
    const result = viewer.editText("n1", (text) => text.insert(0, "x"));
    expect(result?.ok).toBe(false);
    expect(viewer.text("n1")!.toString()).toBe("read only");
  });

  it("after a reconnect, sends every pending op again and drops those the server reports as already applied", () => {
    const server = createBoard();
    const ann = joined(server, "ann");
    ann.submit(rect(ann, "r1"));
    serve(server, ann); // applied, but the connection drops before the acknowledgement
    ann.submit({ type: "move", opId: ann.newId(), id: "r1", x: 3, y: 4 });
    ann.resync(snapshotBoard(server));
    const replay = [...ann.takeOutgoing(1), ...ann.takeOutgoing(1)]; // paced, one at a time
    expect(replay).toHaveLength(2);
    expect(ann.takeOutgoing()).toEqual([]);
    const duplicates: string[] = [];
    const applied: AppliedOp[] = [];
    for (const op of replay) {
      const result = applyOp(server, op, { id: "ann", role: "editor" });
      if (result.ok && result.duplicate) duplicates.push(op.opId);
      else if (result.ok) applied.push(result.applied);
    }
    ann.receiveDuplicates(duplicates);
    ann.receiveApplied(applied);
    expect(duplicates).toHaveLength(1);
    expect(server.seq).toBe(2);
    expect(ann.pendingCount).toBe(0);
    expect(boardContent(ann.board, ann.texts)).toEqual(boardContent(server));
  });
});

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  TEXT_ROOT, applyOp, applyOrdered, boardContent, readOpsMessage, boardFromSnapshot, createBoard, createOpBudget, keyAbove, keyBetween,
  shapesInOrder, snapshotBoard, spendOpBudget, textOf, textUpdateFrom, type Actor, type BoardDoc,
} from "./model.ts";
import { MAX_GROUP_OPS, MAX_OPS_PER_MESSAGE, MAX_RESTORABLE, MAX_SHAPES, MAX_STROKE_POINTS, MAX_TEXT_LENGTH, OP_BURST, type OpInput } from "./protocol.ts";

const ann: Actor = { id: "ann", role: "editor" };
const bob: Actor = { id: "bob", role: "editor" };
const vic: Actor = { id: "vic", role: "viewer" };

let next = 0;
function rect(id: string, z = "a0", extra: Record<string, unknown> = {}): OpInput {
  return { type: "create", opId: `c${next++}`, shape: { id, kind: "rect", x: 10, y: 20, w: 100, h: 50, color: "#ff8800", z, ...extra } } as OpInput;
}

function apply(doc: BoardDoc, op: OpInput | Record<string, unknown>, actor: Actor = ann) {
  return applyOp(doc, op, actor);
}

function applied(doc: BoardDoc, op: OpInput | Record<string, unknown>, actor: Actor = ann) {
  const result = applyOp(doc, op, actor);
  if (!result.ok) throw new Error(`${result.rejection.code}: ${result.rejection.message}`);
  return result;
}

function rejectionCode(doc: BoardDoc, op: OpInput | Record<string, unknown>, actor: Actor = ann) {
  const result = applyOp(doc, op, actor);
  return result.ok ? "applied" : result.rejection.code;
}

describe("board model: validation", () => {
  it("creates a shape and stamps every property with the op's writer and sequence number", () => {
    const doc = createBoard();
    const result = applied(doc, rect("r1"));
    expect(result.applied?.seq).toBe(1);
    const shape = doc.shapes.get("r1")!;
    expect(shape.props).toMatchObject({ x: 10, y: 20, w: 100, h: 50, color: "#ff8800", rotation: 0, z: "a0" });
    expect(shape.writers.color).toEqual({ actor: "ann", opId: result.applied!.op.opId, seq: 1, by: "ann" });
  });

  it("refuses malformed ops and out-of-bounds values with INVALID_OP, changing nothing", () => {
    const doc = createBoard();
    expect(rejectionCode(doc, { type: "explode", opId: "x" })).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("bad id!"))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "a0", { x: Number.POSITIVE_INFINITY }))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "a0", { rotation: 7 }))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "a0", { color: "red" }))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "not-a-key"))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "a0", { points: [0, 0, 1, 1] }))).toBe("INVALID_OP");
    expect(rejectionCode(doc, rect("r1", "a0", { text: textUpdateFrom("hi") }))).toBe("INVALID_OP");
    expect(doc.shapes.size).toBe(0);
    expect(doc.seq).toBe(0);
  });

  it("refuses an op on a missing shape with NOT_FOUND", () => {
    const doc = createBoard();
    expect(rejectionCode(doc, { type: "update", opId: "u", id: "ghost", props: { x: 1 } })).toBe("NOT_FOUND");
    expect(rejectionCode(doc, { type: "delete", opId: "d", id: "ghost" })).toBe("NOT_FOUND");
  });

  it("refuses a property the shape's kind does not have", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    expect(rejectionCode(doc, { type: "update", opId: "u", id: "r1", props: { points: [0, 0, 1, 1] } })).toBe("INVALID_OP");
    expect(rejectionCode(doc, { type: "update", opId: "u2", id: "r1", props: { z: "a1" } })).toBe("INVALID_OP");
  });

  it("connects arrows only between two existing non-arrow shapes", () => {
    const doc = createBoard();
    applied(doc, rect("a"));
    applied(doc, rect("b", "a1"));
    const arrow = (id: string, from: string, to: string): OpInput => ({
      type: "create", opId: `arrow-${id}`, shape: { id, kind: "arrow", x: 0, y: 0, w: 0, h: 0, color: "#000000", z: "a2", from, to },
    });
    expect(rejectionCode(doc, arrow("x", "a", "ghost"))).toBe("NOT_FOUND");
    expect(rejectionCode(doc, arrow("x", "a", "a"))).toBe("INVALID_OP");
    expect(rejectionCode(doc, arrow("x", "a", "b"))).toBe("applied");
    expect(rejectionCode(doc, arrow("y", "a", "x"))).toBe("INVALID_OP");
  });

  it("a shape id deleted by one user cannot be taken by another, but its deleter may restore it", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "delete", opId: "d1", id: "r1" });
    expect(rejectionCode(doc, rect("r1"), bob)).toBe("ID_TAKEN");
    expect(rejectionCode(doc, rect("r1"), ann)).toBe("applied");
    expect(rejectionCode(doc, rect("r1"), ann)).toBe("ID_TAKEN");
  });
});

describe("board model: hostile input", () => {
  it("never throws on arbitrary input, and a refused op leaves the board as it was", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a1", text: textUpdateFrom("hi") } });
    const before = boardContent(doc);
    const hostile = fc.oneof(
      fc.anything(),
      fc.record({ type: fc.constantFrom("create", "update", "move", "delete", "restore", "reorder", "text", "group"), opId: fc.string(), id: fc.constantFrom("r1", "n1"), props: fc.anything(), z: fc.string(), ops: fc.anything() }),
      fc.record({ type: fc.constant("text"), opId: fc.string({ minLength: 1 }), id: fc.constant("n1"), update: fc.uint8Array({ maxLength: 64 }) }),
    );
    fc.assert(fc.property(hostile, (input) => {
      const result = applyOp(doc, input, ann);
      if (!result.ok) expect(boardContent(doc)).toEqual(before);
      else {
        // A hostile op that happens to be valid is a real edit: start the next one from it.
        before.splice(0, before.length, ...boardContent(doc));
      }
    }), { numRuns: 500 });
  });
});

describe("board model: permissions and limits", () => {
  it("refuses every edit from a viewer with FORBIDDEN_VIEWER", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    const result = apply(doc, { type: "move", opId: "m", id: "r1", x: 5, y: 5 }, vic);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.code).toBe("FORBIDDEN_VIEWER");
      expect(result.rejection.opId).toBe("m");
      expect(result.rejection.message).toMatch(/viewer/i);
    }
    expect(doc.shapes.get("r1")!.props.x).toBe(10);
  });

  it("stops at MAX_SHAPES live shapes with LIMIT_SHAPES", () => {
    const doc = createBoard();
    let z: string | null = null;
    for (let i = 0; i < MAX_SHAPES; i++) {
      z = keyBetween(z, null);
      applied(doc, rect(`s${i}`, z));
    }
    expect(rejectionCode(doc, rect("one-more", keyBetween(z, null)))).toBe("LIMIT_SHAPES");
    applied(doc, { type: "delete", opId: "free-one", id: "s0" });
    expect(rejectionCode(doc, rect("one-more", keyBetween(z, null)))).toBe("applied");
  });

  it("limits text length with LIMIT_TEXT and stroke points with LIMIT_POINTS", () => {
    const doc = createBoard();
    const note = (id: string, text: string): OpInput => ({
      type: "create", opId: `n-${id}`, shape: { id, kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a0", text: textUpdateFrom(text) },
    });
    expect(rejectionCode(doc, note("long", "x".repeat(MAX_TEXT_LENGTH + 1)))).toBe("LIMIT_TEXT");
    expect(rejectionCode(doc, note("ok", "x".repeat(MAX_TEXT_LENGTH)))).toBe("applied");
    const points = Array.from({ length: (MAX_STROKE_POINTS + 1) * 2 }, (_, i) => i);
    const stroke: OpInput = { type: "create", opId: "st", shape: { id: "st", kind: "stroke", x: 0, y: 0, w: 1, h: 1, color: "#000000", z: "a1", points } };
    expect(rejectionCode(doc, stroke)).toBe("LIMIT_POINTS");
  });

  it("refuses a message of more than MAX_OPS_PER_MESSAGE ops with LIMIT_OPS", () => {
    const ops = Array.from({ length: MAX_OPS_PER_MESSAGE + 1 }, (_, i) => ({ type: "delete", opId: `d${i}`, id: "r1" }));
    expect(readOpsMessage({ ops })).toMatchObject({ ok: false, rejection: { code: "LIMIT_OPS" } });
    expect(readOpsMessage({ ops: ops.slice(1) })).toMatchObject({ ok: true });
    expect(readOpsMessage("junk")).toMatchObject({ ok: false, rejection: { code: "INVALID_OP" } });
  });

  it("keeps only the newest MAX_RESTORABLE deletes restorable", () => {
    const doc = createBoard();
    let z: string | null = null;
    for (let i = 0; i <= MAX_RESTORABLE; i++) {
      z = keyBetween(z, null);
      applied(doc, rect(`s${i}`, z));
      applied(doc, { type: "delete", opId: `d${i}`, id: `s${i}` });
    }
    expect(applied(doc, { type: "restore", opId: "oldest", id: "s0" }).applied!.op).toEqual({ type: "group", opId: "oldest", ops: [] });
    expect(applied(doc, { type: "restore", opId: "newest", id: `s${MAX_RESTORABLE}` }).applied!.op).toEqual({ type: "restore", opId: "newest", id: `s${MAX_RESTORABLE}` });
    expect(doc.shapes.size).toBe(1);
  });

  it("limits the parts of one group with LIMIT_OPS", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    const ops = Array.from({ length: MAX_GROUP_OPS + 1 }, (_, i) => ({ type: "move", id: "r1", x: i, y: i }));
    expect(rejectionCode(doc, { type: "group", opId: "g", ops })).toBe("LIMIT_OPS");
  });

  it("lets a user burst OP_BURST ops, then refills at the sustained rate", () => {
    const budget = createOpBudget(0);
    expect(spendOpBudget(budget, 0, OP_BURST)).toBe(true);
    expect(spendOpBudget(budget, 0)).toBe(false);
    expect(spendOpBudget(budget, 1000, 60)).toBe(true);
    expect(spendOpBudget(budget, 1000)).toBe(false);
  });
});

describe("board model: ordering and conflicts", () => {
  it("applies an op replayed with the same id once and reports the duplicate", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    const move: OpInput = { type: "move", opId: "m1", id: "r1", x: 1, y: 1 };
    applied(doc, move);
    applied(doc, { type: "move", opId: "m2", id: "r1", x: 2, y: 2 });
    const replay = apply(doc, move);
    expect(replay).toMatchObject({ ok: true, duplicate: true, seq: 2 });
    expect(doc.shapes.get("r1")!.props.x).toBe(2);
    expect(doc.seq).toBe(3);
  });

  it("scopes op ids per user, so two users may use the same id", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "move", opId: "same", id: "r1", x: 1, y: 1 }, ann);
    const result = applied(doc, { type: "move", opId: "same", id: "r1", x: 2, y: 2 }, bob);
    expect(result.duplicate).toBe(false);
    expect(doc.shapes.get("r1")!.props.x).toBe(2);
  });

  it("on the same property, the op the server ordered last wins", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "update", opId: "a", id: "r1", props: { color: "#111111" } }, ann);
    applied(doc, { type: "update", opId: "b", id: "r1", props: { color: "#222222" } }, bob);
    expect(doc.shapes.get("r1")!.props.color).toBe("#222222");
    expect(doc.shapes.get("r1")!.writers.color).toMatchObject({ actor: "bob", seq: 3 });
  });

  it("concurrent edits to different properties of one shape both survive", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "update", opId: "a", id: "r1", props: { color: "#111111" } }, ann);
    applied(doc, { type: "move", opId: "b", id: "r1", x: 300, y: 400 }, bob);
    expect(doc.shapes.get("r1")!.props).toMatchObject({ color: "#111111", x: 300, y: 400 });
  });

  it("two concurrent reorders to the same key never collide: the later one lands just above", () => {
    const doc = createBoard();
    applied(doc, rect("a", "a0"));
    applied(doc, rect("b", "a1"));
    applied(doc, rect("c", "a2"));
    applied(doc, rect("d", "a3"));
    const between = keyBetween("a0", "a1");
    applied(doc, { type: "reorder", opId: "rb", id: "b", z: between }, ann);
    const late = applied(doc, { type: "reorder", opId: "rd", id: "d", z: between }, bob);
    const lateZ = (late.applied!.op as { z: string }).z;
    expect(lateZ > between && lateZ < "a2").toBe(true);
    expect(shapesInOrder(doc).map((s) => s.id)).toEqual(["a", "b", "d", "c"]);
    expect(new Set(shapesInOrder(doc).map((s) => s.props.z)).size).toBe(4);
  });

  it("brings a shape to the front with keyAbove", () => {
    const doc = createBoard();
    applied(doc, rect("a", "a0"));
    applied(doc, rect("b", "a1"));
    applied(doc, { type: "reorder", opId: "front", id: "a", z: keyAbove(doc) });
    expect(shapesInOrder(doc).map((s) => s.id)).toEqual(["b", "a"]);
  });

  it("applies a group entirely or not at all", () => {
    const doc = createBoard();
    applied(doc, rect("a", "a0"));
    applied(doc, rect("b", "a1"));
    const failing = apply(doc, { type: "group", opId: "g1", ops: [
      { type: "move", id: "a", x: 500, y: 500 },
      { type: "move", id: "ghost", x: 500, y: 500 },
    ] });
    expect(failing.ok).toBe(false);
    expect(doc.shapes.get("a")!.props.x).toBe(10);
    applied(doc, { type: "group", opId: "g2", ops: [
      { type: "move", id: "a", x: 500, y: 500 },
      { type: "move", id: "b", x: 600, y: 600 },
    ] });
    expect(doc.shapes.get("a")!.props.x).toBe(500);
    expect(doc.shapes.get("b")!.props.x).toBe(600);
    expect(doc.seq).toBe(3);
  });

  it("writes a guarded property only where the named writer still stands, and skips the rest", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "update", opId: "mine", id: "r1", props: { color: "#111111", w: 10 } }, ann);
    applied(doc, { type: "update", opId: "theirs", id: "r1", props: { color: "#222222" } }, bob);
    const undo = applied(doc, {
      type: "update", opId: "undo", id: "r1", props: { color: "#ff8800", w: 100 },
      guard: { color: { actor: "ann", opId: "mine" }, w: { actor: "ann", opId: "mine" } },
    }, ann);
    expect(doc.shapes.get("r1")!.props).toMatchObject({ color: "#222222", w: 100 });
    expect(undo.applied!.op).toEqual({ type: "update", opId: "undo", id: "r1", props: { w: 100 } });
  });

  it("skips a guarded write when someone else wrote the property last, even if they put back the same writer's value", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "update", opId: "mine", id: "r1", props: { color: "#111111" } }, ann);
    applied(doc, { type: "update", opId: "theirs", id: "r1", props: { color: "#111111" }, restore: { color: { actor: "ann", opId: "mine" } } }, bob);
    const guarded = applied(doc, { type: "update", opId: "undo", id: "r1", props: { color: "#ff8800" }, guard: { color: { actor: "ann", opId: "mine" } } }, ann);
    expect(guarded.applied!.op).toEqual({ type: "group", opId: "undo", ops: [] });
    expect(doc.shapes.get("r1")!.props.color).toBe("#111111");
  });

  it("puts back the writer an undo restores, so the next undo down finds its own", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "move", opId: "m1", id: "r1", x: 1, y: 0 }, ann);
    applied(doc, { type: "move", opId: "m2", id: "r1", x: 2, y: 0 }, ann);
    applied(doc, { type: "update", opId: "u2", id: "r1", props: { x: 1 }, guard: { x: { actor: "ann", opId: "m2" } }, restore: { x: { actor: "ann", opId: "m1" } } }, ann);
    expect(doc.shapes.get("r1")!.writers.x).toMatchObject({ actor: "ann", opId: "m1", by: "ann", seq: 4 });
    applied(doc, { type: "update", opId: "u1", id: "r1", props: { x: 10 }, guard: { x: { actor: "ann", opId: "m1" } } }, ann);
    expect(doc.shapes.get("r1")!.props.x).toBe(10);
  });

  it("deletes with a guard only a shape nobody else has a value standing on", () => {
    const doc = createBoard();
    const created = applied(doc, rect("r1"), ann);
    const own = { actor: "ann", opId: created.applied!.op.opId };
    const guard = { x: own, y: own, w: own, h: own, rotation: own, color: own, z: own };
    applied(doc, { type: "update", opId: "b", id: "r1", props: { color: "#222222" } }, bob);
    applied(doc, { type: "delete", opId: "undo-create", id: "r1", guard }, ann);
    expect(doc.shapes.has("r1")).toBe(true);
    applied(doc, { type: "update", opId: "a", id: "r1", props: { color: "#333333" } }, ann);
    applied(doc, { type: "delete", opId: "undo-create-2", id: "r1", guard: { ...guard, color: { actor: "ann", opId: "a" } } }, ann);
    expect(doc.shapes.has("r1")).toBe(false);
  });

  it("restores a deleted shape exactly as the server deleted it, text included, and only for its deleter", () => {
    const doc = createBoard();
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 5, y: 6, w: 200, h: 200, color: "#ffee88", z: "a0", text: textUpdateFrom("kept") } }, ann);
    applied(doc, { type: "update", opId: "b", id: "n1", props: { color: "#222222" } }, bob);
    const before = boardContent(doc);
    applied(doc, { type: "delete", opId: "d", id: "n1" }, ann);
    expect(applied(doc, { type: "restore", opId: "r-bob", id: "n1" }, bob).applied!.op).toEqual({ type: "group", opId: "r-bob", ops: [] });
    applied(doc, { type: "restore", opId: "r-ann", id: "n1" }, ann);
    const after = boardContent(doc);
    expect(after.map(({ writers: _w, textBy: _t, ...rest }) => rest)).toEqual(before.map(({ writers: _w, textBy: _t, ...rest }) => rest));
    expect(doc.shapes.get("n1")!.writers.color).toMatchObject({ actor: "bob", opId: "b", by: "ann" });
  });
});

describe("board model: text", () => {
  it("merges two users typing into one note at once", () => {
    const doc = createBoard();
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a0", text: textUpdateFrom("hello") } });
    const annDoc = new Y.Doc();
    const bobDoc = new Y.Doc();
    const state = Y.encodeStateAsUpdate(doc.texts.get("n1")!);
    Y.applyUpdate(annDoc, state);
    Y.applyUpdate(bobDoc, state);
    const edit = (ydoc: Y.Doc, change: (t: Y.Text) => void) => {
      const sv = Y.encodeStateVector(ydoc);
      change(ydoc.getText(TEXT_ROOT));
      return Y.encodeStateAsUpdate(ydoc, sv);
    };
    const annEdit = edit(annDoc, (t) => t.insert(0, ">> "));
    const bobEdit = edit(bobDoc, (t) => t.insert(5, " world"));
    applied(doc, { type: "text", opId: "ta", id: "n1", update: annEdit }, ann);
    applied(doc, { type: "text", opId: "tb", id: "n1", update: bobEdit }, bob);
    expect(textOf(doc, "n1")).toBe(">> hello world");
    expect(doc.shapes.get("n1")!.textBy).toEqual(["ann", "bob"]);
  });

  it("refuses text that is not a Yjs update, or that carries other shared types", () => {
    const doc = createBoard();
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a0" } });
    expect(rejectionCode(doc, { type: "text", opId: "junk", id: "n1", update: new Uint8Array([1, 2, 3, 4, 5, 6]) })).toBe("INVALID_OP");
    const sneaky = new Y.Doc();
    sneaky.getMap("extra").set("k", "v");
    expect(rejectionCode(doc, { type: "text", opId: "sneaky", id: "n1", update: Y.encodeStateAsUpdate(sneaky) })).toBe("INVALID_OP");
    const stranger = new Y.Doc();
    stranger.getText(TEXT_ROOT).insert(0, "unseen");
    const seen = Y.encodeStateVector(stranger);
    stranger.getText(TEXT_ROOT).delete(0, 3);
    const deletesOfUnseen = Y.encodeStateAsUpdate(stranger, seen);
    expect(rejectionCode(doc, { type: "text", opId: "ghost-deletes", id: "n1", update: deletesOfUnseen })).toBe("INVALID_OP");
    expect(textOf(doc, "n1")).toBe("");
  });
});

describe("board model: text limits", () => {
  function noteWith(text: string) {
    const doc = createBoard();
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a0", text: textUpdateFrom(text) } });
    const typist = new Y.Doc();
    Y.applyUpdate(typist, Y.encodeStateAsUpdate(doc.texts.get("n1")!));
    const edit = (change: (t: Y.Text) => void) => {
      const sv = Y.encodeStateVector(typist);
      change(typist.getText(TEXT_ROOT));
      return Y.encodeStateAsUpdate(typist, sv);
    };
    return { doc, edit };
  }

  it("refuses typing past MAX_TEXT_LENGTH with LIMIT_TEXT", () => {
    const { doc, edit } = noteWith("x".repeat(MAX_TEXT_LENGTH - 1));
    expect(rejectionCode(doc, { type: "text", opId: "fits", id: "n1", update: edit((t) => t.insert(0, "y")) })).toBe("applied");
    expect(rejectionCode(doc, { type: "text", opId: "over", id: "n1", update: edit((t) => t.insert(0, "z")) })).toBe("LIMIT_TEXT");
    expect(doc.texts.get("n1")!.getText(TEXT_ROOT).length).toBe(MAX_TEXT_LENGTH);
  });

  it("refuses embeds and formatting in a shape's text", () => {
    const { doc, edit } = noteWith("plain");
    expect(rejectionCode(doc, { type: "text", opId: "embed", id: "n1", update: edit((t) => t.insertEmbed(0, { image: "x" })) })).toBe("INVALID_OP");
    expect(rejectionCode(doc, { type: "text", opId: "bold", id: "n1", update: edit((t) => t.format(0, 2, { bold: true })) })).toBe("INVALID_OP");
    expect(textOf(doc, "n1")).toBe("plain");
  });
});

describe("board model: snapshots and replicas", () => {
  it("round-trips a board through a snapshot, dedupe memory included", () => {
    const doc = createBoard();
    applied(doc, rect("r1"));
    applied(doc, { type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a1", text: textUpdateFrom("kept") } });
    applied(doc, { type: "move", opId: "m", id: "r1", x: 7, y: 8 });
    const restored = boardFromSnapshot(structuredClone(snapshotBoard(doc, { withApplied: true })));
    expect(boardContent(restored)).toEqual(boardContent(doc));
    expect(restored.seq).toBe(doc.seq);
    expect(applyOp(restored, { type: "move", opId: "m", id: "r1", x: 9, y: 9 }, ann)).toMatchObject({ duplicate: true });
  });

  it("a replica replaying a group that types in a note and deletes it restores the same text", () => {
    const server = createBoard();
    const replica = createBoard();
    const follow = (op: OpInput | Record<string, unknown>) => applyOrdered(replica, applied(server, op).applied!);
    follow({ type: "create", opId: "n", shape: { id: "n1", kind: "note", x: 0, y: 0, w: 200, h: 200, color: "#ffee88", z: "a0", text: textUpdateFrom("draft") } });
    const typist = new Y.Doc();
    Y.applyUpdate(typist, Y.encodeStateAsUpdate(server.texts.get("n1")!));
    const sv = Y.encodeStateVector(typist);
    typist.getText(TEXT_ROOT).insert(5, " two");
    follow({ type: "group", opId: "g", ops: [{ type: "text", id: "n1", update: Y.encodeStateAsUpdate(typist, sv) }, { type: "delete", id: "n1" }] });
    follow({ type: "restore", opId: "r", id: "n1" });
    expect(textOf(server, "n1")).toBe("draft two");
    expect(boardContent(replica)).toEqual(boardContent(server));
  });

  it("a replica following the server's applied ops ends identical to it", () => {
    const server = createBoard();
    const replica = createBoard();
    const ops: [OpInput, Actor][] = [
      [rect("a", "a0"), ann], [rect("b", "a0"), bob],
      [{ type: "reorder", opId: "r", id: "a", z: "a0" }, bob],
      [{ type: "update", opId: "u", id: "b", props: { color: "#123456" } }, ann],
    ];
    for (const [op, actor] of ops) applyOrdered(replica, applied(server, op, actor).applied!);
    expect(boardContent(replica)).toEqual(boardContent(server));
  });
});

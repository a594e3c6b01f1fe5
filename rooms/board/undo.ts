/**
 * Per-user undo and redo on top of a BoardReplica.
 *
 * An undo is an ordinary op sent through the server: the inverse of what this
 * user did, with a guard on every property it writes naming this user's own
 * write. The server writes a guarded property only if that write still
 * stands, so an undo never overwrites someone else's later change; that part
 * is skipped and the rest applies. Undoing a create deletes the shape only if
 * nobody else has a write standing on it. Redo is the inverse of the undo,
 * guarded the same way.
 *
 * When an undo puts a property back to an earlier write of this user, the
 * entries below it are re-pointed from that earlier write to the undo op, so
 * a run of undos steps back through this user's own history.
 *
 * Text uses one Yjs UndoManager per live text doc, tracking only LOCAL_ORIGIN:
 * Yjs undo removes only this user's characters and restores only what this
 * user deleted.
 */
import * as Y from "yjs";
import { LOCAL_ORIGIN, type BoardReplica, type SubmitResult } from "./client-model.ts";
import { TEXT_ROOT, type ShapeRecord } from "./model.ts";
import type { Op, OpInput, PropName, ShapeProps, SubOp, Writer } from "./protocol.ts";

/** Entries kept per stack; older ones are forgotten. */
export const MAX_UNDO_DEPTH = 200;

interface InversePart {
  part: SubOp;
  /** Per property: whose write the original op replaced, i.e. what this part puts back. */
  restores: Partial<Record<PropName, Writer>>;
}

type Entry =
  | { kind: "ops"; parts: InversePart[] }
  | { kind: "text"; shapeId: string; ydoc: Y.Doc };

/** The board as it was just before an op: enough to invert it. */
interface Before {
  shapes: ReadonlyMap<string, ShapeRecord>;
  texts: ReadonlyMap<string, Y.Doc>;
}

export interface UndoOptions {
  /** Text edits closer together than this (ms) undo as one step; Yjs's default is 500. */
  captureTimeout?: number;
}

export class UndoHistory {
  private readonly replica: BoardReplica;
  private readonly captureTimeout: number;
  private undoStack: Entry[] = [];
  private redoStack: Entry[] = [];
  private readonly managers = new Map<Y.Doc, Y.UndoManager>();

  constructor(replica: BoardReplica, options: UndoOptions = {}) {
    this.replica = replica;
    this.captureTimeout = options.captureTimeout ?? 500;
  }

  get canUndo(): boolean {
    return this.undoStack.length > 0;
  }

  get canRedo(): boolean {
    return this.redoStack.length > 0;
  }

  /** Submit a user's op and remember how to take it back. */
  perform(input: OpInput): SubmitResult {
    const before = this.before();
    const result = this.replica.submit(input);
    if (!result.ok) return result;
    const parts = inverseOf(result.op, before, this.writer(result.op.opId));
    if (parts.length > 0) {
      this.push(this.undoStack, { kind: "ops", parts });
      this.clearRedo();
    }
    return result;
  }

  /** Edit a shape's text as this user, undoable character-wise through Yjs. */
  editText(id: string, edit: (text: Y.Text) => void): SubmitResult | null {
    const ydoc = this.replica.texts.get(id);
    if (!ydoc) return null;
    const manager = this.managerFor(ydoc);
    const depth = manager.undoStack.length;
    const result = this.replica.editText(id, edit);
    if (result?.ok) {
      if (manager.undoStack.length > depth) this.push(this.undoStack, { kind: "text", shapeId: id, ydoc });
      this.clearRedo();
    }
    return result;
  }

  /** Take back this user's last edit that still changes something; null if there is none. */
  undo(): SubmitResult | null {
    return this.step(this.undoStack, this.redoStack, "undo");
  }

  redo(): SubmitResult | null {
    return this.step(this.redoStack, this.undoStack, "redo");
  }

  private step(from: Entry[], to: Entry[], direction: "undo" | "redo"): SubmitResult | null {
    for (let entry = from.pop(); entry; entry = from.pop()) {
      const result = entry.kind === "text" ? this.stepText(entry, to, direction) : this.stepOps(entry, to);
      if (result === null) continue;
      if (!result.ok) return result;
      if (result.op.type === "group" && result.op.ops.length === 0) continue;
      return result;
    }
    return null;
  }

  private stepOps(entry: Extract<Entry, { kind: "ops" }>, to: Entry[]): SubmitResult {
    const opId = this.replica.newId();
    const parts = entry.parts.map((p) => p.part);
    const input = (parts.length === 1 ? { ...parts[0], opId } : { type: "group", opId, ops: parts }) as OpInput;
    const before = this.before();
    const result = this.replica.submit(input);
    if (!result.ok) return result;
    const writer = this.writer(opId);
    this.repoint(result.op, entry.parts, writer);
    const inverse = inverseOf(result.op, before, writer);
    if (inverse.length > 0) this.push(to, { kind: "ops", parts: inverse });
    return result;
  }

  private stepText(entry: Extract<Entry, { kind: "text" }>, to: Entry[], direction: "undo" | "redo"): SubmitResult | null {
    // A live doc that was replaced (the note was deleted and restored, or an edit rolled back) has no history here.
    if (this.replica.texts.get(entry.shapeId) !== entry.ydoc) return null;
    const manager = this.managerFor(entry.ydoc);
    const target = direction === "undo" ? manager.redoStack : manager.undoStack;
    const depth = target.length;
    const result = this.replica.commitText(entry.shapeId, () => (direction === "undo" ? manager.undo() : manager.redo()));
    if (result?.ok && target.length > depth) this.push(to, entry);
    return result;
  }

  /** After an undo/redo wrote properties back, entries that named the write it restored now name the undo. */
  private repoint(done: Op, planned: readonly InversePart[], writer: Writer): void {
    let next = 0;
    for (const part of partsOf(done)) {
      const index = planned.findIndex((p, i) => i >= next && p.part.type === part.type && idOf(p.part) === idOf(part));
      if (index < 0) continue;
      next = index + 1;
      for (const name of writtenProps(part)) {
        const restored = planned[index].restores[name];
        if (restored) this.renameWriter(idOf(part), name, restored, writer);
      }
    }
  }

  private renameWriter(shapeId: string, name: PropName, from: Writer, to: Writer): void {
    for (const stack of [this.undoStack, this.redoStack]) {
      for (const entry of stack) {
        if (entry.kind !== "ops") continue;
        for (const { part } of entry.parts) {
          if (idOf(part) !== shapeId || !("guard" in part) || typeof part.guard !== "object") continue;
          const guard = part.guard as Partial<Record<PropName, Writer>>;
          const current = guard[name];
          if (current && current.actor === from.actor && current.opId === from.opId) guard[name] = { ...to };
        }
      }
    }
  }

  private managerFor(ydoc: Y.Doc): Y.UndoManager {
    let manager = this.managers.get(ydoc);
    if (!manager) {
      manager = new Y.UndoManager(ydoc.getText(TEXT_ROOT), { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: this.captureTimeout });
      this.managers.set(ydoc, manager);
    }
    for (const [doc, stale] of this.managers) {
      if ([...this.replica.texts.values()].includes(doc)) continue;
      stale.destroy();
      this.managers.delete(doc);
    }
    return manager;
  }

  private clearRedo(): void {
    this.redoStack = [];
    for (const manager of this.managers.values()) manager.clear(false, true);
  }

  private push(stack: Entry[], entry: Entry): void {
    stack.push(entry);
    if (stack.length > MAX_UNDO_DEPTH) stack.shift();
  }

  private before(): Before {
    return { shapes: new Map(this.replica.board.shapes), texts: new Map(this.replica.texts) };
  }

  private writer(opId: string): Writer {
    return { actor: this.replica.actorId, opId };
  }
}

function partsOf(op: Op): SubOp[] {
  if (op.type === "group") return op.ops;
  const { opId: _opId, ...part } = op;
  return [part as SubOp];
}

function idOf(part: SubOp): string {
  return part.type === "create" ? part.shape.id : part.id;
}

function writtenProps(part: SubOp): PropName[] {
  switch (part.type) {
    case "update": return Object.keys(part.props) as PropName[];
    case "move": return ["x", "y"];
    case "reorder": return ["z"];
    case "create": return Object.keys(part.shape).filter((k) => k !== "id" && k !== "kind" && k !== "text") as PropName[];
    default: return [];
  }
}

/**
 * The parts that take back `op` (as it applied), newest first, each guarded
 * by `writer`. Restores of plain shapes go first so a restored arrow finds
 * its ends.
 */
export function inverseOf(op: Op, before: Before, writer: Writer): InversePart[] {
  const changed = new Map<string, ShapeRecord | null>();
  const lookup = (id: string) => (changed.has(id) ? changed.get(id) ?? undefined : before.shapes.get(id));
  const inverse: InversePart[] = [];
  for (const part of partsOf(op)) {
    switch (part.type) {
      case "create": {
        const { id, kind, text: _text, ...props } = part.shape;
        inverse.push({ part: { type: "delete", id, guard: "own" }, restores: {} });
        changed.set(id, { id, kind, props, writers: {}, textBy: [] });
        break;
      }
      case "update":
      case "move": {
        const record = lookup(part.id);
        if (!record) break;
        const written: Partial<ShapeProps> = part.type === "move" ? { x: part.x, y: part.y } : part.props;
        const old: Record<string, unknown> = {};
        const guard: Partial<Record<PropName, Writer>> = {};
        const restores: Partial<Record<PropName, Writer>> = {};
        for (const name of Object.keys(written) as PropName[]) {
          if (record.props[name] === undefined) continue;
          old[name] = record.props[name];
          guard[name] = writer;
          const previous = record.writers[name];
          if (previous) restores[name] = { actor: previous.actor, opId: previous.opId };
        }
        if (Object.keys(old).length > 0) inverse.push({ part: { type: "update", id: part.id, props: old, guard }, restores });
        changed.set(part.id, { ...record, props: { ...record.props, ...written } });
        break;
      }
      case "reorder": {
        const record = lookup(part.id);
        if (!record) break;
        const previous = record.writers.z;
        inverse.push({
          part: { type: "reorder", id: part.id, z: record.props.z!, guard: { z: writer } },
          restores: previous ? { z: { actor: previous.actor, opId: previous.opId } } : {},
        });
        changed.set(part.id, { ...record, props: { ...record.props, z: part.z } });
        break;
      }
      case "delete": {
        const record = lookup(part.id);
        if (!record) break;
        const ydoc = before.texts.get(part.id);
        const restores: Partial<Record<PropName, Writer>> = {};
        for (const [name, w] of Object.entries(record.writers)) if (w) restores[name as PropName] = { actor: w.actor, opId: w.opId };
        inverse.push({
          part: {
            type: "create",
            shape: { id: record.id, kind: record.kind, ...record.props, ...(ydoc ? { text: Y.encodeStateAsUpdate(ydoc) } : {}) } as Extract<SubOp, { type: "create" }>["shape"],
          },
          restores,
        });
        changed.set(part.id, null);
        break;
      }
      case "text":
        break; // text is undone through its UndoManager
    }
  }
  inverse.reverse();
  return hoistRestores(inverse);
}

/** Move restores of non-arrow shapes to the front, unless an earlier part touches the same id. */
function hoistRestores(parts: InversePart[]): InversePart[] {
  const hoisted: InversePart[] = [];
  const rest: InversePart[] = [];
  for (const entry of parts) {
    const { part } = entry;
    const id = idOf(part);
    const touchedEarlier = rest.some((p) => idOf(p.part) === id);
    if (part.type === "create" && part.shape.kind !== "arrow" && !touchedEarlier) hoisted.push(entry);
    else rest.push(entry);
  }
  return [...hoisted, ...rest];
}

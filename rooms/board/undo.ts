/**
 * Per-user undo and redo on top of a BoardReplica.
 *
 * An undo is an ordinary op sent through the server: the inverse of what this
 * user did. Each property it writes carries a guard naming the writer this
 * user's op left there, and the writer to put back. The server writes a
 * guarded property only if it still holds that writer's value and nobody else
 * wrote it since; otherwise that part is skipped and the rest applies, so an
 * undo never overwrites someone else's later change. Because the writer is
 * put back too, a property undone is exactly as before the op, and the next
 * undo down the stack finds the writer it expects. Undoing a create deletes
 * the shape only if nobody else's value or text stands on it. Redo is the
 * inverse of the undo, guarded the same way.
 *
 * Text uses one Yjs UndoManager per live text doc, tracking only LOCAL_ORIGIN:
 * Yjs undo removes only this user's characters and restores only what this
 * user deleted.
 */
import * as Y from "yjs";
import { LOCAL_ORIGIN, type BoardReplica, type SubmitResult } from "./client-model.ts";
import { TEXT_ROOT, type ShapeRecord, type Tombstone } from "./model.ts";
import type { Op, OpInput, PropName, ShapeProps, SubOp, Writer } from "./protocol.ts";

/** Entries kept per stack; older ones are forgotten. */
export const MAX_UNDO_DEPTH = 200;

type Entry =
  | { kind: "ops"; parts: SubOp[] }
  | { kind: "text"; shapeId: string; ydoc: Y.Doc };

/** The board as it was just before an op: enough to invert it. */
interface Before {
  shapes: ReadonlyMap<string, ShapeRecord>;
  tombstones: ReadonlyMap<string, Tombstone>;
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
    const parts = inverseOf(result.op, before, this.replica.actorId);
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
      if (result.op.type === "group" && result.op.ops.length === 0) {
        this.replica.withdraw(result.op.opId); // nothing of this user's is left to take back here: try the next entry
        continue;
      }
      return result;
    }
    return null;
  }

  private stepOps(entry: Extract<Entry, { kind: "ops" }>, to: Entry[]): SubmitResult {
    const opId = this.replica.newId();
    const { parts } = entry;
    const input = (parts.length === 1 ? { ...parts[0], opId } : { type: "group", opId, ops: parts }) as OpInput;
    const before = this.before();
    const result = this.replica.submit(input);
    if (!result.ok) return result;
    const inverse = inverseOf(result.op, before, this.replica.actorId);
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

  private managerFor(ydoc: Y.Doc): Y.UndoManager {
    let manager = this.managers.get(ydoc);
    if (!manager) {
      manager = new Y.UndoManager(ydoc.getText(TEXT_ROOT), { trackedOrigins: new Set([LOCAL_ORIGIN]), captureTimeout: this.captureTimeout });
      this.managers.set(ydoc, manager);
    }
    const live = new Set(this.replica.texts.values());
    for (const [doc, stale] of this.managers) {
      if (live.has(doc)) continue;
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
    return { shapes: new Map(this.replica.board.shapes), tombstones: new Map(this.replica.board.tombstones) };
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

/**
 * The parts that take back `op` (as it applied) by user `actorId`, newest
 * first. Each guarded property names the writer `op` left there (its own, or
 * the one it restored) and restores the one it replaced. Restores of plain
 * shapes go first so a restored arrow finds its ends.
 */
export function inverseOf(op: Op, before: Before, actorId: string): SubOp[] {
  const own: Writer = { actor: actorId, opId: op.opId };
  const changed = new Map<string, ShapeRecord | null>();
  const lookup = (id: string) => (changed.has(id) ? changed.get(id) ?? undefined : before.shapes.get(id));
  const inverse: SubOp[] = [];
  const kinds = new Map<string, string>();
  for (const part of partsOf(op)) {
    switch (part.type) {
      case "create": {
        const { id, kind, text: _text, ...props } = part.shape;
        const guard: Partial<Record<PropName, Writer>> = {};
        for (const name of Object.keys(props) as PropName[]) guard[name] = own;
        inverse.push({ type: "delete", id, guard });
        changed.set(id, { id, kind, props, writers: {}, textBy: [] });
        break;
      }
      case "restore": {
        const record = before.tombstones.get(part.id)?.record;
        if (!record) break;
        const guard: Partial<Record<PropName, Writer>> = {};
        for (const [name, w] of Object.entries(record.writers)) if (w) guard[name as PropName] = { actor: w.actor, opId: w.opId };
        inverse.push({ type: "delete", id: part.id, guard });
        changed.set(part.id, record);
        break;
      }
      case "update":
      case "move":
      case "reorder": {
        const record = lookup(part.id);
        if (!record) break;
        const written: Partial<ShapeProps> = part.type === "move" ? { x: part.x, y: part.y } : part.type === "reorder" ? { z: part.z } : part.props;
        const left = (part.restore ?? {}) as Partial<Record<PropName, Writer>>;
        const old: Record<string, unknown> = {};
        const guard: Partial<Record<PropName, Writer>> = {};
        const restore: Partial<Record<PropName, Writer>> = {};
        for (const name of Object.keys(written) as PropName[]) {
          if (record.props[name] === undefined) continue;
          old[name] = record.props[name];
          guard[name] = left[name] ?? own;
          const previous = record.writers[name];
          if (previous) restore[name] = { actor: previous.actor, opId: previous.opId };
        }
        if (Object.keys(old).length > 0) {
          inverse.push(part.type === "reorder"
            ? { type: "reorder", id: part.id, z: old.z as string, guard: { z: guard.z! }, ...(restore.z ? { restore: { z: restore.z } } : {}) }
            : { type: "update", id: part.id, props: old, guard, restore });
        }
        changed.set(part.id, { ...record, props: { ...record.props, ...written } });
        break;
      }
      case "delete": {
        const record = lookup(part.id);
        if (!record) break;
        inverse.push({ type: "restore", id: part.id });
        kinds.set(part.id, record.kind);
        changed.set(part.id, null);
        break;
      }
      case "text":
        break; // text is undone through its UndoManager
    }
  }
  inverse.reverse();
  return hoistRestores(inverse, kinds);
}

/** Move restores of non-arrow shapes to the front, unless an earlier part touches the same id. */
function hoistRestores(parts: SubOp[], kinds: ReadonlyMap<string, string>): SubOp[] {
  const hoisted: SubOp[] = [];
  const rest: SubOp[] = [];
  for (const part of parts) {
    const id = idOf(part);
    const touchedEarlier = rest.some((p) => idOf(p) === id);
    if (part.type === "restore" && kinds.get(id) !== "arrow" && !touchedEarlier) hoisted.push(part);
    else rest.push(part);
  }
  return [...hoisted, ...rest];
}

/**
 * The server-authoritative board model: one pure function applies one op.
 *
 * Contract, because the server, every client replica and the bots run this
 * same code and must agree exactly: no clocks, no randomness, no I/O, nothing
 * read from outside the arguments. A bad op is a returned rejection, never a
 * throw. Server order decides every conflict: each property is a
 * last-writer-wins register stamped with the sequence number of the op that
 * wrote it, z-order is a fractional index made unique by the server, and the
 * text of notes and text shapes is a Yjs document per shape.
 *
 * `applyOp` mutates `doc` in place (shape records themselves are replaced,
 * never edited, so a replica can copy the board by copying its maps).
 */
import * as Y from "yjs";
import { generateKeyBetween } from "fractional-indexing";
import {
  DEDUPE_WINDOW, MAX_RESTORABLE, MAX_RESTORABLE_TEXT_BYTES, MAX_SHAPES, MAX_TEXT_LENGTH, MAX_TEXT_STATE_BYTES, MAX_TOMBSTONES,
  OP_BURST, OP_RATE_PER_SECOND, Op, OpsMessage, REJECTION_MESSAGES, TEXT_KINDS, propsOfKind, rejection,
  type AppliedOp, type BoardSnapshot, type PropName, type Rejection, type RejectionCode,
  type Role, type ShapeKind, type ShapeProps, type ShapeSnapshot, type SubOp, type Writer,
} from "./protocol.ts";

/** The shared type inside each shape's Y.Doc that holds its text. */
export const TEXT_ROOT = "text";

/** Who is acting: the id comes from the identity, the role from the board's permissions. */
export interface Actor {
  id: string;
  role: Role;
}

/** A property's writer as stored: whose value it is, when it was written, and who wrote it last (differs after an undo puts back someone's value). */
export interface StampedWriter extends Writer {
  seq: number;
  by: string;
}

/** One shape. Immutable: an op replaces the record. */
export interface ShapeRecord {
  readonly id: string;
  readonly kind: ShapeKind;
  readonly props: Readonly<Partial<ShapeProps>>;
  readonly writers: Readonly<Partial<Record<PropName, StampedWriter>>>;
  /** Users who have typed in the shape since it was created or restored; an undo deletes it only if that is just the undoer. */
  readonly textBy: readonly string[];
}

export interface BoardDoc {
  /** Sequence number of the last applied op; 0 for an empty board. */
  seq: number;
  shapes: Map<string, ShapeRecord>;
  /** Text documents of note and text shapes, by shape id. */
  texts: Map<string, Y.Doc>;
  /** Deleted ids (insertion order, oldest forgotten first). */
  tombstones: Map<string, Tombstone>;
  /** Per user: op id → seq, the last DEDUPE_WINDOW ops applied. */
  applied: Map<string, Map<string, number>>;
  /** z key → the shape holding it: keys are unique, and a collision is found without a scan. */
  zKeys: Map<string, string>;
}

/** A deleted shape: who deleted it (only they may reuse the id) and, for the newest MAX_RESTORABLE, the shape itself so their undo can bring it back. */
export interface Tombstone {
  readonly by: string;
  readonly record?: ShapeRecord;
  /** Full Yjs state of its text when it was deleted. */
  readonly text?: Uint8Array;
}

export type ApplyResult =
  | { ok: true; doc: BoardDoc; applied: AppliedOp; duplicate: false }
  | { ok: true; doc: BoardDoc; applied: null; duplicate: true; seq: number }
  | { ok: false; rejection: Rejection };

/** Origin of Yjs transactions the model applies, so a client's UndoManager never tracks them. */
export const MODEL_ORIGIN = Symbol("board-model");

export function createBoard(): BoardDoc {
  return { seq: 0, shapes: new Map(), texts: new Map(), tombstones: new Map(), applied: new Map(), zKeys: new Map() };
}

/**
 * Validate and apply one op from `actor` (the server's entry point). The op
 * arrives as untrusted data; a valid op is stamped with the next sequence
 * number and returned normalised (guards resolved, skipped parts removed,
 * z made unique), which is what the server broadcasts.
 */
export function applyOp(doc: BoardDoc, input: unknown, actor: Actor): ApplyResult {
  const parsed = Op.safeParse(input);
  const opId = typeof (input as { opId?: unknown })?.opId === "string" ? (input as { opId: string }).opId : "";
  if (!parsed.success) return { ok: false, rejection: rejectionFromIssues(opId, parsed.error.issues) };
  const op = parsed.data;
  if (actor.role === "viewer") {
    return { ok: false, rejection: rejection(op.opId, "FORBIDDEN_VIEWER") };
  }
  const seen = doc.applied.get(actor.id)?.get(op.opId);
  if (seen !== undefined) return { ok: true, doc, applied: null, duplicate: true, seq: seen };

  const seq = doc.seq + 1;
  let result: Outcome;
  try {
    result = execute(doc, op, actor.id, seq, false);
  } catch {
    // Validation runs before anything is committed, so a throw here means a malformed op slipped past it.
    return { ok: false, rejection: rejection(op.opId, "INVALID_OP", "The op could not be applied; it was dropped and the board is unchanged.") };
  }
  if (!result.ok) return { ok: false, rejection: { opId: op.opId, code: result.code, message: result.message } };
  doc.seq = seq;
  remember(doc, actor.id, op.opId, seq);
  return { ok: true, doc, applied: { seq, actor: actor.id, op: result.op }, duplicate: false };
}

/**
 * Check a client's `BoardMessage.ops` message as a whole: at most
 * MAX_OPS_PER_MESSAGE ops, each then given to `applyOp`. A refused message
 * refuses all its ops (opId "").
 */
export function readOpsMessage(input: unknown): { ok: true; ops: unknown[] } | { ok: false; rejection: Rejection } {
  const parsed = OpsMessage.safeParse(input);
  if (parsed.success) return { ok: true, ops: parsed.data.ops };
  const tooMany = parsed.error.issues.some((issue) => issue.code === "too_big" && issue.path[0] === "ops");
  return { ok: false, rejection: tooMany ? rejection("", "LIMIT_OPS") : rejection("", "INVALID_OP", "An ops message is { ops: [...] } with at least one op.") };
}

/**
 * Apply an op the server already ordered (a replica following the server).
 * It must succeed, since the replica holds the state the server applied it to;
 * a failure means the replica diverged and should reload a snapshot.
 */
export function applyOrdered(doc: BoardDoc, applied: AppliedOp): void {
  if (applied.seq !== doc.seq + 1) throw new BoardDivergedError(`expected op ${doc.seq + 1}, got ${applied.seq}`);
  const result = execute(doc, applied.op, applied.actor, applied.seq, true);
  if (!result.ok) throw new BoardDivergedError(`server op ${applied.seq} does not apply here: ${result.message}`);
  doc.seq = applied.seq;
}

/**
 * Apply one of this user's own ops optimistically (a replica, before the
 * server has ordered it). Same rules as the server, no stamp: `seq` is 0
 * until the server's copy arrives.
 */
export function applyLocal(doc: BoardDoc, op: Op, actorId: string): { ok: true; op: Op } | { ok: false; rejection: Rejection } {
  const result = execute(doc, op, actorId, 0, false);
  if (!result.ok) return { ok: false, rejection: { opId: op.opId, code: result.code, message: result.message } };
  return result;
}

export class BoardDivergedError extends Error {
  override name = "BoardDivergedError";
}

function remember(doc: BoardDoc, actorId: string, opId: string, seq: number): void {
  let ids = doc.applied.get(actorId);
  if (!ids) doc.applied.set(actorId, (ids = new Map()));
  ids.set(opId, seq);
  if (ids.size > DEDUPE_WINDOW) ids.delete(ids.keys().next().value!);
}

// ---------------------------------------------------------------------------
// Execution: a draft over the doc, committed only if every part is valid, so
// a group applies entirely or not at all.

type Outcome = { ok: true; op: Op } | { ok: false; code: RejectionCode; message: string };
type PartOutcome = { ok: true; part: SubOp | null } | { ok: false; code: RejectionCode; message: string };

type TextAction = { id: string; drop: true } | { id: string; drop: false; update: Uint8Array };

class Draft {
  readonly changed = new Map<string, ShapeRecord | null>();
  readonly tombstones = new Map<string, Tombstone | null>();
  readonly textActions: TextAction[] = [];
  /** Scratch copies of texts touched in this draft, for validation before anything real changes. */
  private readonly scratch = new Map<string, Y.Doc | null>();
  /** Text updates that passed the quick check, by shape, not yet on any copy. */
  private readonly quick = new Map<string, Uint8Array[]>();
  private liveDelta = 0;

  readonly doc: BoardDoc;
  readonly actorId: string;
  readonly seq: number;
  readonly opId: string;
  /** Replaying an op the server ordered: its text was checked there, and this replica's size memo must not judge it differently. */
  readonly ordered: boolean;

  constructor(doc: BoardDoc, actorId: string, seq: number, opId: string, ordered: boolean) {
    this.ordered = ordered;
    this.doc = doc;
    this.actorId = actorId;
    this.seq = seq;
    this.opId = opId;
  }

  get(id: string): ShapeRecord | undefined {
    if (this.changed.has(id)) return this.changed.get(id) ?? undefined;
    return this.doc.shapes.get(id);
  }

  put(record: ShapeRecord): void {
    if (!this.get(record.id)) this.liveDelta++;
    this.changed.set(record.id, record);
  }

  remove(id: string): void {
    const record = this.get(id);
    if (record) this.liveDelta--;
    const ydoc = this.scratch.has(id) || this.quick.has(id) ? this.scratchFor(id) : this.doc.texts.get(id);
    this.changed.set(id, null);
    this.tombstones.set(id, { by: this.actorId, record, ...(ydoc ? { text: Y.encodeStateAsUpdate(ydoc) } : {}) });
    this.scratch.set(id, null);
    this.textActions.push({ id, drop: true });
  }

  liveCount(): number {
    return this.doc.shapes.size + this.liveDelta;
  }

  tombstoneOf(id: string): Tombstone | undefined {
    if (this.tombstones.has(id)) return this.tombstones.get(id) ?? undefined;
    return this.doc.tombstones.get(id);
  }

  /** Does a shape other than `selfId` hold z key `key` in this draft? */
  zTaken(key: string, selfId: string): boolean {
    for (const record of this.changed.values()) if (record && record.id !== selfId && record.props.z === key) return true;
    const holder = this.doc.zKeys.get(key);
    return holder !== undefined && holder !== selfId && !this.changed.has(holder);
  }

  forEachLive(visit: (record: ShapeRecord) => void): void {
    for (const [id, record] of this.doc.shapes) if (!this.changed.has(id)) visit(record);
    for (const record of this.changed.values()) if (record) visit(record);
  }

  stamp(restored?: Writer): StampedWriter {
    if (restored) return { actor: restored.actor, opId: restored.opId, seq: this.seq, by: this.actorId };
    return { actor: this.actorId, opId: this.opId, seq: this.seq, by: this.actorId };
  }

  /**
   * Check a Yjs update to the shape's text. Typing passes a quick check on
   * the update alone; anything near a limit, or a second edit of the same
   * text in one group, is applied to a scratch copy and checked exactly.
   */
  text(id: string, update: Uint8Array, fresh: boolean): { ok: true } | { ok: false; code: RejectionCode; message: string } {
    const base = fresh ? undefined : this.doc.texts.get(id);
    if (base && !this.scratch.has(id) && !this.quick.has(id)) {
      const quick = this.ordered ? "ok" : quickCheckText(base, update);
      if (quick === "ok") {
        this.quick.set(id, [update]);
        this.textActions.push({ id, drop: false, update });
        return { ok: true };
      }
      if (quick !== "exact") return quick;
    }
    const scratch = fresh ? new Y.Doc() : this.scratchFor(id);
    try {
      Y.applyUpdate(scratch, update);
    } catch {
      return { ok: false, code: "INVALID_OP", message: "The text update is not a readable Yjs update." };
    }
    if (!this.ordered) {
      const checked = checkText(scratch);
      if (!checked.ok) return checked;
      if (base) stateBytes.set(base, checked.bytes);
    }
    this.scratch.set(id, scratch);
    this.textActions.push({ id, drop: false, update });
    return { ok: true };
  }

  /** The shape's text as this draft has it, on a copy. */
  private scratchFor(id: string): Y.Doc {
    const existing = this.scratch.get(id);
    if (existing) return existing;
    const copy = new Y.Doc();
    if (this.scratch.has(id)) return copy; // removed in this draft
    const base = this.doc.texts.get(id);
    if (base) Y.applyUpdate(copy, Y.encodeStateAsUpdate(base));
    for (const update of this.quick.get(id) ?? []) Y.applyUpdate(copy, update);
    this.quick.delete(id);
    this.scratch.set(id, copy);
    return copy;
  }

  commit(): void {
    // Texts first: everything was checked, but if Yjs still threw, no shape would have changed yet.
    for (const action of this.textActions) {
      if (action.drop) {
        this.doc.texts.delete(action.id);
        continue;
      }
      let ydoc = this.doc.texts.get(action.id);
      if (!ydoc) this.doc.texts.set(action.id, (ydoc = new Y.Doc()));
      Y.applyUpdate(ydoc, action.update, MODEL_ORIGIN);
    }
    for (const id of this.changed.keys()) {
      const old = this.doc.shapes.get(id);
      if (old && this.doc.zKeys.get(old.props.z!) === id) this.doc.zKeys.delete(old.props.z!);
    }
    for (const [id, record] of this.changed) {
      if (record) {
        this.doc.shapes.set(id, record);
        this.doc.zKeys.set(record.props.z!, id);
      } else {
        this.doc.shapes.delete(id);
      }
    }
    if (this.tombstones.size > 0) {
      for (const [id, tombstone] of this.tombstones) {
        this.doc.tombstones.delete(id);
        if (tombstone !== null) this.doc.tombstones.set(id, tombstone);
      }
      forgetOldTombstones(this.doc.tombstones);
    }
  }
}

/** Keep at most MAX_TOMBSTONES ids, and whole shapes only for the newest deletes that fit MAX_RESTORABLE and MAX_RESTORABLE_TEXT_BYTES. */
function forgetOldTombstones(tombstones: Map<string, Tombstone>): void {
  while (tombstones.size > MAX_TOMBSTONES) tombstones.delete(tombstones.keys().next().value!);
  let whole = 0;
  let bytes = 0;
  for (const tombstone of tombstones.values()) {
    if (tombstone.record) whole++;
    bytes += tombstone.text?.byteLength ?? 0;
  }
  for (const [id, tombstone] of tombstones) {
    if (whole <= MAX_RESTORABLE && bytes <= MAX_RESTORABLE_TEXT_BYTES) break;
    if (!tombstone.record) continue;
    tombstones.set(id, { by: tombstone.by });
    whole--;
    bytes -= tombstone.text?.byteLength ?? 0;
  }
}

/**
 * Upper bound of each live text's encoded size, so the quick check need not
 * encode the whole text per keystroke. A memo of the docs' own state: it only
 * ever over-estimates, and the exact check refreshes it.
 */
const stateBytes = new WeakMap<Y.Doc, number>();

/**
 * Judge an update to `base` from the update alone: "ok", a refusal, or
 * "exact" when only applying it to a copy can tell (near a limit, or it
 * builds on edits `base` lacks).
 */
function quickCheckText(base: Y.Doc, update: Uint8Array): "ok" | "exact" | { ok: false; code: RejectionCode; message: string } {
  let decoded: { structs: (Y.Item | Y.GC | Y.Skip)[]; ds: { clients: Map<number, { clock: number; len: number }[]> } };
  try {
    decoded = Y.decodeUpdate(update);
  } catch {
    return { ok: false, code: "INVALID_OP", message: "The text update is not a readable Yjs update." };
  }
  const known = new Map<number, number>();
  const stateOf = (client: number) => known.get(client) ?? Y.getState(base.store, client);
  let inserted = 0;
  for (const struct of decoded.structs) {
    if (struct instanceof Y.Skip) return "exact";
    if (struct.id.clock > stateOf(struct.id.client)) return "exact";
    known.set(struct.id.client, Math.max(stateOf(struct.id.client), struct.id.clock + struct.length));
    if (!(struct instanceof Y.Item)) continue;
    const parent: unknown = struct.parent; // decoded: a root's name, an item's id, or null (follows its origin)
    if (struct.parentSub !== null || (parent !== null && parent !== TEXT_ROOT)) {
      return { ok: false, code: "INVALID_OP", message: `A shape's text holds only the "${TEXT_ROOT}" type.` };
    }
    if (struct.content instanceof Y.ContentString) inserted += struct.content.getLength();
    else if (!(struct.content instanceof Y.ContentDeleted)) {
      return { ok: false, code: "INVALID_OP", message: "A shape's text is plain characters, without embeds or formatting." };
    }
    for (const ref of [struct.origin, struct.rightOrigin]) if (ref && ref.clock >= stateOf(ref.client)) return "exact";
  }
  for (const [client, deletes] of decoded.ds.clients) {
    for (const deleted of deletes) if (deleted.clock + deleted.len > stateOf(client)) return "exact";
  }
  if (base.getText(TEXT_ROOT).length + inserted > MAX_TEXT_LENGTH) return "exact";
  const bytes = stateBytes.get(base) ?? Y.encodeStateAsUpdate(base).byteLength;
  if (bytes + update.byteLength > MAX_TEXT_STATE_BYTES) return "exact";
  stateBytes.set(base, bytes + update.byteLength);
  return "ok";
}

function checkText(ydoc: Y.Doc): { ok: true; bytes: number } | { ok: false; code: RejectionCode; message: string } {
  if (ydoc.store.pendingStructs !== null || ydoc.store.pendingDs !== null) {
    return { ok: false, code: "INVALID_OP", message: "The text update builds on edits the server does not have; reload the board." };
  }
  for (const name of ydoc.share.keys()) {
    if (name !== TEXT_ROOT) return { ok: false, code: "INVALID_OP", message: `A shape's text holds only the "${TEXT_ROOT}" type.` };
  }
  const text = ydoc.getText(TEXT_ROOT);
  for (const part of text.toDelta() as { insert: unknown; attributes?: unknown }[]) {
    if (typeof part.insert !== "string" || part.attributes !== undefined) {
      return { ok: false, code: "INVALID_OP", message: "A shape's text is plain characters, without embeds or formatting." };
    }
  }
  if (text.length > MAX_TEXT_LENGTH) {
    return { ok: false, code: "LIMIT_TEXT", message: REJECTION_MESSAGES.LIMIT_TEXT };
  }
  const bytes = Y.encodeStateAsUpdate(ydoc).byteLength;
  if (bytes > MAX_TEXT_STATE_BYTES) {
    return { ok: false, code: "LIMIT_TEXT", message: "This shape's text has too much edit history; copy it into a new note." };
  }
  return { ok: true, bytes };
}

function execute(doc: BoardDoc, op: Op, actorId: string, seq: number, ordered: boolean): Outcome {
  const draft = new Draft(doc, actorId, seq, op.opId, ordered);
  let normalised: Op;
  if (op.type === "group") {
    const parts: SubOp[] = [];
    for (const sub of op.ops) {
      const outcome = executePart(draft, sub);
      if (!outcome.ok) return outcome;
      if (outcome.part) parts.push(outcome.part);
    }
    normalised = { type: "group", opId: op.opId, ops: parts };
  } else {
    const { opId, ...body } = op;
    const outcome = executePart(draft, body as SubOp);
    if (!outcome.ok) return outcome;
    normalised = outcome.part ? ({ ...outcome.part, opId } as Op) : { type: "group", opId, ops: [] };
  }
  draft.commit();
  return { ok: true, op: normalised };
}

function executePart(draft: Draft, part: SubOp): PartOutcome {
  switch (part.type) {
    case "create": return create(draft, part);
    case "update": return update(draft, part.id, part.props, part.guard, part.restore);
    case "move": return update(draft, part.id, { x: part.x, y: part.y }, part.guard, part.restore);
    case "delete": return remove(draft, part.id, part.guard);
    case "restore": return restore(draft, part.id);
    case "reorder": return reorder(draft, part.id, part.z, part.guard, part.restore);
    case "text": return editText(draft, part.id, part.update);
  }
}

function fail(code: RejectionCode, message: string): PartOutcome {
  return { ok: false, code, message };
}

function create(draft: Draft, part: Extract<SubOp, { type: "create" }>): PartOutcome {
  const { text, kind, id, ...given } = part.shape;
  if (draft.get(id)) return fail("ID_TAKEN", `A shape with id ${id} already exists; pick a new id.`);
  const deletedBy = draft.tombstoneOf(id)?.by;
  if (deletedBy !== undefined && deletedBy !== draft.actorId) {
    return fail("ID_TAKEN", `Id ${id} belonged to a shape someone else deleted; pick a new id.`);
  }
  if (draft.liveCount() >= MAX_SHAPES) return fail("LIMIT_SHAPES", REJECTION_MESSAGES.LIMIT_SHAPES);

  const allowed = propsOfKind(kind);
  const props: Partial<ShapeProps> = {};
  for (const [name, value] of Object.entries(given) as [PropName, unknown][]) {
    if (value === undefined) continue;
    if (!allowed.includes(name)) return fail("INVALID_OP", `A ${kind} has no ${name}.`);
    (props as Record<string, unknown>)[name] = value;
  }
  if (text !== undefined && !TEXT_KINDS.has(kind)) return fail("INVALID_OP", `A ${kind} has no text.`);
  if (kind === "stroke" && !props.points) return fail("INVALID_OP", "A stroke needs its points.");
  if (kind === "arrow") {
    if (props.from === undefined || props.to === undefined) return fail("INVALID_OP", "An arrow needs the shapes it connects (from, to).");
    const ends = checkArrowEnds(draft, id, props.from, props.to);
    if (ends) return ends;
  }
  const z = uniqueKey(draft, props.z!, id);
  if (z === null) return fail("INVALID_OP", "z is not a fractional index; use keyAbove/keyBetween to make one.");
  props.z = z;

  const writers: Partial<Record<PropName, StampedWriter>> = {};
  for (const name of Object.keys(props) as PropName[]) writers[name] = draft.stamp();
  const textBy: string[] = [];
  if (TEXT_KINDS.has(kind)) {
    const checked = draft.text(id, text ?? new Uint8Array(EMPTY_UPDATE), true);
    if (!checked.ok) return checked;
    if (text !== undefined) textBy.push(draft.actorId);
  }
  draft.put({ id, kind, props, writers, textBy });
  draft.tombstones.set(id, null);
  return { ok: true, part: { type: "create", shape: { ...part.shape, z } } };
}

type Writers = Partial<Record<PropName, Writer>>;

function update(draft: Draft, id: string, props: Partial<ShapeProps>, guard: Writers | undefined, restore: Writers | undefined): PartOutcome {
  const record = draft.get(id);
  if (!record) return guard ? { ok: true, part: null } : fail("NOT_FOUND", `Shape ${id} does not exist (it may have been deleted).`);
  const allowed = propsOfKind(record.kind);
  const written: Partial<ShapeProps> = {};
  for (const [name, value] of Object.entries(props) as [PropName, unknown][]) {
    if (value === undefined) continue;
    if (!allowed.includes(name) || name === "z") return fail("INVALID_OP", `A ${record.kind} has no settable ${name}.`);
    const expected = guard?.[name];
    if (expected && !guardHolds(record.writers[name], expected, draft.actorId)) continue;
    (written as Record<string, unknown>)[name] = value;
  }
  if (record.kind === "arrow" && (written.from !== undefined || written.to !== undefined)) {
    const ends = checkArrowEnds(draft, id, written.from ?? record.props.from!, written.to ?? record.props.to!);
    if (ends && !guard) return ends;
    if (ends) {
      // An undo cannot point the arrow back at a shape that is gone: that part is skipped.
      delete written.from;
      delete written.to;
    }
  }
  if (guard && Object.keys(written).length === 0) return { ok: true, part: null };
  const writers = { ...record.writers };
  const restored: Writers = {};
  for (const name of Object.keys(written) as PropName[]) {
    writers[name] = draft.stamp(restore?.[name]);
    if (restore?.[name]) restored[name] = restore[name];
  }
  draft.put({ ...record, props: { ...record.props, ...written }, writers });
  return { ok: true, part: { type: "update", id, props: written, ...(Object.keys(restored).length > 0 ? { restore: restored } : {}) } };
}

function remove(draft: Draft, id: string, guard: Writers | undefined): PartOutcome {
  const record = draft.get(id);
  if (!record) return guard ? { ok: true, part: null } : fail("NOT_FOUND", `Shape ${id} does not exist (it may have been deleted already).`);
  if (guard && !untouchedSince(record, guard, draft.actorId)) return { ok: true, part: null };
  draft.remove(id);
  return { ok: true, part: { type: "delete", id } };
}

function restore(draft: Draft, id: string): PartOutcome {
  const tombstone = draft.tombstoneOf(id);
  const record = tombstone?.record;
  if (draft.get(id) || !record || tombstone.by !== draft.actorId) return { ok: true, part: null };
  if (draft.liveCount() >= MAX_SHAPES) return fail("LIMIT_SHAPES", REJECTION_MESSAGES.LIMIT_SHAPES);
  if (record.kind === "arrow" && checkArrowEnds(draft, id, record.props.from!, record.props.to!)) return { ok: true, part: null };
  const z = uniqueKey(draft, record.props.z!, id)!;
  const writers: Partial<Record<PropName, StampedWriter>> = {};
  for (const [name, writer] of Object.entries(record.writers) as [PropName, StampedWriter][]) writers[name] = draft.stamp(writer);
  if (tombstone.text) {
    const checked = draft.text(id, tombstone.text, true);
    if (!checked.ok) return checked;
  }
  draft.put({ ...record, props: { ...record.props, z }, writers, textBy: [] });
  draft.tombstones.set(id, null);
  return { ok: true, part: { type: "restore", id } };
}

function reorder(draft: Draft, id: string, key: string, guard: { z: Writer } | undefined, restore: { z: Writer } | undefined): PartOutcome {
  const record = draft.get(id);
  if (!record) return guard ? { ok: true, part: null } : fail("NOT_FOUND", `Shape ${id} does not exist (it may have been deleted).`);
  if (guard && !guardHolds(record.writers.z, guard.z, draft.actorId)) return { ok: true, part: null };
  const z = uniqueKey(draft, key, id);
  if (z === null) return fail("INVALID_OP", "z is not a fractional index; use keyAbove/keyBetween to make one.");
  draft.put({ ...record, props: { ...record.props, z }, writers: { ...record.writers, z: draft.stamp(restore?.z) } });
  return { ok: true, part: { type: "reorder", id, z, ...(restore ? { restore } : {}) } };
}

function editText(draft: Draft, id: string, update: Uint8Array): PartOutcome {
  const record = draft.get(id);
  if (!record) return fail("NOT_FOUND", `Shape ${id} does not exist (it may have been deleted).`);
  if (!TEXT_KINDS.has(record.kind)) return fail("INVALID_OP", `A ${record.kind} has no text.`);
  const checked = draft.text(id, update, false);
  if (!checked.ok) return checked;
  if (!record.textBy.includes(draft.actorId)) draft.put({ ...record, textBy: [...record.textBy, draft.actorId] });
  return { ok: true, part: { type: "text", id, update } };
}

function checkArrowEnds(draft: Draft, id: string, from: string, to: string): PartOutcome | null {
  if (from === to || from === id || to === id) return fail("INVALID_OP", "An arrow connects two different shapes other than itself.");
  for (const end of [from, to]) {
    const target = draft.get(end);
    if (!target) return fail("NOT_FOUND", `The arrow's end ${end} does not exist.`);
    if (target.kind === "arrow") return fail("INVALID_OP", "An arrow connects shapes, not other arrows.");
  }
  return null;
}

/** The property still holds the expected writer's value, and nobody but `actorId` wrote it since. */
function guardHolds(current: StampedWriter | undefined, expected: Writer, actorId: string): boolean {
  return current !== undefined && current.actor === expected.actor && current.opId === expected.opId && current.by === actorId;
}

/** Every property still holds what `guard` names, written last by `actorId`, and nobody else typed in it: deleting it reverts nobody else's work. */
function untouchedSince(record: ShapeRecord, guard: Writers, actorId: string): boolean {
  for (const [name, writer] of Object.entries(record.writers) as [PropName, StampedWriter][]) {
    const expected = guard[name];
    if (!expected || !guardHolds(writer, expected, actorId)) return false;
  }
  return record.textBy.every((by) => by === actorId);
}

const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc());

// ---------------------------------------------------------------------------
// Z-order: fractional indices. Two clients that pick the same key concurrently
// are told apart by the server, which moves the later one just above it.

export function isOrderKey(key: string): boolean {
  try {
    generateKeyBetween(key, null);
    return true;
  } catch {
    return false;
  }
}

function uniqueKey(draft: Draft, key: string, selfId: string): string | null {
  if (!isOrderKey(key)) return null;
  if (!draft.zTaken(key, selfId)) return key;
  let next: string | null = null;
  draft.forEachLive((record) => {
    const z = record.props.z!;
    if (record.id !== selfId && z > key && (next === null || z < next)) next = z;
  });
  return generateKeyBetween(key, next);
}

/** Shapes in drawing order: ascending z (keys are unique on the server; id breaks ties in an optimistic view). */
export function shapesInOrder(doc: BoardDoc): ShapeRecord[] {
  return [...doc.shapes.values()].sort((a, b) => compareKeys(a.props.z!, b.props.z!) || compareKeys(a.id, b.id));
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A key above every shape: where a new shape or "bring to front" goes. */
export function keyAbove(doc: BoardDoc): string {
  let top: string | null = null;
  for (const record of doc.shapes.values()) if (top === null || record.props.z! > top) top = record.props.z!;
  return generateKeyBetween(top, null);
}

/** A key below every shape ("send to back"). */
export function keyBelow(doc: BoardDoc): string {
  let bottom: string | null = null;
  for (const record of doc.shapes.values()) if (bottom === null || record.props.z! < bottom) bottom = record.props.z!;
  return generateKeyBetween(null, bottom);
}

/** A key strictly between two keys (null for an open end). */
export function keyBetween(lower: string | null, upper: string | null): string {
  return generateKeyBetween(lower, upper);
}

// ---------------------------------------------------------------------------
// Text helpers.

/** A Yjs update that creates a text holding `initial`: the `text` of a create op. */
export function textUpdateFrom(initial: string): Uint8Array {
  const ydoc = new Y.Doc();
  ydoc.getText(TEXT_ROOT).insert(0, initial);
  return Y.encodeStateAsUpdate(ydoc);
}

export function textOf(doc: BoardDoc, id: string): string | undefined {
  return doc.texts.get(id)?.getText(TEXT_ROOT).toString();
}

// ---------------------------------------------------------------------------
// Rate: a token bucket per user, with the clock passed in so the model stays pure.

export interface OpBudget {
  tokens: number;
  /** ms of the last refill. */
  at: number;
}

export function createOpBudget(now: number): OpBudget {
  return { tokens: OP_BURST, at: now };
}

/** Take `count` ops from the budget; false (and nothing taken) if the user is over the rate. */
export function spendOpBudget(budget: OpBudget, now: number, count = 1): boolean {
  const elapsed = Math.max(0, now - budget.at);
  budget.tokens = Math.min(OP_BURST, budget.tokens + (elapsed / 1000) * OP_RATE_PER_SECOND);
  budget.at = now;
  if (budget.tokens < count) return false;
  budget.tokens -= count;
  return true;
}

// ---------------------------------------------------------------------------
// Snapshots: the whole board in one value, for late joiners and storage.

export function snapshotBoard(doc: BoardDoc, options: { withApplied?: boolean } = {}): BoardSnapshot {
  const shapes: ShapeSnapshot[] = [];
  for (const record of doc.shapes.values()) {
    const ydoc = doc.texts.get(record.id);
    shapes.push(shapeSnapshot(record, ydoc ? Y.encodeStateAsUpdate(ydoc) : undefined));
  }
  const tombstones = [...doc.tombstones].map(([id, { by, record, text }]) => ({ id, by, ...(record ? { shape: shapeSnapshot(record, text) } : {}) }));
  const snapshot: BoardSnapshot = { seq: doc.seq, shapes, tombstones };
  if (options.withApplied) snapshot.applied = [...doc.applied].map(([actor, ids]) => [actor, [...ids]]);
  return snapshot;
}

function shapeSnapshot(record: ShapeRecord, text: Uint8Array | undefined): ShapeSnapshot {
  return {
    id: record.id, kind: record.kind, props: { ...record.props }, writers: { ...record.writers }, textBy: [...record.textBy],
    ...(text ? { text } : {}),
  };
}

function shapeRecord(shape: ShapeSnapshot): ShapeRecord {
  return { id: shape.id, kind: shape.kind, props: { ...shape.props }, writers: { ...shape.writers }, textBy: [...shape.textBy] };
}

/** Rebuild a board from a snapshot this model produced (stored or sent by the server). */
export function boardFromSnapshot(snapshot: BoardSnapshot): BoardDoc {
  const doc = createBoard();
  doc.seq = snapshot.seq;
  for (const shape of snapshot.shapes) {
    doc.shapes.set(shape.id, shapeRecord(shape));
    doc.zKeys.set(shape.props.z!, shape.id);
    if (shape.text) {
      const ydoc = new Y.Doc();
      Y.applyUpdate(ydoc, shape.text, MODEL_ORIGIN);
      doc.texts.set(shape.id, ydoc);
    }
  }
  for (const { id, by, shape } of snapshot.tombstones) {
    doc.tombstones.set(id, shape ? { by, record: shapeRecord(shape), ...(shape.text ? { text: shape.text } : {}) } : { by });
  }
  for (const [actor, ids] of snapshot.applied ?? []) doc.applied.set(actor, new Map(ids));
  return doc;
}

/**
 * Everything a user can see or an undo can depend on, as plain data: two
 * boards are the same board exactly when these are deeply equal.
 */
export function boardContent(doc: BoardDoc, texts: ReadonlyMap<string, Y.Doc> = doc.texts) {
  return shapesInOrder(doc).map((record) => ({
    id: record.id,
    kind: record.kind,
    props: record.props,
    writers: Object.fromEntries(Object.entries(record.writers).map(([name, w]) => [name, `${w!.actor}/${w!.opId} by ${w!.by}`])),
    textBy: [...record.textBy].sort(),
    text: texts.get(record.id)?.getText(TEXT_ROOT).toString(),
  }));
}

// ---------------------------------------------------------------------------

/** Turn zod's first complaint about an op into a typed rejection. */
export function rejectionFromIssues(opId: string, issues: readonly { code: string; path: PropertyKey[]; message: string }[]): Rejection {
  const issue = issues[0];
  const path = issue.path.map(String);
  const where = path.join(".") || "op";
  if (issue.code === "too_big" && path.includes("points")) {
    return rejection(opId, "LIMIT_POINTS");
  }
  if (issue.code === "too_big" && path[0] === "ops") {
    return rejection(opId, "LIMIT_OPS");
  }
  if (issue.message === "TEXT_UPDATE_TOO_LARGE") {
    return { opId, code: "LIMIT_TEXT", message: "One text edit is too large; paste long text in smaller pieces." };
  }
  return { opId, code: "INVALID_OP", message: `Invalid op at ${where}: ${issue.message}` };
}


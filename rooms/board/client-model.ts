/**
 * The optimistic client replica, shared by the browser and the bots.
 *
 * It keeps two boards: `confirmed`, exactly the server's board as of the last
 * op it has seen, and the `board` a user sees: confirmed plus this user's
 * pending ops re-applied on top. Own ops show at once; each server-ordered op
 * goes into confirmed and the view is rebuilt from it, so a pending value
 * stays on top until the server's copy of that op arrives (or its
 * rejection). Once nothing is pending the view is confirmed itself, which is
 * how every client ends identical to the server.
 *
 * Text is a live Y.Doc per note or text shape (`text(id)`): own edits and
 * remote updates both go into it, Yjs merges them. A separate confirmed copy
 * lets a rejected text edit be rolled back by rebuilding the live doc.
 *
 * Transport-free: the caller sends `takeOutgoing()` and feeds back what the
 * server says (`receiveApplied`, `receiveRejected`, `receiveDuplicates`,
 * `resync` on every (re)connect).
 */
import * as Y from "yjs";
import {
  MODEL_ORIGIN, TEXT_ROOT, applyLocal, applyOrdered, boardFromSnapshot, createBoard, rejectionFromIssues,
  type BoardDoc,
} from "./model.ts";
import {
  MAX_PENDING_OPS, Op, rejection, type AppliedOp, type BoardSnapshot, type OpInput, type Rejection, type Role,
  type SubOp,
} from "./protocol.ts";

/** Origin of this user's own text transactions: the undo history tracks exactly these. */
export const LOCAL_ORIGIN = Symbol("board-local");
/** Origin of text updates that came from the server. */
export const REMOTE_ORIGIN = Symbol("board-remote");

export type SubmitResult = { ok: true; op: Op } | { ok: false; rejection: Rejection };

interface Pending {
  op: Op;
  sent: boolean;
}

export interface ReplicaOptions {
  actorId: string;
  role: Role;
  /** Prefix of generated op and shape ids; random by default so ids never repeat across sessions. */
  idPrefix?: string;
}

export class BoardReplica {
  readonly actorId: string;
  role: Role;
  private confirmed: BoardDoc = createBoard();
  /** Live text documents, by shape id: what the user sees and types into. */
  private readonly live = new Map<string, Y.Doc>();
  private view: BoardDoc = { ...this.confirmed, texts: this.live };
  /** True while nothing is pending: the view shares confirmed's maps (only its texts are the live docs). */
  private viewIsConfirmed = true;
  private pending: Pending[] = [];
  private readonly idPrefix: string;
  private counter = 0;
  private readonly listeners = new Set<() => void>();

  constructor(options: ReplicaOptions) {
    this.actorId = options.actorId;
    this.role = options.role;
    this.idPrefix = options.idPrefix ?? randomPrefix();
  }

  /** The board as this user sees it: the server's board plus own pending ops. */
  get board(): BoardDoc {
    return this.view;
  }

  /** The server's board as of the last op received. */
  get serverBoard(): BoardDoc {
    return this.confirmed;
  }

  /** Live text documents by shape id (the view's texts). */
  get texts(): ReadonlyMap<string, Y.Doc> {
    return this.live;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** A fresh id for an op or a shape, unique to this session. */
  newId(): string {
    return `${this.idPrefix}-${(this.counter++).toString(36)}`;
  }

  text(id: string): Y.Text | undefined {
    return this.live.get(id)?.getText(TEXT_ROOT);
  }

  /** Called after every change to the view. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Apply one of this user's ops at once and queue it for the server. Returns
   * the op as it applied locally (guards resolved), or the rejection the
   * server would give, in which case nothing changed.
   */
  submit(input: OpInput): SubmitResult {
    const parsed = Op.safeParse(input);
    const opId = typeof input?.opId === "string" ? input.opId : "";
    if (!parsed.success) return { ok: false, rejection: rejectionFromIssues(opId, parsed.error.issues) };
    const op = parsed.data;
    if (this.role === "viewer") {
      return { ok: false, rejection: rejection(opId, "FORBIDDEN_VIEWER") };
    }
    if (this.pending.length >= MAX_PENDING_OPS) {
      return { ok: false, rejection: rejection(opId, "LIMIT_PENDING") };
    }
    if (this.viewIsConfirmed) {
      this.view = this.fork();
      this.viewIsConfirmed = false;
    }
    const result = applyLocal(this.view, op, this.actorId);
    if (!result.ok) {
      for (const id of textIdsOf(op)) this.live.delete(id);
      this.rebuild();
      return result;
    }
    this.pending.push({ op, sent: false });
    this.afterChange();
    return result;
  }

  /**
   * Edit a shape's live text and submit the change as one text op. `edit`
   * runs inside a transaction with LOCAL_ORIGIN, so the user's undo history
   * tracks it. `commitText` is the general form, for changes made some other
   * way (an UndoManager's undo).
   */
  editText(id: string, edit: (text: Y.Text) => void): SubmitResult | null {
    const ydoc = this.live.get(id);
    if (!ydoc) return null;
    return this.commitText(id, () => ydoc.transact(() => edit(ydoc.getText(TEXT_ROOT)), LOCAL_ORIGIN));
  }

  /** Run `change` on the live doc of shape `id`, capture the Yjs update it makes and submit it. Null if nothing changed. */
  commitText(id: string, change: () => void): SubmitResult | null {
    const ydoc = this.live.get(id);
    if (!ydoc) return null;
    const updates: Uint8Array[] = [];
    const capture = (update: Uint8Array) => updates.push(update);
    ydoc.on("update", capture);
    try {
      change();
    } finally {
      ydoc.off("update", capture);
    }
    if (updates.length === 0) return null;
    const update = updates.length === 1 ? updates[0] : Y.mergeUpdates(updates);
    const result = this.submit({ type: "text", opId: this.newId(), id, update });
    if (!result.ok) {
      // The change is already in the live doc: rebuild it from the server's text and the pending ops.
      this.live.delete(id);
      this.rebuild();
    }
    return result;
  }

  /** Take back an own op that has not been sent yet (an undo that turned out to change nothing). */
  withdraw(opId: string): boolean {
    const entry = this.pending.find((p) => p.op.opId === opId);
    if (!entry || entry.sent) return false;
    this.dropPending(opId);
    this.rebuild();
    return true;
  }

  /**
   * Ops not yet sent on the current connection, in order, at most `limit`;
   * marks them sent. Pace a replay after a reconnect with it (OP_BURST, then
   * OP_RATE_PER_SECOND a second): the server refuses ops over the rate.
   */
  takeOutgoing(limit = Number.POSITIVE_INFINITY): Op[] {
    const out: Op[] = [];
    for (const entry of this.pending) {
      if (out.length >= limit) break;
      if (entry.sent) continue;
      entry.sent = true;
      out.push(entry.op);
    }
    return out;
  }

  /** Server-ordered ops, in order. Ops at or below the confirmed sequence (already in a snapshot) are ignored. */
  receiveApplied(ops: readonly AppliedOp[]): void {
    for (const applied of ops) {
      if (applied.seq <= this.confirmed.seq) continue;
      applyOrdered(this.confirmed, applied);
      if (applied.actor === this.actorId) this.dropPending(applied.op.opId);
      this.forwardText(applied.op);
    }
    this.rebuild();
  }

  /** The server refused these own ops: drop them, and roll back any text they touched. */
  receiveRejected(rejections: readonly Rejection[]): void {
    for (const rejection of rejections) {
      const entry = this.dropPending(rejection.opId);
      if (entry) for (const id of textIdsOf(entry.op)) this.live.delete(id);
    }
    this.rebuild();
  }

  /** The server had already applied these own ops before a reconnect; their effect is in the snapshot. */
  receiveDuplicates(opIds: readonly string[]): void {
    for (const opId of opIds) this.dropPending(opId);
    this.rebuild();
  }

  /**
   * On every (re)connect: take the server's board, keep own pending ops on
   * top, and queue all of them to be sent again (the server drops the ones it
   * already applied).
   */
  resync(snapshot: BoardSnapshot): void {
    this.confirmed = boardFromSnapshot(snapshot);
    for (const [id, ydoc] of this.live) {
      const serverText = this.confirmed.texts.get(id);
      if (serverText) Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(serverText), REMOTE_ORIGIN);
    }
    for (const entry of this.pending) entry.sent = false;
    this.rebuild();
  }

  private dropPending(opId: string): Pending | undefined {
    const index = this.pending.findIndex((entry) => entry.op.opId === opId);
    if (index < 0) return undefined;
    return this.pending.splice(index, 1)[0];
  }

  /**
   * Remote text changes go straight into the live docs; Yjs makes re-applying
   * own updates harmless. A deleted or restored shape's live doc is dropped,
   * so it is rebuilt from the server's text rather than merged with an old one.
   */
  private forwardText(op: Op): void {
    const parts: readonly SubOp[] = op.type === "group" ? op.ops : [op];
    for (const part of parts) {
      if (part.type === "delete" || part.type === "restore") {
        this.live.delete(part.id);
      } else if (part.type === "text") {
        const ydoc = this.live.get(part.id);
        if (ydoc) Y.applyUpdate(ydoc, part.update, REMOTE_ORIGIN);
      } else if (part.type === "create" && part.shape.text) {
        const ydoc = this.live.get(part.shape.id);
        if (ydoc) Y.applyUpdate(ydoc, part.shape.text, REMOTE_ORIGIN);
      }
    }
  }

  /** A working copy of confirmed whose texts are the live docs. Records are immutable, so copying the maps is enough. */
  private fork(): BoardDoc {
    this.ensureLive();
    return {
      seq: this.confirmed.seq,
      shapes: new Map(this.confirmed.shapes),
      texts: this.live,
      tombstones: new Map(this.confirmed.tombstones),
      applied: new Map(),
      zKeys: new Map(this.confirmed.zKeys),
    };
  }

  /** Every text shape the server has gets a live doc, copied from the server's text if it has none yet. */
  private ensureLive(): void {
    for (const [id, serverText] of this.confirmed.texts) {
      if (this.live.has(id)) continue;
      const ydoc = new Y.Doc();
      Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(serverText), MODEL_ORIGIN);
      this.live.set(id, ydoc);
    }
  }

  /** View = confirmed + pending. A pending op that no longer applies stays queued (the server decides) but shows nothing. */
  private rebuild(): void {
    this.viewIsConfirmed = this.pending.length === 0;
    if (this.viewIsConfirmed) {
      this.ensureLive();
      this.view = { ...this.confirmed, texts: this.live };
    } else {
      this.view = this.fork();
      for (const entry of this.pending) applyLocal(this.view, entry.op, this.actorId);
    }
    for (const id of this.live.keys()) if (!this.view.shapes.has(id)) this.live.delete(id);
    this.afterChange();
  }

  private afterChange(): void {
    for (const listener of this.listeners) listener();
  }
}

/** 48 random bits as base 36; getRandomValues works on plain-http pages too, unlike randomUUID. */
function randomPrefix(): string {
  const [high, low] = globalThis.crypto.getRandomValues(new Uint32Array(2));
  return ((high & 0xffff) * 2 ** 32 + low).toString(36);
}

function textIdsOf(op: Op): string[] {
  const parts: readonly SubOp[] = op.type === "group" ? op.ops : [op];
  return parts.flatMap((part) => (part.type === "text" ? [part.id] : part.type === "create" && part.shape.text ? [part.shape.id] : []));
}

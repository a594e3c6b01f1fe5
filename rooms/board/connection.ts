/**
 * A BoardReplica and its UndoHistory wired to a joined board room: the
 * client half of "What the Room and the client must do" (README.md), shared
 * by the bots, the specs and the browser client. It resyncs on every
 * snapshot (join, reconnect, or after a divergence it asks for), keeps own
 * ops queued while the socket is down, and sends them paced by the server's
 * op rate. Imports the SDK's types only, so it bundles for the browser.
 */
import type { Room } from "@colyseus/sdk";
import { Packr } from "msgpackr";
import { BoardDivergedError, createOpBudget, spendOpBudget, type OpBudget } from "./model.ts";
import { BoardReplica, type ReplicaOptions, type SubmitResult } from "./client-model.ts";
import { UndoHistory, type UndoOptions } from "./undo.ts";
import {
  BoardMessage, MAX_OPS_MESSAGE_BYTES, MAX_OPS_PER_MESSAGE, OP_RATE_PER_SECOND, rejection,
  type AppliedOp, type Op, type BoardSnapshot, type PeerPresence, type Presence, type Rejection, type Role,
} from "./protocol.ts";

export interface BoardConnectionEvents {
  /** A snapshot was taken in (join, reconnect, resync). */
  snapshot?(snapshot: BoardSnapshot): void;
  applied?(ops: readonly AppliedOp[]): void;
  rejected?(rejections: readonly Rejection[]): void;
  duplicate?(opIds: readonly string[]): void;
  presence?(peers: readonly PeerPresence[]): void;
}

/** Encodes like the SDK does, to size a message before sending it. */
const sizer = new Packr();
/** `{ ops: [...] }` around the ops: map, key and array headers. */
const OPS_ENVELOPE_BYTES = 8;

export class BoardConnection {
  readonly replica: BoardReplica;
  readonly history: UndoHistory;
  readonly room: Room;
  /** Snapshots taken in so far: 1 after joining, one more per reconnect or resync. */
  snapshots = 0;
  private readonly events: BoardConnectionEvents;
  /** The client's copy of the server's op bucket, so a replay after a reconnect is never refused for its rate. */
  private readonly budget: OpBudget = createOpBudget(Date.now());
  private retry: ReturnType<typeof setTimeout> | undefined;
  private ready = false;

  constructor(room: Room, options: ReplicaOptions & UndoOptions, events: BoardConnectionEvents = {}) {
    this.room = room;
    this.events = events;
    this.replica = new BoardReplica(options);
    this.history = new UndoHistory(this.replica, options);
    room.onMessage(BoardMessage.snapshot, (snapshot: BoardSnapshot) => {
      this.replica.resync(snapshot);
      this.ready = true;
      this.snapshots++;
      this.events.snapshot?.(snapshot);
      this.flush();
    });
    room.onMessage(BoardMessage.applied, (ops: AppliedOp[]) => {
      if (!this.ready) return;
      try {
        this.replica.receiveApplied(ops);
      } catch (error) {
        if (!(error instanceof BoardDivergedError)) throw error;
        this.ready = false;
        room.send(BoardMessage.resync);
        return;
      }
      this.events.applied?.(ops);
    });
    room.onMessage(BoardMessage.rejected, (rejections: Rejection[]) => {
      this.replica.receiveRejected(rejections);
      this.events.rejected?.(rejections);
    });
    room.onMessage(BoardMessage.duplicate, ({ opIds }: { opIds: string[] }) => {
      this.replica.receiveDuplicates(opIds);
      this.events.duplicate?.(opIds);
    });
    room.onMessage(BoardMessage.presence, (peers: PeerPresence[]) => this.events.presence?.(peers));
    // The room state's roster says this user's role, which the owner may change (ShareRequest.linkRole).
    room.onStateChange(() => {
      const role = (room.state as { members?: { get(id: string): { role?: Role } | undefined } } | undefined)?.members?.get(room.sessionId)?.role;
      if (role && role !== this.replica.role) this.replica.role = role;
    });
    // Until the snapshot after a reconnect arrives, what the socket would send is stale: ops wait in the replica.
    room.onDrop(() => { this.ready = false; });
  }

  /** Perform an op as this user (undoable) and send it. */
  perform(...args: Parameters<UndoHistory["perform"]>): SubmitResult {
    const result = this.history.perform(...args);
    this.flush();
    return result;
  }

  editText(...args: Parameters<UndoHistory["editText"]>): SubmitResult | null {
    const result = this.history.editText(...args);
    this.flush();
    return result;
  }

  undo(): SubmitResult | null {
    const result = this.history.undo();
    this.flush();
    return result;
  }

  redo(): SubmitResult | null {
    const result = this.history.redo();
    this.flush();
    return result;
  }

  /** Send this user's cursor, selection and editing; the caller keeps to PRESENCE_RATE. */
  sendPresence(presence: Presence): void {
    if (this.ready) this.room.send(BoardMessage.presence, presence);
  }

  /** Send queued ops the connection and the op rate allow now; the rest go when tokens come back. */
  flush(): void {
    if (!this.ready || !this.room.connection?.isOpen) return;
    for (;;) {
      if (this.replica.pendingCount === 0) return;
      spendOpBudget(this.budget, Date.now(), 0);
      const allowed = Math.min(MAX_OPS_PER_MESSAGE, Math.floor(this.budget.tokens));
      if (allowed < 1) break;
      const ops = this.replica.takeOutgoing(allowed);
      if (ops.length === 0) return;
      spendOpBudget(this.budget, Date.now(), ops.length);
      this.sendSplit(ops);
    }
    this.retry ??= setTimeout(() => {
      this.retry = undefined;
      this.flush();
    }, Math.ceil(1000 / OP_RATE_PER_SECOND));
  }

  /** Send `ops` in as few messages as fit a client frame; an op too large for any is refused here, like the server would refuse it. */
  private sendSplit(ops: readonly Op[]): void {
    let batch: Op[] = [];
    let bytes = OPS_ENVELOPE_BYTES;
    const tooLarge: Rejection[] = [];
    for (const op of ops) {
      const size = sizer.pack(op).byteLength;
      if (size + OPS_ENVELOPE_BYTES > MAX_OPS_MESSAGE_BYTES) {
        tooLarge.push(rejection(op.opId, "LIMIT_MESSAGE"));
        continue;
      }
      if (bytes + size > MAX_OPS_MESSAGE_BYTES) {
        this.room.send(BoardMessage.ops, { ops: batch });
        batch = [];
        bytes = OPS_ENVELOPE_BYTES;
      }
      batch.push(op);
      bytes += size;
    }
    if (batch.length > 0) this.room.send(BoardMessage.ops, { ops: batch });
    if (tooLarge.length > 0) {
      this.replica.receiveRejected(tooLarge);
      this.events.rejected?.(tooLarge);
    }
  }

  close(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
  }
}

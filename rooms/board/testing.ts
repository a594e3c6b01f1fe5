/**
 * Helpers for board specs: a signed-in guest on one board, with a
 * BoardConnection (replica, undo) and everything the room told it, and
 * waits that resolve on what arrives rather than on time.
 */
import { randomBytes } from "node:crypto";
import type { Room } from "@colyseus/sdk";
import type { GuestClient } from "../../tools/identity.ts";
import { BoardConnection } from "./connection.ts";
import { keyAbove, textUpdateFrom } from "./model.ts";
import type { AppliedOp, BoardSnapshot, OpInput, PeerPresence, Rejection } from "./protocol.ts";

/** A fresh random board id, as the browser picks one for a new board. */
export function newBoardId(): string {
  return randomBytes(12).toString("base64url");
}

export class BoardUser {
  readonly connection: BoardConnection;
  readonly room: Room;
  readonly userId: string;
  /** The guest this user joined as, to join again with the same identity. */
  client!: GuestClient;
  readonly snapshots: BoardSnapshot[] = [];
  readonly applied: AppliedOp[] = [];
  readonly rejections: Rejection[] = [];
  readonly duplicates: string[] = [];
  readonly presence: PeerPresence[][] = [];
  private waiters = new Set<() => void>();

  constructor(room: Room, userId: string) {
    this.room = room;
    this.userId = userId;
    const keep = <T>(list: T[]) => (items: readonly T[]) => { list.push(...items); this.wake(); };
    this.connection = new BoardConnection(room, { actorId: userId, role: "editor" }, {
      snapshot: (snapshot) => { this.snapshots.push(snapshot); this.wake(); },
      applied: keep(this.applied),
      rejected: keep(this.rejections),
      duplicate: keep(this.duplicates),
      presence: (peers) => { this.presence.push([...peers]); this.wake(); },
    });
  }

  /** Join `board` as this guest; resolves once the board's snapshot is in. */
  static async join(client: GuestClient, board: string, options: Record<string, unknown> = {}): Promise<BoardUser> {
    const identity = await client.identity;
    const user = await BoardUser.attach(await client.joinOrCreate("board", { board, ...options }), identity.user.id);
    user.client = client;
    return user;
  }

  /** A user for a board room joined some other way (a seat reservation on a chosen process); resolves once the snapshot is in. */
  static async attach(room: Room, userId: string): Promise<BoardUser> {
    const user = new BoardUser(room, userId);
    await user.until(() => user.snapshots.length > 0, "the board's snapshot");
    user.connection.replica.role = user.role;
    return user;
  }

  /** This user's role as the room state says. */
  get role(): "owner" | "editor" | "viewer" {
    return this.room.state.members.get(this.room.sessionId)?.role;
  }

  /** Create a note holding `text` above everything (queued only, when `send` is false); returns its id. */
  addNote(text: string, x = 0, y = 0, send = true): string {
    const replica = this.connection.replica;
    const id = replica.newId();
    const op: OpInput = {
      type: "create", opId: replica.newId(),
      shape: { id, kind: "note", x, y, w: 200, h: 120, color: "#ffd43b", z: keyAbove(replica.board), text: textUpdateFrom(text) },
    };
    const result = send ? this.connection.perform(op) : this.connection.history.perform(op);
    if (!result.ok) throw new Error(`local refusal: ${result.rejection.message}`);
    return id;
  }

  /** Resolves when `predicate` holds, checked after everything that arrives. */
  until<T>(predicate: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value === undefined || value === false) return false;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve(value);
        return true;
      };
      const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
      if (!check()) this.waiters.add(check);
    });
  }

  /** Resolves once the server's board has every op this user sent (nothing pending). */
  settled(): Promise<true> {
    return this.until(() => this.connection.replica.pendingCount === 0, "own ops to be acknowledged");
  }

  async leave(): Promise<void> {
    this.connection.close();
    if (this.room.connection.isOpen) await this.room.leave();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/**
 * A board in the framework's Store: one document per board
 * (`board:<id>`), holding the board's snapshot with its dedupe memory, who
 * owns it, the roles granted, and the secret its editor invites are signed
 * with. Written with compare-and-set, so a second room that somehow holds
 * the same board cannot overwrite the first's work unnoticed. Encoded with
 * msgpack, which keeps the Yjs texts as bytes.
 */
import { randomBytes } from "node:crypto";
import { Packr } from "msgpackr";
import type { Store } from "../../server/storage/store.ts";
import type { BoardSnapshot, LinkRole, Role } from "./protocol.ts";

/** Users whose granted role a board remembers; the oldest grants go first. */
export const MAX_GRANTS = 1000;

export interface StoredBoard {
  owner: string;
  /** Roles granted through invites, by user id (the owner is not listed). */
  grants: Map<string, Role>;
  /** Signs the board's editor invites; a new one revokes every earlier link. */
  inviteSecret: Uint8Array;
  /** What the board id alone gives. */
  linkRole: LinkRole;
  snapshot: BoardSnapshot;
}

interface Encoded {
  v: 1;
  owner: string;
  grants: [string, Role][];
  inviteSecret: Uint8Array;
  linkRole: LinkRole;
  snapshot: BoardSnapshot;
}

const packr = new Packr({ useRecords: false, moreTypes: false });

export function newInviteSecret(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

export function boardKey(id: string): string {
  return `board:${id}`;
}

/** The Store lock the room holding a board keeps while it is open. */
export function boardClaimKey(id: string): string {
  return `board:${id}`;
}

export class BoardStorage {
  private readonly store: Store;
  private readonly key: string;
  /** The stored document's version this room last read or wrote (0: none yet). */
  private version = 0;

  constructor(store: Store, boardId: string) {
    this.store = store;
    this.key = boardKey(boardId);
  }

  async load(): Promise<StoredBoard | undefined> {
    const stored = await this.store.getDocument(this.key);
    if (!stored) return undefined;
    this.version = stored.version;
    const decoded = packr.unpack(stored.value) as Encoded;
    return {
      owner: decoded.owner,
      grants: new Map(decoded.grants),
      inviteSecret: new Uint8Array(decoded.inviteSecret),
      linkRole: decoded.linkRole,
      snapshot: decoded.snapshot,
    };
  }

  /**
   * Write the board over the version this room holds. False when someone
   * else wrote it since (another room holds this board): this room's copy is
   * stale and must not be saved.
   */
  async save(board: StoredBoard): Promise<{ saved: boolean; bytes: number }> {
    const grants = [...board.grants].slice(-MAX_GRANTS);
    const value = packr.pack({ v: 1, owner: board.owner, grants, inviteSecret: board.inviteSecret, linkRole: board.linkRole, snapshot: board.snapshot } satisfies Encoded);
    const result = await this.store.putDocument(this.key, value, { expectedVersion: this.version });
    if (!result.ok) return { saved: false, bytes: value.byteLength };
    this.version = result.version;
    return { saved: true, bytes: value.byteLength };
  }
}

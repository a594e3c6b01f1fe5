/**
 * The one storage interface that chat (history, inboxes, dedupe, read
 * receipts, blocks), the board (documents) and durable rooms (snapshots,
 * claim locks) are written against. Five kinds of thing, each in its own
 * namespace, so a key used as a log never collides with the same key used as
 * a set:
 *
 * - documents: a value under a key with a version, written with compare-and-set;
 * - logs: append-only, ordered by a sequence the store assigns (1, 2, 3… per
 *   log, never reused), bounded by trimming the oldest, idempotent by entry id;
 * - cursors: a number per key that only moves forward (read receipts);
 * - sets: bounded sets of strings (members, blocks);
 * - locks: a key held by one owner until it expires (claims).
 *
 * Every operation that must be atomic (append with dedupe and trim, CAS,
 * bounded set add, claim) is atomic across every connection to the same
 * store, in one process or many. Implementations: SqliteStore (one machine,
 * a file) and RedisStore (shared by processes); store.contract.ts specifies
 * both, and any new one (Postgres, say) must pass it.
 */

export interface Store {
  // ------------------------------------------------------------ documents
  /** The document and its version, or undefined when absent (never written, deleted, or expired). */
  getDocument(key: string): Promise<StoredDocument | undefined>;
  /**
   * Write `value`. With `expectedVersion`, only if the current version is
   * that (0: only if absent); otherwise unconditionally. Versions count up
   * from 1; a deleted or expired document starts again at 1.
   */
  putDocument(key: string, value: Uint8Array, options?: PutOptions): Promise<PutResult>;
  /** Delete; with `expectedVersion`, only at that version. True when something was deleted. */
  deleteDocument(key: string, expectedVersion?: number): Promise<boolean>;

  // ------------------------------------------------------------ logs
  /**
   * Append one entry, or, when an entry with the same `id` was appended
   * within the last `dedupeWindow` appends, return that entry's seq and ts
   * with `duplicate: true` and store nothing. The log keeps its newest
   * `maxLength` entries.
   */
  append(log: string, entry: NewLogEntry, bounds: LogBounds): Promise<Appended>;
  /**
   * Up to `limit` of the newest entries with seq < `before` (all when
   * `before` is omitted), oldest first; `more` says whether older ones remain.
   */
  pageBack(log: string, limit: number, before?: number): Promise<LogPage>;
  /** Up to `limit` entries with seq > `after`, oldest first. */
  readAfter(log: string, after: number, limit: number): Promise<LogEntry[]>;
  /** The last seq assigned (0 for a log never appended to) and how many entries are kept. */
  logInfo(log: string): Promise<LogInfo>;
  /** Forget the log, its entries, its dedupe ids and its sequence. */
  deleteLog(log: string): Promise<void>;

  // ------------------------------------------------------------ cursors
  /** The cursor's value, 0 when never advanced. */
  getCursor(key: string): Promise<number>;
  /** Move the cursor to `value` if that is further; returns the cursor's value afterwards. */
  advanceCursor(key: string, value: number): Promise<number>;

  // ------------------------------------------------------------ sets
  /** Add `member` unless the set already holds `maxSize` others. */
  addToSet(key: string, member: string, maxSize: number): Promise<SetAdd>;
  /** True when the member was there. */
  removeFromSet(key: string, member: string): Promise<boolean>;
  isMember(key: string, member: string): Promise<boolean>;
  /** Every member, sorted. */
  members(key: string): Promise<string[]>;

  // ------------------------------------------------------------ locks
  /**
   * Take the lock for `ttlMs` if it is free, expired, or already `owner`'s
   * (which extends it). Of any number of racing claims, exactly one wins.
   */
  claim(key: string, owner: string, ttlMs: number): Promise<Claim>;
  /** Give the lock up if `owner` holds it; true when it did. */
  release(key: string, owner: string): Promise<boolean>;
  /** Who holds the lock now, if anyone. */
  lockHolder(key: string): Promise<Claim | undefined>;

  /** Close the connection; later calls fail with StoreError CLOSED. */
  close(): Promise<void>;
}

export interface StoredDocument { value: Uint8Array; version: number }

export interface PutOptions {
  /** 0: create only; n: replace version n only; omitted: write whatever is there. */
  expectedVersion?: number;
  /** Expire the document this long after the write; omitted: keep it until deleted. */
  ttlMs?: number;
}

export type PutResult =
  | { ok: true; version: number }
  /** The compare failed: `version` is the current one (0 when absent). */
  | { ok: false; version: number };

export interface NewLogEntry {
  /** Chosen by the writer (a client's message id, say): the dedupe key. */
  id: string;
  /** Opaque text, usually JSON. */
  body: string;
}

export interface LogEntry extends NewLogEntry {
  seq: number;
  /** Milliseconds since the epoch, assigned by the store; never decreases along a log. */
  ts: number;
}

export interface LogBounds {
  /** Entries kept; older ones are trimmed. */
  maxLength: number;
  /** Appends for which an id is remembered; defaults to maxLength. */
  dedupeWindow?: number;
}

export interface Appended { seq: number; ts: number; duplicate: boolean }

export interface LogPage { entries: LogEntry[]; more: boolean }

export interface LogInfo { lastSeq: number; length: number }

export type SetAdd = "added" | "present" | "full";

export interface Claim {
  won: boolean;
  /** The holder after the call: `owner` when won, the other holder when not. */
  owner: string;
  /** How long the holder keeps the lock unless renewed or released. */
  expiresInMs: number;
}

export type StoreErrorCode =
  /** A key, id, member or bound the store refuses (empty, too long, not a positive integer). */
  | "INVALID_ARGUMENT"
  /** The backing store cannot be reached or refused the operation. */
  | "UNAVAILABLE"
  /** The store was closed. */
  | "CLOSED"
  /** The file holds data written by a newer schema than this code knows. */
  | "INCOMPATIBLE";

export class StoreError extends Error {
  override name = "StoreError";
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Longest key, log name, entry id or set member a store accepts. */
export const MAX_KEY_LENGTH = 512;
/** Largest bound (log length, dedupe window, set size) a store accepts. */
export const MAX_BOUND = 1_000_000;

/** Longest TTL (documents and locks) a store accepts: about 24 days, what a 32-bit timer holds. */
export const MAX_TTL_MS = 2 ** 31 - 1;

/** Shared argument checks, so both implementations refuse the same inputs with the same words. */
export function checkKey(what: string, key: string): void {
  if (typeof key !== "string" || key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new StoreError("INVALID_ARGUMENT", `${what} must be a string of 1 to ${MAX_KEY_LENGTH} characters`);
  }
}

export function checkCount(what: string, value: number, min = 1, max = MAX_BOUND): void {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new StoreError("INVALID_ARGUMENT", `${what} must be an integer from ${min} to ${max}, got ${value}`);
  }
}

export function checkBounds(bounds: LogBounds): Required<LogBounds> {
  checkCount("maxLength", bounds.maxLength);
  const dedupeWindow = bounds.dedupeWindow ?? bounds.maxLength;
  checkCount("dedupeWindow", dedupeWindow);
  return { maxLength: bounds.maxLength, dedupeWindow };
}

export function checkVersion(what: string, value: number | undefined): void {
  if (value !== undefined) checkCount(what, value, 0, Number.MAX_SAFE_INTEGER);
}

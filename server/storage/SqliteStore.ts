/**
 * The embedded Store: one SQLite file on this machine, through Node's
 * built-in `node:sqlite`. It survives a restart of the process (WAL journal,
 * synchronous=NORMAL: a committed write survives the process dying; only a
 * power cut can take the last few), and several processes on one machine may
 * open the same file: every write is one IMMEDIATE transaction, which SQLite
 * serialises across connections.
 *
 * Calls are synchronous underneath (DatabaseSync) and short; a write waiting
 * on another process's transaction blocks for at most `busyTimeoutMs`, then
 * fails with StoreError UNAVAILABLE.
 */
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { nodeSqlite } from "./node-sqlite.ts";
import {
  checkBounds, checkCount, checkKey, checkVersion, MAX_TTL_MS, StoreError,
  type Appended, type Claim, type LogBounds, type LogEntry, type LogInfo, type LogPage,
  type NewLogEntry, type PutOptions, type PutResult, type SetAdd, type Store, type StoredDocument,
} from "./store.ts";

/** Bumped when the tables change; a file from a newer version is refused rather than misread. */
const SCHEMA_VERSION = 1;

export const DEFAULT_SQLITE_PATH = join("data", "tickforge.sqlite");

export interface SqliteStoreOptions {
  /** The database file (its folder is created); ":memory:" keeps everything in this connection only. */
  path?: string;
  /** How long a write waits for another connection's transaction before failing. */
  busyTimeoutMs?: number;
  /** Expired documents and locks are deleted by the first write after this long, so keys nobody reads again do not pile up. */
  sweepIntervalMs?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS documents (
  key TEXT PRIMARY KEY, version INTEGER NOT NULL, value BLOB NOT NULL, expires_at INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS logs (
  log TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, last_ts INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_entries (
  log TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL, ts INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (log, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS log_ids (
  log TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, ts INTEGER NOT NULL,
  PRIMARY KEY (log, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS log_ids_by_seq ON log_ids (log, seq);
CREATE TABLE IF NOT EXISTS cursors (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS set_members (key TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (key, member)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
`;

type Row = Record<string, unknown>;

export class SqliteStore implements Store {
  readonly path: string;
  private db: DatabaseSync | undefined;
  private readonly statements = new Map<string, StatementSync>();
  private readonly sweepIntervalMs: number;
  private nextSweep = 0;

  constructor({ path = DEFAULT_SQLITE_PATH, busyTimeoutMs = 5000, sweepIntervalMs = 60_000 }: SqliteStoreOptions = {}) {
    this.path = path;
    this.sweepIntervalMs = sweepIntervalMs;
    const { DatabaseSync } = nodeSqlite();
    if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path, { timeout: busyTimeoutMs });
    } catch (error) {
      throw new StoreError("UNAVAILABLE", `Cannot open the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    try {
      db.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;");
      const version = Number((db.prepare("PRAGMA user_version").get() as Row).user_version);
      if (version > SCHEMA_VERSION) {
        throw new StoreError("INCOMPATIBLE", `The SQLite store at ${path} has schema version ${version}; this server knows ${SCHEMA_VERSION}. Run a newer server or point DATA_DIR elsewhere.`);
      }
      db.exec(`BEGIN IMMEDIATE; ${SCHEMA} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`);
    } catch (error) {
      db.close();
      if (error instanceof StoreError) throw error;
      throw new StoreError("UNAVAILABLE", `Cannot prepare the SQLite store at ${path}: ${(error as Error).message}`, { cause: error });
    }
    this.db = db;
  }

  // ------------------------------------------------------------ documents

  async getDocument(key: string): Promise<StoredDocument | undefined> {
    checkKey("document key", key);
    const row = this.sql("SELECT version, value FROM documents WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)")
      .get(key, Date.now()) as Row | undefined;
    return row ? { version: Number(row.version), value: new Uint8Array(row.value as Uint8Array) } : undefined;
  }

  async putDocument(key: string, value: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey("document key", key);
    checkVersion("expectedVersion", options.expectedVersion);
    if (options.ttlMs !== undefined) checkCount("ttlMs", options.ttlMs, 1, MAX_TTL_MS);
    return this.transaction(() => {
      const now = Date.now();
      const current = this.currentVersion(key, now);
      if (options.expectedVersion !== undefined && options.expectedVersion !== current) return { ok: false, version: current };
      const version = current + 1;
      this.sql(`INSERT INTO documents (key, version, value, expires_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET version = excluded.version, value = excluded.value, expires_at = excluded.expires_at`)
        .run(key, version, value, options.ttlMs === undefined ? null : now + options.ttlMs);
      return { ok: true, version };
    });
  }

  async deleteDocument(key: string, expectedVersion?: number): Promise<boolean> {
    checkKey("document key", key);
    checkVersion("expectedVersion", expectedVersion);
    return this.transaction(() => {
      const current = this.currentVersion(key, Date.now());
      if (current === 0 || (expectedVersion !== undefined && expectedVersion !== current)) return false;
      this.sql("DELETE FROM documents WHERE key = ?").run(key);
      return true;
    });
  }

  /** The live version, 0 when absent; an expired row is removed on the way. */
  private currentVersion(key: string, now: number): number {
    const row = this.sql("SELECT version, expires_at FROM documents WHERE key = ?").get(key) as Row | undefined;
    if (!row) return 0;
    if (row.expires_at !== null && Number(row.expires_at) <= now) {
      this.sql("DELETE FROM documents WHERE key = ?").run(key);
      return 0;
    }
    return Number(row.version);
  }

  // ------------------------------------------------------------ logs

  async append(log: string, entry: NewLogEntry, bounds: LogBounds): Promise<Appended> {
    checkKey("log name", log);
    checkKey("entry id", entry.id);
    if (typeof entry.body !== "string") throw new StoreError("INVALID_ARGUMENT", "entry body must be a string");
    const { maxLength, dedupeWindow } = checkBounds(bounds);
    return this.transaction(() => {
      const prior = this.sql("SELECT seq, ts FROM log_ids WHERE log = ? AND id = ?").get(log, entry.id) as Row | undefined;
      if (prior) return { seq: Number(prior.seq), ts: Number(prior.ts), duplicate: true };
      const meta = this.sql("SELECT last_seq, last_ts FROM logs WHERE log = ?").get(log) as Row | undefined;
      const seq = Number(meta?.last_seq ?? 0) + 1;
      const ts = Math.max(Date.now(), Number(meta?.last_ts ?? 0));
      this.sql(`INSERT INTO logs (log, last_seq, last_ts) VALUES (?, ?, ?)
        ON CONFLICT (log) DO UPDATE SET last_seq = excluded.last_seq, last_ts = excluded.last_ts`).run(log, seq, ts);
      this.sql("INSERT INTO log_entries (log, seq, id, ts, body) VALUES (?, ?, ?, ?, ?)").run(log, seq, entry.id, ts, entry.body);
      this.sql("INSERT INTO log_ids (log, id, seq, ts) VALUES (?, ?, ?, ?)").run(log, entry.id, seq, ts);
      this.sql("DELETE FROM log_entries WHERE log = ? AND seq <= ?").run(log, seq - maxLength);
      this.sql("DELETE FROM log_ids WHERE log = ? AND seq <= ?").run(log, seq - dedupeWindow);
      return { seq, ts, duplicate: false };
    });
  }

  async pageBack(log: string, limit: number, before?: number): Promise<LogPage> {
    checkKey("log name", log);
    checkCount("limit", limit);
    if (before !== undefined) checkCount("before", before, 0, Number.MAX_SAFE_INTEGER);
    const rows = this.sql("SELECT seq, id, ts, body FROM log_entries WHERE log = ? AND seq < ? ORDER BY seq DESC LIMIT ?")
      .all(log, before ?? Number.MAX_SAFE_INTEGER, limit + 1) as Row[];
    const more = rows.length > limit;
    return { entries: rows.slice(0, limit).reverse().map(toEntry), more };
  }

  async readAfter(log: string, after: number, limit: number): Promise<LogEntry[]> {
    checkKey("log name", log);
    checkCount("after", after, 0, Number.MAX_SAFE_INTEGER);
    checkCount("limit", limit);
    const rows = this.sql("SELECT seq, id, ts, body FROM log_entries WHERE log = ? AND seq > ? ORDER BY seq LIMIT ?")
      .all(log, after, limit) as Row[];
    return rows.map(toEntry);
  }

  async logInfo(log: string): Promise<LogInfo> {
    checkKey("log name", log);
    const meta = this.sql("SELECT last_seq FROM logs WHERE log = ?").get(log) as Row | undefined;
    const count = this.sql("SELECT count(*) AS n FROM log_entries WHERE log = ?").get(log) as Row;
    return { lastSeq: Number(meta?.last_seq ?? 0), length: Number(count.n) };
  }

  async deleteLog(log: string): Promise<void> {
    checkKey("log name", log);
    this.transaction(() => {
      for (const table of ["logs", "log_entries", "log_ids"]) this.sql(`DELETE FROM ${table} WHERE log = ?`).run(log);
    });
  }

  // ------------------------------------------------------------ cursors

  async getCursor(key: string): Promise<number> {
    checkKey("cursor key", key);
    const row = this.sql("SELECT value FROM cursors WHERE key = ?").get(key) as Row | undefined;
    return Number(row?.value ?? 0);
  }

  async advanceCursor(key: string, value: number): Promise<number> {
    checkKey("cursor key", key);
    checkCount("cursor value", value, 0, Number.MAX_SAFE_INTEGER);
    const row = this.sql(`INSERT INTO cursors (key, value) VALUES (?, ?)
      ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value) RETURNING value`).get(key, value) as Row;
    return Number(row.value);
  }

  // ------------------------------------------------------------ sets

  async addToSet(key: string, member: string, maxSize: number): Promise<SetAdd> {
    checkKey("set key", key);
    checkKey("set member", member);
    checkCount("maxSize", maxSize);
    return this.transaction((): SetAdd => {
      if (this.sql("SELECT 1 FROM set_members WHERE key = ? AND member = ?").get(key, member)) return "present";
      const size = Number((this.sql("SELECT count(*) AS n FROM set_members WHERE key = ?").get(key) as Row).n);
      if (size >= maxSize) return "full";
      this.sql("INSERT INTO set_members (key, member) VALUES (?, ?)").run(key, member);
      return "added";
    });
  }

  async removeFromSet(key: string, member: string): Promise<boolean> {
    checkKey("set key", key);
    checkKey("set member", member);
    return Number(this.sql("DELETE FROM set_members WHERE key = ? AND member = ?").run(key, member).changes) > 0;
  }

  async isMember(key: string, member: string): Promise<boolean> {
    checkKey("set key", key);
    checkKey("set member", member);
    return this.sql("SELECT 1 FROM set_members WHERE key = ? AND member = ?").get(key, member) !== undefined;
  }

  async members(key: string): Promise<string[]> {
    checkKey("set key", key);
    // Sorted in JS, as RedisStore does: SQLite orders by UTF-8 bytes, JS by UTF-16 units, which differ above U+FFFF.
    return (this.sql("SELECT member FROM set_members WHERE key = ?").all(key) as Row[]).map((r) => String(r.member)).sort();
  }

  // ------------------------------------------------------------ locks

  async claim(key: string, owner: string, ttlMs: number): Promise<Claim> {
    checkKey("lock key", key);
    checkKey("lock owner", owner);
    checkCount("ttlMs", ttlMs, 1, MAX_TTL_MS);
    return this.transaction((): Claim => {
      const now = Date.now();
      const held = this.sql("SELECT owner, expires_at FROM locks WHERE key = ?").get(key) as Row | undefined;
      if (held && held.owner !== owner && Number(held.expires_at) > now) {
        return { won: false, owner: String(held.owner), expiresInMs: Number(held.expires_at) - now };
      }
      this.sql(`INSERT INTO locks (key, owner, expires_at) VALUES (?, ?, ?)
        ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`).run(key, owner, now + ttlMs);
      return { won: true, owner, expiresInMs: ttlMs };
    });
  }

  async release(key: string, owner: string): Promise<boolean> {
    checkKey("lock key", key);
    checkKey("lock owner", owner);
    const result = this.sql("DELETE FROM locks WHERE key = ? AND owner = ? AND expires_at > ?").run(key, owner, Date.now());
    return Number(result.changes) > 0;
  }

  async lockHolder(key: string): Promise<Claim | undefined> {
    checkKey("lock key", key);
    const now = Date.now();
    const held = this.sql("SELECT owner, expires_at FROM locks WHERE key = ? AND expires_at > ?").get(key, now) as Row | undefined;
    return held ? { won: false, owner: String(held.owner), expiresInMs: Number(held.expires_at) - now } : undefined;
  }

  async close(): Promise<void> {
    if (!this.db) return;
    this.statements.clear();
    this.db.close();
    this.db = undefined;
  }

  // ------------------------------------------------------------ plumbing

  private connection(): DatabaseSync {
    if (!this.db) throw new StoreError("CLOSED", `The SQLite store at ${this.path} is closed`);
    return this.db;
  }

  private sql(text: string): StatementSync {
    const db = this.connection();
    let statement = this.statements.get(text);
    if (!statement) {
      statement = db.prepare(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  private sweep(): void {
    const now = Date.now();
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.sweepIntervalMs;
    this.sql("DELETE FROM documents WHERE expires_at <= ?").run(now);
    this.sql("DELETE FROM locks WHERE expires_at <= ?").run(now);
  }

  /** Run `body` in one IMMEDIATE transaction (the write lock is taken up front, so reads inside see the final state). */
  private transaction<T>(body: () => T): T {
    const db = this.connection();
    try {
      db.exec("BEGIN IMMEDIATE");
    } catch (error) {
      throw new StoreError("UNAVAILABLE", `The SQLite store at ${this.path} stayed locked by another connection: ${(error as Error).message}`, { cause: error });
    }
    try {
      this.sweep();
      const result = body();
      db.exec("COMMIT");
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec("ROLLBACK");
      throw error;
    }
  }
}

function toEntry(row: Row): LogEntry {
  return { seq: Number(row.seq), id: String(row.id), ts: Number(row.ts), body: String(row.body) };
}

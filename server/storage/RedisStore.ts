/**
 * The shared Store: Redis, so every process sees the same history, inboxes,
 * documents and locks, and they outlive any one process. Whatever must be
 * atomic (append with dedupe, trim and sequence; compare-and-set; bounded set
 * add; claim) is one Lua script, which Redis runs without interleaving.
 *
 * Key layout, under `prefix` (default "tickforge:"): `doc:{key}`,
 * `log:{name}:entries|meta|ids|idinfo`, `cursor:{key}`, `set:{key}`,
 * `lock:{key}`. The braces are Redis Cluster hash tags: a log's keys share a
 * slot, so its script may touch all of them.
 *
 * Log entries are a stream whose ids are `0-<seq>`, so XRANGE/XREVRANGE page
 * by sequence and XADD MAXLEN trims; timestamps come from the Redis server's
 * clock (TIME), one clock for every process appending to the log.
 */
import { Redis, type RedisOptions } from "ioredis";
import { logger } from "../logger.ts";
import { REDIS_CONNECTION_OPTIONS, redactRedisUrl } from "../ops/redis.ts";
import {
  checkBounds, checkCount, checkKey, checkVersion, MAX_TTL_MS, StoreError,
  type Appended, type Claim, type LogBounds, type LogEntry, type LogInfo, type LogPage,
  type NewLogEntry, type PutOptions, type PutResult, type SetAdd, type Store, type StoredDocument,
} from "./store.ts";

export interface RedisStoreOptions {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  /** Namespace for every key, so several deployments can share one Redis. */
  prefix?: string;
}

const CONNECTION_OPTIONS: RedisOptions = { ...REDIS_CONNECTION_OPTIONS, connectionName: "tickforge-store" };

/** Milliseconds from the Redis server's clock, never below the log's last timestamp. */
const NOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

const SCRIPTS = {
  // KEYS: entries, meta, ids (zset id→seq), idinfo (hash id→"seq:ts"). ARGV: id, body, maxLength, dedupeWindow.
  storeAppend: {
    numberOfKeys: 4,
    lua: `
if redis.replicate_commands then redis.replicate_commands() end
local prior = redis.call('HGET', KEYS[4], ARGV[1])
if prior then
  local sep = string.find(prior, ':', 1, true)
  return {1, tonumber(string.sub(prior, 1, sep - 1)), tonumber(string.sub(prior, sep + 1))}
end
${NOW}
local last = tonumber(redis.call('HGET', KEYS[2], 'ts') or '0')
if now < last then now = last end
local seq = redis.call('HINCRBY', KEYS[2], 'seq', 1)
redis.call('HSET', KEYS[2], 'ts', now)
redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[3], '0-' .. seq, 'i', ARGV[1], 't', now, 'b', ARGV[2])
redis.call('HSET', KEYS[4], ARGV[1], seq .. ':' .. now)
redis.call('ZADD', KEYS[3], seq, ARGV[1])
local cut = seq - tonumber(ARGV[4])
if cut > 0 then
  local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', cut)
  for i = 1, #old do redis.call('HDEL', KEYS[4], old[i]) end
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', cut)
end
return {0, seq, now}
`,
  },
  // KEYS: doc. ARGV: value, expected version ('' for any), ttl ms ('' for none). Returns {ok, version}.
  storePut: {
    numberOfKeys: 1,
    lua: `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if ARGV[2] ~= '' and tonumber(ARGV[2]) ~= current then return {0, current} end
local version = current + 1
redis.call('HSET', KEYS[1], 'v', version, 'd', ARGV[1])
if ARGV[3] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[3]) else redis.call('PERSIST', KEYS[1]) end
return {1, version}
`,
  },
  // KEYS: doc. ARGV: expected version ('' for any). Returns 1 when deleted.
  storeDelete: {
    numberOfKeys: 1,
    lua: `
local current = tonumber(redis.call('HGET', KEYS[1], 'v') or '0')
if current == 0 or (ARGV[1] ~= '' and tonumber(ARGV[1]) ~= current) then return 0 end
redis.call('DEL', KEYS[1])
return 1
`,
  },
  // KEYS: cursor. ARGV: value. Returns the value afterwards.
  storeAdvance: {
    numberOfKeys: 1,
    lua: `
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local wanted = tonumber(ARGV[1])
if wanted > current then redis.call('SET', KEYS[1], ARGV[1]); return wanted end
return current
`,
  },
  // KEYS: set. ARGV: member, maxSize. Returns 'added' | 'present' | 'full'.
  storeSetAdd: {
    numberOfKeys: 1,
    lua: `
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 'present' end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 'full' end
redis.call('SADD', KEYS[1], ARGV[1])
return 'added'
`,
  },
  // KEYS: lock. ARGV: owner, ttl ms. Returns {won, owner, expiresInMs}.
  storeClaim: {
    numberOfKeys: 1,
    lua: `
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return {0, holder, redis.call('PTTL', KEYS[1])} end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return {1, ARGV[1], tonumber(ARGV[2])}
`,
  },
  // KEYS: lock. ARGV: owner. Returns 1 when released.
  storeRelease: {
    numberOfKeys: 1,
    lua: `
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); return 1 end
return 0
`,
  },
  // KEYS: lock. Returns {owner, expiresInMs} or nil.
  storeHolder: {
    numberOfKeys: 1,
    lua: `
local holder = redis.call('GET', KEYS[1])
if not holder then return nil end
return {holder, redis.call('PTTL', KEYS[1])}
`,
  },
} as const;

type ScriptName = keyof typeof SCRIPTS;
type ScriptClient = Redis & Record<ScriptName, (...args: (string | number | Buffer)[]) => Promise<unknown>>;

export class RedisStore implements Store {
  readonly where: string;
  private readonly redis: ScriptClient;
  private readonly prefix: string;
  private closed = false;

  constructor({ url, prefix = "tickforge:" }: RedisStoreOptions) {
    this.where = redactRedisUrl(url);
    this.prefix = prefix;
    const redis = new Redis(url, CONNECTION_OPTIONS);
    // Failures reach callers as StoreError UNAVAILABLE; ioredis reports every failed reconnect here too.
    redis.on("error", (error: Error) => logger.debug({ store: this.where, err: error.message }, "store redis connection error"));
    for (const [name, { numberOfKeys, lua }] of Object.entries(SCRIPTS)) redis.defineCommand(name, { numberOfKeys, lua });
    this.redis = redis as ScriptClient;
  }

  // ------------------------------------------------------------ documents

  async getDocument(key: string): Promise<StoredDocument | undefined> {
    checkKey("document key", key);
    const [version, value] = await this.call(() => this.redis.hmgetBuffer(this.key("doc", key), "v", "d"));
    if (!version || !value) return undefined;
    return { version: Number(version.toString()), value: new Uint8Array(value.buffer, value.byteOffset, value.byteLength) };
  }

  async putDocument(key: string, value: Uint8Array, options: PutOptions = {}): Promise<PutResult> {
    checkKey("document key", key);
    checkVersion("expectedVersion", options.expectedVersion);
    if (options.ttlMs !== undefined) checkCount("ttlMs", options.ttlMs, 1, MAX_TTL_MS);
    const [ok, version] = await this.call(() => this.redis.storePut(
      this.key("doc", key), Buffer.from(value.buffer, value.byteOffset, value.byteLength),
      options.expectedVersion ?? "", options.ttlMs ?? "",
    )) as [number, number];
    return { ok: ok === 1, version };
  }

  async deleteDocument(key: string, expectedVersion?: number): Promise<boolean> {
    checkKey("document key", key);
    checkVersion("expectedVersion", expectedVersion);
    return await this.call(() => this.redis.storeDelete(this.key("doc", key), expectedVersion ?? "")) === 1;
  }

  // ------------------------------------------------------------ logs

  async append(log: string, entry: NewLogEntry, bounds: LogBounds): Promise<Appended> {
    checkKey("log name", log);
    checkKey("entry id", entry.id);
    if (typeof entry.body !== "string") throw new StoreError("INVALID_ARGUMENT", "entry body must be a string");
    const { maxLength, dedupeWindow } = checkBounds(bounds);
    const [duplicate, seq, ts] = await this.call(() => this.redis.storeAppend(
      ...this.logKeys(log), entry.id, entry.body, maxLength, dedupeWindow,
    )) as [number, number, number];
    return { seq, ts, duplicate: duplicate === 1 };
  }

  async pageBack(log: string, limit: number, before?: number): Promise<LogPage> {
    checkKey("log name", log);
    checkCount("limit", limit);
    if (before !== undefined) checkCount("before", before, 0, Number.MAX_SAFE_INTEGER);
    if (before !== undefined && before <= 1) return { entries: [], more: false };
    const end = before === undefined ? "+" : `0-${before - 1}`;
    const raw = await this.call(() => this.redis.xrevrange(this.logKeys(log)[0], end, "-", "COUNT", limit + 1));
    const more = raw.length > limit;
    return { entries: raw.slice(0, limit).reverse().map(toEntry), more };
  }

  async readAfter(log: string, after: number, limit: number): Promise<LogEntry[]> {
    checkKey("log name", log);
    checkCount("after", after, 0, Number.MAX_SAFE_INTEGER);
    checkCount("limit", limit);
    const raw = await this.call(() => this.redis.xrange(this.logKeys(log)[0], `0-${after + 1}`, "+", "COUNT", limit));
    return raw.map(toEntry);
  }

  async logInfo(log: string): Promise<LogInfo> {
    checkKey("log name", log);
    const [entries, meta] = this.logKeys(log);
    const [lastSeq, length] = await this.call(async () => {
      const replies = await this.redis.multi().hget(meta, "seq").xlen(entries).exec() ?? [];
      const failed = replies.find(([error]) => error);
      if (failed) throw failed[0];
      return replies.map(([, value]) => value);
    });
    return { lastSeq: Number(lastSeq ?? 0), length: Number(length) };
  }

  async deleteLog(log: string): Promise<void> {
    checkKey("log name", log);
    await this.call(() => this.redis.del(...this.logKeys(log)));
  }

  // ------------------------------------------------------------ cursors

  async getCursor(key: string): Promise<number> {
    checkKey("cursor key", key);
    return Number(await this.call(() => this.redis.get(this.key("cursor", key))) ?? 0);
  }

  async advanceCursor(key: string, value: number): Promise<number> {
    checkKey("cursor key", key);
    checkCount("cursor value", value, 0, Number.MAX_SAFE_INTEGER);
    return Number(await this.call(() => this.redis.storeAdvance(this.key("cursor", key), value)));
  }

  // ------------------------------------------------------------ sets

  async addToSet(key: string, member: string, maxSize: number): Promise<SetAdd> {
    checkKey("set key", key);
    checkKey("set member", member);
    checkCount("maxSize", maxSize);
    return await this.call(() => this.redis.storeSetAdd(this.key("set", key), member, maxSize)) as SetAdd;
  }

  async removeFromSet(key: string, member: string): Promise<boolean> {
    checkKey("set key", key);
    checkKey("set member", member);
    return await this.call(() => this.redis.srem(this.key("set", key), member)) > 0;
  }

  async isMember(key: string, member: string): Promise<boolean> {
    checkKey("set key", key);
    checkKey("set member", member);
    return await this.call(() => this.redis.sismember(this.key("set", key), member)) === 1;
  }

  async members(key: string): Promise<string[]> {
    checkKey("set key", key);
    const found = await this.call(() => this.redis.smembers(this.key("set", key)));
    return found.sort();
  }

  // ------------------------------------------------------------ locks

  async claim(key: string, owner: string, ttlMs: number): Promise<Claim> {
    checkKey("lock key", key);
    checkKey("lock owner", owner);
    checkCount("ttlMs", ttlMs, 1, MAX_TTL_MS);
    const [won, holder, expiresInMs] = await this.call(() => this.redis.storeClaim(this.key("lock", key), owner, ttlMs)) as [number, string, number];
    return { won: won === 1, owner: holder, expiresInMs };
  }

  async release(key: string, owner: string): Promise<boolean> {
    checkKey("lock key", key);
    checkKey("lock owner", owner);
    return await this.call(() => this.redis.storeRelease(this.key("lock", key), owner)) === 1;
  }

  async lockHolder(key: string): Promise<Claim | undefined> {
    checkKey("lock key", key);
    const held = await this.call(() => this.redis.storeHolder(this.key("lock", key))) as [string, number] | null;
    return held ? { won: false, owner: held[0], expiresInMs: held[1] } : undefined;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  // ------------------------------------------------------------ plumbing

  private key(kind: string, key: string): string {
    return `${this.prefix}${kind}:{${key}}`;
  }

  private logKeys(log: string): [entries: string, meta: string, ids: string, idinfo: string] {
    const base = this.key("log", log);
    return [`${base}:entries`, `${base}:meta`, `${base}:ids`, `${base}:idinfo`];
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    if (this.closed) throw new StoreError("CLOSED", `The Redis store at ${this.where} is closed`);
    try {
      return await command();
    } catch (error) {
      throw new StoreError("UNAVAILABLE", `The Redis store at ${this.where} failed: ${(error as Error).message}`, { cause: error });
    }
  }
}

function toEntry([streamId, fields]: [string, string[]]): LogEntry {
  const value: Record<string, string> = {};
  for (let i = 0; i < fields.length; i += 2) value[fields[i]] = fields[i + 1];
  return { seq: Number(streamId.slice(2)), id: value.i, ts: Number(value.t), body: value.b };
}

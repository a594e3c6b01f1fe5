/**
 * The framework's storage: one Store interface, two implementations, and the
 * choice between them (Redis when the deployment has one, so every process
 * shares it; otherwise a SQLite file under the data folder).
 */
import { join } from "node:path";
import { RedisStore } from "./RedisStore.ts";
import { SqliteStore } from "./SqliteStore.ts";
import type { Store } from "./store.ts";

export * from "./store.ts";
export { RedisStore, type RedisStoreOptions } from "./RedisStore.ts";
export { SqliteStore, DEFAULT_SQLITE_PATH, type SqliteStoreOptions } from "./SqliteStore.ts";

export interface StoreChoice {
  /** REDIS_URL: with it, the RedisStore. */
  redisUrl?: string;
  /** DATA_DIR: without Redis, the SQLite file lives here. */
  dataDir: string;
  /** Key prefix in Redis. */
  prefix?: string;
}

/** Which Store this process uses: `openStore({ redisUrl: config.redisUrl, dataDir: config.dataDir })`. */
export function openStore({ redisUrl, dataDir, prefix }: StoreChoice): Store {
  if (redisUrl) return new RedisStore({ url: redisUrl, prefix });
  return new SqliteStore({ path: join(dataDir, "tickforge.sqlite") });
}

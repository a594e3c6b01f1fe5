import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startRedis, type TestRedis } from "../../test/scaling/support.ts";
import { nodeSqlite } from "./node-sqlite.ts";
import { RedisStore } from "./RedisStore.ts";
import { SqliteStore } from "./SqliteStore.ts";
import { openStore } from "./index.ts";
import { describeStoreContract } from "./store.contract.ts";
import { StoreError } from "./store.ts";

const folder = mkdtempSync(join(tmpdir(), "tickforge-store-"));
const sqlitePath = join(folder, "data", "store.sqlite");
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describeStoreContract("SqliteStore", () => ({
  connect: () => new SqliteStore({ path: sqlitePath }),
  target: `sqlite:${sqlitePath}`,
  prefix: "",
}));

describe("SqliteStore on its own", () => {
  it("opens node:sqlite without printing Node's ExperimentalWarning", () => {
    const store = fileURLToPath(new URL("./SqliteStore.ts", import.meta.url));
    const run = spawnSync(process.execPath, ["--input-type=module", "-e",
      `const { SqliteStore } = await import(${JSON.stringify(store)}); await new SqliteStore({ path: ":memory:" }).close(); console.log("opened");`]);
    expect(run.stderr.toString()).toBe("");
    expect(run.stdout.toString()).toBe("opened\n");
  });

  it("refuses a file written by a newer schema with INCOMPATIBLE, naming the file", () => {
    const path = join(folder, "newer.sqlite");
    const db = new (nodeSqlite().DatabaseSync)(path);
    db.exec("PRAGMA user_version = 99");
    db.close();
    expect(() => new SqliteStore({ path })).toThrow(expect.objectContaining({ code: "INCOMPATIBLE", message: expect.stringContaining(path) }));
  });

  it("deletes expired documents and locks from the file on a later write", async () => {
    const path = join(folder, "sweep.sqlite");
    const store = new SqliteStore({ path, sweepIntervalMs: 0 });
    await store.putDocument("old-snapshot", new Uint8Array([1]), { ttlMs: 1 });
    await store.claim("old-claim", "gone", 1);
    const rows = () => {
      const db = new (nodeSqlite().DatabaseSync)(path);
      try {
        return ["documents", "locks"].map((table) => Number((db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n));
      } finally {
        db.close();
      }
    };
    const expired = Date.now() + 2;
    while (Date.now() <= expired) await new Promise((resolve) => setImmediate(resolve));
    await store.putDocument("unrelated", new Uint8Array([2]));
    await store.close();
    expect(rows()).toEqual([1, 0]);
  });
});

// A missing redis-server fails only these, with the apt-get line in the error.
describe("on a private redis-server", () => {
  let redis: TestRedis | undefined;
  const prefix = "contract:";
  beforeAll(async () => { redis = await startRedis(); });
  afterAll(async () => { await redis?.stop(); });

  describeStoreContract("RedisStore", () => ({
    connect: () => new RedisStore({ url: redis!.url, prefix }),
    target: redis!.url,
    prefix,
  }));

  describe("RedisStore on its own", () => {
    it("fails a call with UNAVAILABLE, naming the address, when Redis is unreachable", async () => {
      const port = await freePort();
      const store = new RedisStore({ url: `redis://127.0.0.1:${port}` });
      const error = await store.getCursor("x").catch((e: unknown) => e);
      await store.close();
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: "UNAVAILABLE", message: expect.stringContaining(`127.0.0.1:${port}`) });
    });
  });

  describe("openStore", () => {
    it("uses a SQLite file under the data folder without REDIS_URL, and Redis with it", async () => {
      const local = openStore({ dataDir: join(folder, "chosen") });
      const shared = openStore({ redisUrl: redis!.url, dataDir: join(folder, "unused"), prefix });
      try {
        expect(local).toBeInstanceOf(SqliteStore);
        expect((local as SqliteStore).path).toBe(join(folder, "chosen", "tickforge.sqlite"));
        expect(shared).toBeInstanceOf(RedisStore);
        expect(await shared.advanceCursor("open-store", 1)).toBe(1);
      } finally {
        await Promise.all([local.close(), shared.close()]);
      }
    });
  });
});

/**
 * What the Store's common calls cost, one at a time, as a chat room or a
 * durable room makes them. Prints microseconds per call.
 *
 *   node server/storage/measure.ts                  # SqliteStore in a temporary folder
 *   node server/storage/measure.ts redis://host:port  # RedisStore (use a Redis of your own: keys go under measure:)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RedisStore } from "./RedisStore.ts";
import { SqliteStore } from "./SqliteStore.ts";
import type { Store } from "./store.ts";

const redisUrl = process.argv[2];
const folder = mkdtempSync(join(tmpdir(), "tickforge-measure-"));
const store: Store = redisUrl
  ? new RedisStore({ url: redisUrl, prefix: `measure:${process.pid}:` })
  : new SqliteStore({ path: join(folder, "measure.sqlite") });

async function time(label: string, calls: number, call: (i: number) => Promise<unknown>): Promise<void> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) await call(i);
  const perCall = Number(process.hrtime.bigint() - start) / 1000 / calls;
  console.log(`${label.padEnd(44)} ${perCall.toFixed(1).padStart(8)} µs/call`);
}

const bounds = { maxLength: 500, dedupeWindow: 5000 };
const body = JSON.stringify({ id: "x", from: "user-123", name: "Player", text: "a".repeat(120) });
const snapshot = new Uint8Array(64 * 1024).map((_, i) => i & 255);

console.log(redisUrl ? `RedisStore at ${redisUrl}` : "SqliteStore (WAL, synchronous=NORMAL)");
try {
  await time("append, 150 B message", 5000, (i) => store.append("log", { id: `u/${i}`, body }, bounds));
  await time("append, a resend (duplicate)", 5000, (i) => store.append("log", { id: `u/${4999 - (i % 100)}`, body }, bounds));
  await time("pageBack, 50 messages", 2000, () => store.pageBack("log", 50));
  await time("putDocument, 64 KB snapshot", 500, () => store.putDocument("snapshot", snapshot));
  await time("claim, held by this owner", 2000, () => store.claim("lock", "me", 10_000));
  if (redisUrl) await store.deleteLog("log");
  if (redisUrl) await store.deleteDocument("snapshot");
  if (redisUrl) await store.release("lock", "me");
} finally {
  await store.close();
  rmSync(folder, { recursive: true, force: true });
}

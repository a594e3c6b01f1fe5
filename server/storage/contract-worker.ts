/**
 * A second process for the store contract (store.contract.ts): opens the same
 * store as the spec, says "ready", waits for "go" on stdin so every process
 * starts together, then does its part and prints what the store answered,
 * one JSON line.
 *
 *   node server/storage/contract-worker.ts <sqlite:PATH | redis://…> <prefix> append <log> <count> <idPrefix>
 *   node server/storage/contract-worker.ts <sqlite:PATH | redis://…> <prefix> claim <lock> <owner>
 */
import { once } from "node:events";
import { RedisStore } from "./RedisStore.ts";
import { SqliteStore } from "./SqliteStore.ts";
import type { Store } from "./store.ts";

const [target, prefix, task, key, ...args] = process.argv.slice(2);

function open(where: string): Store {
  if (where.startsWith("sqlite:")) return new SqliteStore({ path: where.slice("sqlite:".length) });
  return new RedisStore({ url: where, prefix });
}

async function append(store: Store, count: number, idPrefix: string): Promise<unknown> {
  const acked = [];
  for (let i = 0; i < count; i++) {
    const id = `${idPrefix}${i}`;
    acked.push({ id, ...await store.append(key, { id, body: `${idPrefix} says ${i}` }, { maxLength: 100_000 }) });
  }
  return acked;
}

const store = open(target);
process.stdout.write("ready\n");
await once(process.stdin, "data");
const result = task === "claim" ? await store.claim(key, args[0], 10_000) : await append(store, Number(args[0]), args[1]);
process.stdout.write(`${JSON.stringify(result)}\n`);
await store.close();
process.stdin.destroy();

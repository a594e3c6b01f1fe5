/**
 * A second process for the store contract (store.contract.ts): opens the same
 * store as the spec, says "ready", waits for "go" on stdin so both sides start
 * together, then appends `count` entries to `log` and prints what the store
 * acknowledged, one JSON line.
 *
 *   node server/storage/contract-worker.ts <sqlite:PATH | redis://…> <prefix> <log> <count> <idPrefix>
 */
import { once } from "node:events";
import { RedisStore } from "./RedisStore.ts";
import { SqliteStore } from "./SqliteStore.ts";
import type { Appended, Store } from "./store.ts";

const [target, prefix, log, count, idPrefix] = process.argv.slice(2);

function open(where: string): Store {
  if (where.startsWith("sqlite:")) return new SqliteStore({ path: where.slice("sqlite:".length) });
  return new RedisStore({ url: where, prefix });
}

const store = open(target);
process.stdout.write("ready\n");
await once(process.stdin, "data");
const acked: (Appended & { id: string })[] = [];
for (let i = 0; i < Number(count); i++) {
  const id = `${idPrefix}${i}`;
  acked.push({ id, ...await store.append(log, { id, body: `${idPrefix} says ${i}` }, { maxLength: 100_000 }) });
}
process.stdout.write(`${JSON.stringify(acked)}\n`);
await store.close();
process.stdin.destroy();

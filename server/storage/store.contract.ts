/**
 * What every Store must do, as one spec run against each implementation
 * (store.test.ts). A new store (Postgres, say) is done when it passes this.
 * Each test works under its own random keys, so tests share a store safely.
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { StoreError, type Appended, type Claim, type Store } from "./store.ts";

export interface StoreHarness {
  /** A new connection to the same store (the same file, the same Redis). */
  connect(): Store;
  /** How contract-worker.ts opens the same store in another process: "sqlite:<path>" or a Redis URL. */
  target: string;
  /** The key prefix connect() uses (Redis only; ignored by SQLite). */
  prefix: string;
}

const WORKER = fileURLToPath(new URL("./contract-worker.ts", import.meta.url));
const bytes = (text: string) => new TextEncoder().encode(text);
const text = (value: Uint8Array) => new TextDecoder().decode(value);

export function describeStoreContract(name: string, harness: () => StoreHarness): void {
  describe(`${name} (Store contract)`, () => {
    const opened: Store[] = [];
    const connect = () => {
      const store = harness().connect();
      opened.push(store);
      return store;
    };
    const unique = (what: string) => `${what}-${randomUUID()}`;
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    describe("documents", () => {
      it("reads back what was written, byte for byte, at version 1", async () => {
        const store = connect();
        const key = unique("doc");
        const value = Uint8Array.from({ length: 256 }, (_, i) => i);
        expect(await store.getDocument(key)).toBeUndefined();
        expect(await store.putDocument(key, value)).toEqual({ ok: true, version: 1 });
        const read = await store.getDocument(key);
        expect(read?.version).toBe(1);
        expect(Array.from(read!.value)).toEqual(Array.from(value));
      });

      it("refuses a compare-and-set at a stale version and reports the current one", async () => {
        const store = connect();
        const key = unique("doc");
        await store.putDocument(key, bytes("a"), { expectedVersion: 0 });
        expect(await store.putDocument(key, bytes("b"), { expectedVersion: 0 })).toEqual({ ok: false, version: 1 });
        expect(await store.putDocument(key, bytes("b"), { expectedVersion: 1 })).toEqual({ ok: true, version: 2 });
        expect(await store.putDocument(key, bytes("c"), { expectedVersion: 1 })).toEqual({ ok: false, version: 2 });
        expect(text((await store.getDocument(key))!.value)).toBe("b");
      });

      it("lets exactly one of many writers racing from two connections win a compare-and-set", async () => {
        const [one, two] = [connect(), connect()];
        const key = unique("doc");
        await one.putDocument(key, bytes("start"));
        const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? one : two).putDocument(key, bytes(`writer ${i}`), { expectedVersion: 1 })));
        expect(results.filter((r) => r.ok)).toEqual([{ ok: true, version: 2 }]);
      });

      it("deletes only at the expected version", async () => {
        const store = connect();
        const key = unique("doc");
        await store.putDocument(key, bytes("a"));
        await store.putDocument(key, bytes("b"));
        expect(await store.deleteDocument(key, 1)).toBe(false);
        expect(await store.deleteDocument(key, 2)).toBe(true);
        expect(await store.getDocument(key)).toBeUndefined();
        expect(await store.deleteDocument(key)).toBe(false);
      });

      it("forgets a document once its time to live has passed", async () => {
        const store = connect();
        const key = unique("doc");
        await store.putDocument(key, bytes("short"), { ttlMs: 40 });
        await eventually(async () => expect(await store.getDocument(key)).toBeUndefined());
        expect(await store.putDocument(key, bytes("again"), { expectedVersion: 0 })).toEqual({ ok: true, version: 1 });
      });
    });

    describe("logs", () => {
      const bounds = { maxLength: 1000 };

      it("numbers entries 1, 2, 3 with timestamps that never go back", async () => {
        const store = connect();
        const log = unique("log");
        const acks: Appended[] = [];
        for (const id of ["a", "b", "c"]) acks.push(await store.append(log, { id, body: `body ${id}` }, bounds));
        expect(acks.map((a) => [a.seq, a.duplicate])).toEqual([[1, false], [2, false], [3, false]]);
        expect(acks[1].ts).toBeGreaterThanOrEqual(acks[0].ts);
        expect(acks[2].ts).toBeGreaterThanOrEqual(acks[1].ts);
        const page = await store.pageBack(log, 10);
        expect(page).toEqual({ more: false, entries: [
          { seq: 1, id: "a", ts: acks[0].ts, body: "body a" },
          { seq: 2, id: "b", ts: acks[1].ts, body: "body b" },
          { seq: 3, id: "c", ts: acks[2].ts, body: "body c" },
        ] });
      });

      it("answers a repeated id with the original seq and timestamp and stores it once", async () => {
        const store = connect();
        const log = unique("log");
        const first = await store.append(log, { id: "m1", body: "hello" }, bounds);
        await store.append(log, { id: "m2", body: "there" }, bounds);
        const again = await store.append(log, { id: "m1", body: "hello (resent)" }, bounds);
        expect(again).toEqual({ seq: first.seq, ts: first.ts, duplicate: true });
        expect((await store.pageBack(log, 10)).entries.map((e) => e.body)).toEqual(["hello", "there"]);
        expect(await store.logInfo(log)).toEqual({ lastSeq: 2, length: 2 });
      });

      it("stores a message resent at once from two connections exactly once, and both get its seq", async () => {
        const [one, two] = [connect(), connect()];
        const log = unique("log");
        const acks = await Promise.all(Array.from({ length: 10 }, (_, i) =>
          (i % 2 ? one : two).append(log, { id: "same", body: "once" }, bounds)));
        expect(acks.filter((a) => !a.duplicate)).toHaveLength(1);
        expect(new Set(acks.map((a) => a.seq))).toEqual(new Set([1]));
        expect(await one.logInfo(log)).toEqual({ lastSeq: 1, length: 1 });
      });

      it("remembers an id for dedupeWindow appends, then accepts it as new", async () => {
        const store = connect();
        const log = unique("log");
        const windowed = { maxLength: 100, dedupeWindow: 2 };
        await store.append(log, { id: "x", body: "1" }, windowed);
        await store.append(log, { id: "y", body: "2" }, windowed);
        expect((await store.append(log, { id: "x", body: "again" }, windowed)).duplicate).toBe(true);
        await store.append(log, { id: "z", body: "3" }, windowed);
        expect(await store.append(log, { id: "x", body: "late" }, windowed)).toMatchObject({ seq: 4, duplicate: false });
      });

      it("still recognises a resend whose original was trimmed, when the dedupe window is longer than the log", async () => {
        const store = connect();
        const log = unique("log");
        const short = { maxLength: 2, dedupeWindow: 10 };
        const first = await store.append(log, { id: "a", body: "1" }, short);
        await store.append(log, { id: "b", body: "2" }, short);
        await store.append(log, { id: "c", body: "3" }, short);
        expect(await store.append(log, { id: "a", body: "1 again" }, short)).toEqual({ ...first, duplicate: true });
        expect((await store.pageBack(log, 10)).entries.map((e) => e.id)).toEqual(["b", "c"]);
      });

      it("keeps the newest maxLength entries and keeps counting", async () => {
        const store = connect();
        const log = unique("log");
        for (let i = 1; i <= 7; i++) await store.append(log, { id: `m${i}`, body: String(i) }, { maxLength: 3 });
        expect(await store.logInfo(log)).toEqual({ lastSeq: 7, length: 3 });
        expect((await store.pageBack(log, 10)).entries.map((e) => e.seq)).toEqual([5, 6, 7]);
        expect((await store.readAfter(log, 0, 10)).map((e) => e.seq)).toEqual([5, 6, 7]);
      });

      it("pages backwards through the whole log, each entry once, and says when older ones remain", async () => {
        const store = connect();
        const log = unique("log");
        for (let i = 1; i <= 10; i++) await store.append(log, { id: `m${i}`, body: String(i) }, bounds);
        const seen: number[][] = [];
        let page = await store.pageBack(log, 4);
        seen.push(page.entries.map((e) => e.seq));
        while (page.more) {
          page = await store.pageBack(log, 4, page.entries[0].seq);
          seen.push(page.entries.map((e) => e.seq));
        }
        expect(seen).toEqual([[7, 8, 9, 10], [3, 4, 5, 6], [1, 2]]);
        expect(await store.pageBack(log, 4, 1)).toEqual({ entries: [], more: false });
      });

      it("reads forward from a seq, for catching up after a reconnect", async () => {
        const store = connect();
        const log = unique("log");
        for (let i = 1; i <= 5; i++) await store.append(log, { id: `m${i}`, body: String(i) }, bounds);
        expect((await store.readAfter(log, 2, 2)).map((e) => e.seq)).toEqual([3, 4]);
        expect(await store.readAfter(log, 5, 10)).toEqual([]);
      });

      it("forgets a deleted log entirely, its sequence too", async () => {
        const store = connect();
        const log = unique("log");
        await store.append(log, { id: "a", body: "1" }, bounds);
        await store.deleteLog(log);
        expect(await store.logInfo(log)).toEqual({ lastSeq: 0, length: 0 });
        expect(await store.append(log, { id: "a", body: "new" }, bounds)).toMatchObject({ seq: 1, duplicate: false });
      });

      it("orders concurrent appends from two connections totally: seqs 1..n, each once, each writer's in its own order", async () => {
        const [one, two] = [connect(), connect()];
        const log = unique("log");
        const write = (store: Store, who: string) => Promise.all(Array.from({ length: 50 }, (_, i) =>
          store.append(log, { id: `${who}${i}`, body: `${who} ${i}` }, bounds).then((ack) => ({ id: `${who}${i}`, ...ack }))));
        const [a, b] = await Promise.all([write(one, "a"), write(two, "b")]);
        expectTotalOrder(await one.readAfter(log, 0, 1000), [a, b]);
      });

      it("orders appends racing from two other processes totally", async () => {
        const store = connect();
        const { target, prefix } = harness();
        const log = unique("log");
        const acks = await race(["a", "b"].map((who) => startWorker<(Appended & { id: string })[]>(target, prefix, ["append", log, "300", who])));
        expectTotalOrder(await store.readAfter(log, 0, 1000), acks);
      });
    });

    describe("logs against a reference model", () => {
      it("answers every random sequence of appends, resends, trims and reads as the model does", async () => {
        const store = connect();
        const op = fc.oneof(
          { weight: 5, arbitrary: fc.record({ kind: fc.constant("append" as const), id: fc.constantFrom("a", "b", "c", "d", "e", "f"), maxLength: fc.integer({ min: 1, max: 5 }), dedupeWindow: fc.integer({ min: 1, max: 8 }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant("pageBack" as const), limit: fc.integer({ min: 1, max: 4 }), before: fc.option(fc.integer({ min: 0, max: 40 }), { nil: undefined }) }) },
          { weight: 2, arbitrary: fc.record({ kind: fc.constant("readAfter" as const), after: fc.integer({ min: 0, max: 40 }), limit: fc.integer({ min: 1, max: 4 }) }) },
          { weight: 1, arbitrary: fc.constant({ kind: "logInfo" as const }) },
        );
        await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40, size: "max" }), async (ops) => {
          const log = unique("model");
          const model = new LogModel();
          const ts = new Map<number, number>();
          for (const step of ops) {
            switch (step.kind) {
              case "append": {
                const got = await store.append(log, { id: step.id, body: `${step.id}@${model.lastSeq + 1}` }, step);
                const want = model.append(step.id, step.maxLength, step.dedupeWindow);
                expect({ seq: got.seq, duplicate: got.duplicate }).toEqual(want);
                if (got.duplicate) expect(got.ts).toBe(ts.get(got.seq));
                else expect(got.ts).toBeGreaterThanOrEqual(ts.get(got.seq - 1) ?? 0);
                ts.set(got.seq, got.ts);
                break;
              }
              case "pageBack": {
                const page = await store.pageBack(log, step.limit, step.before);
                expect({ seqs: page.entries.map((e) => e.seq), more: page.more }).toEqual(model.pageBack(step.limit, step.before));
                break;
              }
              case "readAfter":
                expect((await store.readAfter(log, step.after, step.limit)).map((e) => e.seq)).toEqual(model.readAfter(step.after, step.limit));
                break;
              case "logInfo":
                expect(await store.logInfo(log)).toEqual({ lastSeq: model.lastSeq, length: model.kept.length });
            }
          }
        }), { numRuns: 40 });
      }, 60_000);
    });

    describe("cursors", () => {
      it("only moves forward, so a stale read receipt from another device never rewinds it", async () => {
        const [one, two] = [connect(), connect()];
        const key = unique("cursor");
        expect(await one.getCursor(key)).toBe(0);
        expect(await one.advanceCursor(key, 7)).toBe(7);
        expect(await two.advanceCursor(key, 3)).toBe(7);
        expect(await two.getCursor(key)).toBe(7);
      });
    });

    describe("sets", () => {
      it("adds, reports a member already present, and refuses beyond maxSize", async () => {
        const store = connect();
        const key = unique("set");
        expect(await store.addToSet(key, "bob", 2)).toBe("added");
        expect(await store.addToSet(key, "bob", 2)).toBe("present");
        expect(await store.addToSet(key, "amy", 2)).toBe("added");
        expect(await store.addToSet(key, "cat", 2)).toBe("full");
        expect(await store.members(key)).toEqual(["amy", "bob"]);
        const other = unique("set");
        for (const member of ["\u{1F600}", "\uFF21", "b"]) await store.addToSet(other, member, 10);
        expect(await store.members(other)).toEqual(["b", "\u{1F600}", "\uFF21"]);
        expect(await store.isMember(key, "cat")).toBe(false);
        expect(await store.removeFromSet(key, "bob")).toBe(true);
        expect(await store.removeFromSet(key, "bob")).toBe(false);
        expect(await store.addToSet(key, "cat", 2)).toBe("added");
      });

      it("never passes maxSize under concurrent adds from two connections", async () => {
        const [one, two] = [connect(), connect()];
        const key = unique("set");
        const results = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one : two).addToSet(key, `m${i}`, 10)));
        expect(results.filter((r) => r === "added")).toHaveLength(10);
        expect(await one.members(key)).toHaveLength(10);
      });
    });

    describe("locks", () => {
      it("gives a lock raced for by many owners on two connections to exactly one", async () => {
        const [one, two] = [connect(), connect()];
        const key = unique("lock");
        const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? one : two).claim(key, `process-${i}`, 10_000)));
        const winners = claims.filter((c) => c.won);
        expect(winners).toHaveLength(1);
        for (const claim of claims) expect(claim.owner).toBe(winners[0].owner);
        expect((await one.lockHolder(key))?.owner).toBe(winners[0].owner);
      });

      it("gives a lock raced for by four processes to exactly one", async () => {
        const store = connect();
        const { target, prefix } = harness();
        const key = unique("lock");
        const claims = await race([1, 2, 3, 4].map((n) => startWorker<Claim>(target, prefix, ["claim", key, `survivor-${n}`])));
        const winners = claims.filter((c) => c.won);
        expect(winners).toHaveLength(1);
        for (const claim of claims) expect(claim.owner).toBe(winners[0].owner);
        expect((await store.lockHolder(key))?.owner).toBe(winners[0].owner);
      });

      it("lets the holder renew and release, and nobody else release it", async () => {
        const store = connect();
        const key = unique("lock");
        expect((await store.claim(key, "me", 10_000)).won).toBe(true);
        expect((await store.claim(key, "me", 20_000))).toMatchObject({ won: true, owner: "me" });
        const refused = await store.claim(key, "you", 10_000);
        expect(refused).toMatchObject({ won: false, owner: "me" });
        expect(refused.expiresInMs).toBeGreaterThan(10_000);
        expect(await store.release(key, "you")).toBe(false);
        expect(await store.release(key, "me")).toBe(true);
        expect(await store.lockHolder(key)).toBeUndefined();
        expect((await store.claim(key, "you", 10_000)).won).toBe(true);
      });

      it("frees a lock whose holder stopped renewing once it expires", async () => {
        const store = connect();
        const key = unique("lock");
        await store.claim(key, "crashed", 40);
        await eventually(async () => expect(await store.claim(key, "survivor", 10_000)).toMatchObject({ won: true }));
      });
    });

    describe("durability and errors", () => {
      it("keeps everything for a later connection after the first one closes", async () => {
        const first = connect();
        const [doc, log, set, cursor] = [unique("doc"), unique("log"), unique("set"), unique("cursor")];
        await first.putDocument(doc, bytes("snapshot"));
        const ack = await first.append(log, { id: "m1", body: "kept" }, { maxLength: 10 });
        await first.addToSet(set, "blocked-user", 10);
        await first.advanceCursor(cursor, 5);
        await first.close();

        const later = connect();
        expect(text((await later.getDocument(doc))!.value)).toBe("snapshot");
        expect(await later.pageBack(log, 10)).toEqual({ entries: [{ seq: 1, id: "m1", ts: ack.ts, body: "kept" }], more: false });
        expect(await later.append(log, { id: "m1", body: "resent" }, { maxLength: 10 })).toEqual({ ...ack, duplicate: true });
        expect(await later.isMember(set, "blocked-user")).toBe(true);
        expect(await later.getCursor(cursor)).toBe(5);
      });

      it("keeps each kind in its own namespace, whatever characters a key holds", async () => {
        const store = connect();
        const key = unique("a:{b}:c ü");
        await store.putDocument(key, bytes("doc"));
        await store.append(key, { id: "m", body: "log" }, { maxLength: 10 });
        await store.addToSet(key, "member", 10);
        await store.advanceCursor(key, 3);
        await store.claim(key, "owner", 10_000);
        expect(text((await store.getDocument(key))!.value)).toBe("doc");
        expect((await store.pageBack(key, 10)).entries.map((e) => e.body)).toEqual(["log"]);
        expect(await store.members(key)).toEqual(["member"]);
        expect(await store.getCursor(key)).toBe(3);
        expect((await store.lockHolder(key))?.owner).toBe("owner");
        await store.deleteLog(key);
        expect(await store.getDocument(key)).toBeDefined();
      });

      it("refuses empty keys and bad bounds with INVALID_ARGUMENT", async () => {
        const store = connect();
        await expectStoreError(store.getDocument(""), "INVALID_ARGUMENT");
        await expectStoreError(store.append("log", { id: "x".repeat(600), body: "" }, { maxLength: 10 }), "INVALID_ARGUMENT");
        await expectStoreError(store.append("log", { id: "a", body: "" }, { maxLength: 0 }), "INVALID_ARGUMENT");
        await expectStoreError(store.pageBack("log", 1.5), "INVALID_ARGUMENT");
        await expectStoreError(store.claim("lock", "me", -1), "INVALID_ARGUMENT");
      });

      it("fails calls after close with CLOSED", async () => {
        const store = connect();
        await store.close();
        await expectStoreError(store.logInfo("log"), "CLOSED");
      });
    });
  });
}

/** A log as the Store interface describes it, in memory, to compare a store against. */
class LogModel {
  lastSeq = 0;
  /** Seqs of the kept entries, oldest first. */
  kept: number[] = [];
  /** Remembered ids and the seq each was stored at. */
  private readonly ids = new Map<string, number>();

  append(id: string, maxLength: number, dedupeWindow: number): { seq: number; duplicate: boolean } {
    const prior = this.ids.get(id);
    if (prior !== undefined) return { seq: prior, duplicate: true };
    const seq = ++this.lastSeq;
    this.kept.push(seq);
    this.ids.set(id, seq);
    this.kept = this.kept.filter((s) => s > seq - maxLength);
    for (const [known, at] of this.ids) if (at <= seq - dedupeWindow) this.ids.delete(known);
    return { seq, duplicate: false };
  }

  pageBack(limit: number, before = Number.MAX_SAFE_INTEGER): { seqs: number[]; more: boolean } {
    const older = this.kept.filter((s) => s < before);
    return { seqs: older.slice(-limit), more: older.length > limit };
  }

  readAfter(after: number, limit: number): number[] {
    return this.kept.filter((s) => s > after).slice(0, limit);
  }
}

interface Worker<T> { ready: Promise<void>; go(): void; done: Promise<T> }

/** contract-worker.ts in its own process, doing `task` once told to go. */
function startWorker<T>(target: string, prefix: string, task: string[]): Worker<T> {
  const child = spawn(process.execPath, [WORKER, target, prefix, ...task], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "", err = "";
  child.stderr.on("data", (d) => (err += d));
  const exited = once(child, "exit");
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      out += d;
      if (out.startsWith("ready\n")) resolve();
    });
    void exited.then(([code]) => reject(new Error(`contract-worker exited with ${code} before it was ready: ${err}`)));
  });
  const done = exited.then(([code]) => {
    if (code !== 0 || err !== "") throw new Error(`contract-worker exited with ${code}: ${err}`);
    return JSON.parse(out.split("\n")[1]) as T;
  });
  return { ready, go: () => child.stdin.write("go\n"), done };
}

/** Start the workers, wait until every one is ready, let them all go at once, and collect what each printed. */
async function race<T>(workers: Worker<T>[]): Promise<T[]> {
  await Promise.all(workers.map((w) => w.ready));
  for (const w of workers) w.go();
  return Promise.all(workers.map((w) => w.done));
}

/** Every acknowledged append is in `stored` exactly once at its acknowledged seq; seqs run 1..n; each writer's entries keep its order. */
function expectTotalOrder(stored: { seq: number; id: string }[], writers: (Appended & { id: string })[][]): void {
  const total = writers.reduce((n, w) => n + w.length, 0);
  expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
  const seqOf = new Map(stored.map((e) => [e.id, e.seq]));
  expect(seqOf.size).toBe(total);
  for (const writer of writers) {
    for (const ack of writer) expect(seqOf.get(ack.id)).toBe(ack.seq);
    const seqs = writer.map((ack) => ack.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
  }
}

async function expectStoreError(call: Promise<unknown>, code: StoreError["code"]): Promise<void> {
  const error = await call.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(StoreError);
  expect((error as StoreError).code).toBe(code);
}

/** Retry `check` until it passes (the store's clock, not ours, decides when a TTL is over). */
async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { SqliteStore } from "../../server/storage/SqliteStore.ts";
import { createGroup, invite } from "./channel.ts";
import { ChatStorage, type Posted } from "./storage.ts";

const folder = mkdtempSync(join(tmpdir(), "tickforge-chat-"));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

let store: SqliteStore;
let chat: ChatStorage;
beforeEach(() => {
  store = new SqliteStore({ path: ":memory:" });
  chat = new ChatStorage(store, { historyPage: 2, historyLength: 5, inboxSize: 3, blocks: 2 });
});
afterEach(() => store.close());

/** The ack and line of a message that was stored for the first time. */
function stored(posted: Posted) {
  if (!posted.ok || posted.duplicate) throw new Error(`expected a new message, got ${JSON.stringify(posted)}`);
  return posted;
}

const ann = { id: "ann", name: "Ann" };
const bob = { id: "bob", name: "Bob" };

describe("ChatStorage", () => {
  it("acknowledges a message with its id, seq and timestamp and returns the line to broadcast", async () => {
    const posted = stored(await chat.post("global", ann, { id: "m1", text: "hi" }));
    expect(posted.ack).toMatchObject({ channel: "global", id: "m1", seq: 1 });
    expect(posted.line).toEqual({ channel: "global", seq: 1, ts: posted.ack.ts, id: "m1", from: "ann", name: "Ann", text: "hi" });
  });

  it("stores a resent message once and answers with the original ack", async () => {
    const first = stored(await chat.post("global", ann, { id: "m1", text: "hi" }));
    const again = await chat.post("global", ann, { id: "m1", text: "hi (resent)" });
    expect(again).toEqual({ ok: true, duplicate: true, ack: first.ack });
    expect((await chat.page({ channel: "global" })).lines).toHaveLength(1);
  });

  it("keeps two senders' messages apart even when they chose the same id", async () => {
    await chat.post("global", ann, { id: "m1", text: "from ann" });
    const bobs = await chat.post("global", bob, { id: "m1", text: "from bob" });
    expect(bobs).toMatchObject({ ok: true, duplicate: false, ack: { seq: 2 } });
  });

  it("pages history: the newest page, older before a seq, newer after one", async () => {
    for (let i = 1; i <= 4; i++) await chat.post("global", ann, { id: `m${i}`, text: `${i}` });
    const newest = await chat.page({ channel: "global" });
    expect([newest.lines.map((l) => l.seq), newest.more]).toEqual([[3, 4], true]);
    const older = await chat.page({ channel: "global", before: 3 });
    expect([older.lines.map((l) => l.seq), older.more, older.before]).toEqual([[1, 2], false, 3]);
    const after = await chat.page({ channel: "global", after: 1 });
    expect([after.lines.map((l) => l.seq), after.more, after.after]).toEqual([[2, 3], true, 1]);
  });

  it("keeps only historyLength messages per channel", async () => {
    for (let i = 1; i <= 7; i++) await chat.post("global", ann, { id: `m${i}`, text: `${i}` });
    expect((await chat.page({ channel: "global", after: 0 })).lines[0].seq).toBe(3);
  });

  it("counts unread messages from a read receipt that never moves back", async () => {
    for (let i = 1; i <= 4; i++) await chat.post("global", ann, { id: `m${i}`, text: `${i}` });
    expect(await chat.unread("bob", "global")).toBe(4);
    expect(await chat.markRead("bob", "global", 3)).toBe(3);
    expect(await chat.markRead("bob", "global", 1)).toBe(3);
    expect(await chat.unread("bob", "global")).toBe(1);
  });

  it("keeps read receipts of users and channels whose names share colons apart", async () => {
    await chat.markRead("a:b", "c", 7);
    expect(await chat.lastRead("a", "b:c")).toBe(0);
  });

  it("keeps an offline inbox of the newest inboxSize lines, handed over once", async () => {
    for (let i = 1; i <= 4; i++) {
      await chat.toInbox("bob", stored(await chat.post("dm:ann~bob", ann, { id: `m${i}`, text: `${i}` })).line);
    }
    const waiting = await chat.inbox("bob");
    expect(waiting.lines.map((l) => l.text)).toEqual(["2", "3", "4"]);
    await chat.inboxDelivered("bob", waiting.through);
    expect((await chat.inbox("bob")).lines).toEqual([]);
  });

  it("never skips inbox lines that have not arrived yet, whatever position a client acknowledges", async () => {
    await chat.toInbox("bob", stored(await chat.post("dm:ann~bob", ann, { id: "m1", text: "one" })).line);
    await chat.inboxDelivered("bob", 1_000_000);
    await chat.toInbox("bob", stored(await chat.post("dm:ann~bob", ann, { id: "m2", text: "two" })).line);
    expect((await chat.inbox("bob")).lines.map((l) => l.text)).toEqual(["two"]);
  });

  it("blocks, reports blocks both ways, refuses yourself and a full list, and unblocks", async () => {
    expect(await chat.block("ann", "bob")).toEqual({ ok: true });
    expect(await chat.directBlocks("bob", "ann")).toEqual({ senderBlockedRecipient: false, recipientBlockedSender: true });
    expect(await chat.block("ann", "ann")).toMatchObject({ ok: false, rejection: { code: "SELF" } });
    expect(await chat.block("ann", "cat")).toEqual({ ok: true });
    expect(await chat.block("ann", "dan")).toMatchObject({ ok: false, rejection: { code: "BLOCK_LIST_FULL" } });
    expect(await chat.block("ann", "bob")).toEqual({ ok: true });
    await chat.unblock("ann", "bob");
    expect(await chat.hasBlocked("ann", "bob")).toBe(false);
  });

  it("saves a group with compare-and-set, so two moderators inviting at once cannot overwrite each other", async () => {
    const created = await chat.saveChannel(createGroup("squad", "ann"), 0);
    expect(created).toEqual({ saved: true, version: 1 });
    const loaded = (await chat.loadChannel("group:squad"))!;
    const first = invite(loaded.channel, "ann", "bob");
    const second = invite(loaded.channel, "ann", "cat");
    if (!first.ok || !second.ok) throw new Error("invites refused");
    expect(await chat.saveChannel(first.channel, loaded.version)).toEqual({ saved: true, version: 2 });
    expect(await chat.saveChannel(second.channel, loaded.version)).toEqual({ saved: false, version: 2 });
    const reloaded = (await chat.loadChannel("group:squad"))!;
    expect([...reloaded.channel.roles]).toEqual([["ann", "owner"], ["bob", "member"]]);
  });

  it("refuses a message with UNAVAILABLE, not a crash, when storage fails", async () => {
    await store.close();
    expect(await chat.post("global", ann, { id: "m1", text: "hi" })).toMatchObject({
      ok: false, rejection: { code: "UNAVAILABLE", id: "m1", channel: "global" },
    });
  });

  it("keeps history across a restart when its store is a file", async () => {
    const path = join(folder, "restart.sqlite");
    const first = new SqliteStore({ path });
    await new ChatStorage(first).post("global", ann, { id: "m1", text: "still here" });
    await first.close();
    const again = new SqliteStore({ path });
    try {
      expect((await new ChatStorage(again).page({ channel: "global" })).lines.map((l) => l.text)).toEqual(["still here"]);
    } finally {
      await again.close();
    }
  });
});

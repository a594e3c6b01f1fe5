/**
 * The chat room type against a real server with signed-in guests: one order
 * per channel, history on join, a resend stored once, direct messages to
 * every socket or the offline inbox, blocking, and moderation's typed errors.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientErrorCode, CloseCode, ROOM_TYPES_PATH } from "../../shared/protocol.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import type { GuestClient } from "../../tools/identity.ts";
import { waitForState } from "../../tools/wait.ts";
import { matchChannel } from "./channel.ts";
import { CHAT_BUDGET, setChatFilter } from "./ChatRoom.ts";
import { chat } from "./index.ts";
import { ChatStorage } from "./storage.ts";
import { ChatJoinError, ChatMessage, type Ack, type ChatLine, type HistoryPage, type InboxDelivery, type Rejection } from "./protocol.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-chat-"));
let ts: TestServer;
beforeAll(async () => { ts = await startServer({ DATA_DIR: dataDir }, [chat]); });
afterAll(async () => {
  await ts?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Retry `attempt` until it succeeds: an invite is stored after the owner's message is handled, which the invitee cannot observe. */
async function eventually<T>(attempt: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

let channels = 0;
/** A fresh public channel per spec, so specs share no history. */
const freshChannel = () => `talk-${process.pid}-${++channels}`;

/** One socket in one chat room, keeping everything it heard. */
class Chatter {
  readonly lines: ChatLine[] = [];
  readonly acks: Ack[] = [];
  readonly rejections: Rejection[] = [];
  readonly pages: HistoryPage[] = [];
  readonly inboxes: InboxDelivery[] = [];
  readonly blockStates: unknown[] = [];
  readonly errors: { code: number; message: string }[] = [];
  private waiters = new Set<() => void>();
  readonly room: Room;
  readonly userId: string;
  constructor(room: Room, userId: string) {
    this.room = room;
    this.userId = userId;
    const keep = <T>(list: T[]) => (value: T) => { list.push(value); this.wake(); };
    room.onMessage(ChatMessage.line, keep(this.lines));
    room.onMessage(ChatMessage.ack, keep(this.acks));
    room.onMessage(ChatMessage.rejected, keep(this.rejections));
    room.onMessage(ChatMessage.historyPage, keep(this.pages));
    room.onMessage(ChatMessage.inbox, keep(this.inboxes));
    room.onMessage(ChatMessage.blockState, keep(this.blockStates));
    room.onMessage(ChatMessage.typing, () => {});
    room.onMessage(ChatMessage.read, () => {});
    room.onError((code, message) => { this.errors.push({ code, message: message ?? "" }); this.wake(); });
  }

  static async join(client: GuestClient, channel: string, options: Record<string, unknown> = {}): Promise<Chatter> {
    const identity = await client.identity;
    return new Chatter(await client.joinOrCreate("chat", { channel, ...options }), identity.user.id);
  }

  /** Resolves when `predicate` holds, checked after every message. */
  until<T>(predicate: () => T | undefined | false, what: string, timeoutMs = 10_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = predicate();
        if (value) { this.waiters.delete(check); clearTimeout(timer); resolve(value); }
      };
      const timer = setTimeout(() => { this.waiters.delete(check); reject(new Error(`timed out waiting for ${what}`)); }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  send(channel: string, id: string, text: string): void {
    this.room.send(ChatMessage.send, { channel, id, text });
  }

  ackOf(id: string): Promise<Ack> {
    return this.until(() => this.acks.find((a) => a.id === id), `the ack of ${id}`);
  }

  rejectionOf(id: string): Promise<Rejection> {
    return this.until(() => this.rejections.find((r) => r.id === id), `the rejection of ${id}`);
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

describe("a chat channel", () => {
  it("shows every member the same lines in the same order, however the sends interleave", async () => {
    const channel = freshChannel();
    const members = await Promise.all(["Ann", "Bob", "Cat"].map((name) => Chatter.join(ts.client(name), channel)));
    await members[0].until(() => true, "joined");
    for (let i = 0; i < 5; i++) members.forEach((m, who) => m.send(channel, `m${who}-${i}`, `message ${i} from ${who}`));
    const seen = await Promise.all(members.map((m) => m.until(() => m.lines.length >= 15 && m.lines, "15 lines")));
    const order = seen.map((lines) => lines.map((l) => `${l.seq}:${l.from}/${l.id}`));
    expect(order[1]).toEqual(order[0]);
    expect(order[2]).toEqual(order[0]);
    expect(seen[0].map((l) => l.seq)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    await Promise.all(members.map((m) => m.room.leave()));
  });

  it("gives a member who joins later the history, oldest first", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    for (const id of ["h1", "h2", "h3"]) ann.send(channel, id, `said ${id}`);
    await ann.ackOf("h3");
    const bob = await Chatter.join(ts.client("Bob"), channel);
    bob.room.send(ChatMessage.history, { channel });
    const page = await bob.until(() => bob.pages[0], "a history page");
    expect(page.lines.map((l) => [l.seq, l.id, l.text, l.name])).toEqual([[1, "h1", "said h1", "Ann"], [2, "h2", "said h2", "Ann"], [3, "h3", "said h3", "Ann"]]);
    expect(page.more).toBe(false);
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  it("stores a message resent after a reconnect once, and acks the resend with the original's seq and time", async () => {
    const channel = freshChannel();
    const annClient = ts.client("Ann");
    const bob = await Chatter.join(ts.client("Bob"), channel);
    const first = await Chatter.join(annClient, channel);
    first.send(channel, "once", "only once");
    const original = await first.ackOf("once");
    await first.room.leave();
    const again = await Chatter.join(annClient, channel);
    again.send(channel, "once", "only once");
    expect(await again.ackOf("once")).toEqual(original);
    again.send(channel, "after", "next one");
    await bob.until(() => bob.lines.some((l) => l.id === "after"), "the next line");
    expect(bob.lines.map((l) => l.id)).toEqual(["once", "after"]);
    bob.room.send(ChatMessage.history, { channel });
    const page = await bob.until(() => bob.pages[0], "a history page");
    expect(page.lines.map((l) => l.id)).toEqual(["once", "after"]);
    await Promise.all([again.room.leave(), bob.room.leave()]);
  });

  it("lists who is here in its state, and drops a member when their last socket leaves", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    const bob = await Chatter.join(ts.client("Bob"), channel);
    await waitForState(ann.room, (state) => state.members?.size === 2, 10_000, "two members");
    expect(ann.room.state.members.get(bob.userId)?.name).toBe("Bob");
    await bob.room.leave();
    await waitForState(ann.room, (state) => state.members.size === 1, 10_000, "Bob gone");
    await ann.room.leave();
  });
});

describe("a group", () => {
  it("is opened by its owner, refuses non-members, and admits whom the owner invites", async () => {
    const group = `group:crew-${process.pid}`;
    const ann = await Chatter.join(ts.client("Ann"), group, { create: true });
    await waitForState(ann.room, (state) => state.members?.get(ann.userId)?.role === "owner", 10_000, "Ann as owner");
    const bobClient = ts.client("Bob");
    const bobId = (await bobClient.identity).user.id;
    await expect(bobClient.joinOrCreate("chat", { channel: group })).rejects.toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
    ann.room.send(ChatMessage.invite, { channel: group, user: bobId });
    const bob = await eventually(() => Chatter.join(bobClient, group));
    await waitForState(bob.room, (state) => state.members?.get(bobId)?.role === "member", 10_000, "Bob as member");
    bob.send(group, "g1", "thanks");
    await ann.until(() => ann.lines.some((l) => l.id === "g1"), "Bob's line");
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  it("closes the sockets of a member the owner removes, who can no longer join", async () => {
    const group = `group:gone-${process.pid}`;
    const ann = await Chatter.join(ts.client("Ann"), group, { create: true });
    const bobClient = ts.client("Bob");
    const bobId = (await bobClient.identity).user.id;
    ann.room.send(ChatMessage.invite, { channel: group, user: bobId });
    const bob = await eventually(() => Chatter.join(bobClient, group));
    const closed = new Promise<number>((resolve) => bob.room.onLeave((code) => resolve(code)));
    ann.room.send(ChatMessage.remove, { channel: group, user: bobId });
    expect(await closed).toBe(CloseCode.KICKED);
    await expect(bobClient.joinOrCreate("chat", { channel: group })).rejects.toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
    await ann.room.leave();
  });

  it("refuses a member's invite with FORBIDDEN", async () => {
    const group = `group:club-${process.pid}`;
    const ann = await Chatter.join(ts.client("Ann"), group, { create: true });
    const bobClient = ts.client("Bob");
    const bobId = (await bobClient.identity).user.id;
    ann.room.send(ChatMessage.invite, { channel: group, user: bobId });
    const bob = await eventually(() => Chatter.join(bobClient, group));
    bob.room.send(ChatMessage.invite, { channel: group, user: "someone-else" });
    expect((await bob.until(() => bob.rejections[0], "a rejection")).code).toBe("FORBIDDEN");
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });
});

describe("a match channel", () => {
  it("admits the players its game room saved and refuses anyone else", async () => {
    const [annClient, bobClient] = [ts.client("Ann"), ts.client("Bob")];
    const players = [(await annClient.identity).user.id, (await bobClient.identity).user.id];
    const match = matchChannel(`table-${process.pid}`, players);
    expect((await new ChatStorage(ts.server.store).saveChannel(match, 0)).saved).toBe(true);
    const ann = await Chatter.join(annClient, match.id);
    const bob = await Chatter.join(bobClient, match.id);
    await expect(ts.client("Eve").joinOrCreate("chat", { channel: match.id })).rejects.toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
    ann.send(match.id, "gg", "good game");
    await bob.until(() => bob.lines.some((l) => l.id === "gg"), "Ann's line");
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  it("does not exist until its game room saves it", async () => {
    await expect(ts.client("Ann").joinOrCreate("chat", { channel: `match:nowhere-${process.pid}` })).rejects.toMatchObject({ code: ChatJoinError.NO_SUCH_CHANNEL });
  });
});

describe("receipts and typing", () => {
  it("broadcast a member's read receipt, which never moves back", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    const bob = await Chatter.join(ts.client("Bob"), channel);
    const receipts: { user: string; seq: number }[] = [];
    bob.room.onMessage(ChatMessage.read, (notice) => { receipts.push(notice); });
    ann.room.send(ChatMessage.read, { channel, seq: 7 });
    ann.room.send(ChatMessage.read, { channel, seq: 3 });
    ann.send(channel, "sync", "after the receipts");
    await bob.until(() => bob.lines.some((l) => l.id === "sync") && receipts.length === 2, "both receipts");
    expect(receipts).toEqual([{ channel, user: ann.userId, seq: 7 }, { channel, user: ann.userId, seq: 7 }]);
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  /** Ann and Bob in a fresh channel, with the typing notices Bob receives. */
  async function typingWatched() {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    const bob = await Chatter.join(ts.client("Bob"), channel);
    const notices: unknown[] = [];
    bob.room.onMessage(ChatMessage.typing, (notice) => { notices.push(notice); });
    return { channel, ann, bob, notices };
  }

  it("forwards a typing notice to the others at most once per interval", async () => {
    const { channel, ann, bob, notices } = await typingWatched();
    ann.room.send(ChatMessage.typing, { channel });
    ann.room.send(ChatMessage.typing, { channel });
    ann.send(channel, "typed", "done typing");
    await bob.until(() => bob.lines.some((l) => l.id === "typed"), "the line after typing");
    expect(notices).toEqual([{ channel, user: ann.userId }]);
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  it("forwards the first typing notice after the typist's line, which ended the indicator on every screen", async () => {
    const { channel, ann, bob, notices } = await typingWatched();
    ann.room.send(ChatMessage.typing, { channel });
    ann.send(channel, "first", "one line");
    await bob.until(() => bob.lines.some((l) => l.id === "first"), "the first line");
    ann.room.send(ChatMessage.typing, { channel });
    ann.send(channel, "second", "and another");
    await bob.until(() => bob.lines.some((l) => l.id === "second"), "the second line");
    expect(notices).toEqual([{ channel, user: ann.userId }, { channel, user: ann.userId }]);
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });
});

describe("the chat room type", () => {
  it("is offered to scenes but not listed on the title screen as a game", async () => {
    const listed = await (await fetch(`${ts.endpoint}${ROOM_TYPES_PATH}`)).json() as { name: string }[];
    expect(listed.map((type) => type.name)).not.toContain("chat");
    expect(ts.server.roomTypes.map((type) => type.name)).toContain("chat");
  });
});

describe("moderation in a channel", () => {
  it("refuses a message over the length limit with TOO_LONG, naming its id", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    ann.send(channel, "long", "x".repeat(501));
    expect(await ann.rejectionOf("long")).toMatchObject({ code: "TOO_LONG", channel });
    ann.send(channel, "blank", " \u0000\u200b ");
    expect((await ann.rejectionOf("blank")).code).toBe("EMPTY");
    await ann.room.leave();
  });

  it("refuses what the studio's filter rejects with FILTERED and its reason, and stores what it rewrites", async () => {
    const channel = freshChannel();
    setChatFilter(({ text }) => text.includes("darn") ? { action: "reject", reason: "Keep it clean." } : { action: "replace", text: text.replace("heck", "h**k") });
    try {
      const ann = await Chatter.join(ts.client("Ann"), channel);
      ann.send(channel, "f1", "darn it");
      expect(await ann.rejectionOf("f1")).toMatchObject({ code: "FILTERED", message: "Keep it clean." });
      ann.send(channel, "f2", "what the heck");
      const line = await ann.until(() => ann.lines.find((l) => l.id === "f2"), "the rewritten line");
      expect(line.text).toBe("what the h**k");
      await ann.room.leave();
    } finally {
      setChatFilter(undefined);
    }
  });

  it("stores text stripped of control characters", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    ann.send(channel, "ctl", "hel\u0007lo\u202e world");
    await ann.ackOf("ctl");
    const line = await ann.until(() => ann.lines.find((l) => l.id === "ctl"), "the line");
    expect(line.text).toBe("hello world");
    await ann.room.leave();
  });

  it("refuses messages past the chat budget with a typed RATE_LIMITED error", async () => {
    const channel = freshChannel();
    const ann = await Chatter.join(ts.client("Ann"), channel);
    for (let i = 0; i < CHAT_BUDGET.burst + 3; i++) ann.send(channel, `r${i}`, "spam");
    const error = await ann.until(() => ann.errors.find((e) => e.code === ClientErrorCode.RATE_LIMITED), "a rate-limit error");
    expect(error.message).toMatch(/chat:send/);
    await ann.room.leave();
  });

  it("refuses a channel id that names no kind of channel", async () => {
    await expect(ts.client("Ann").joinOrCreate("chat", { channel: "nonsense:x" })).rejects.toMatchObject({ code: ChatJoinError.NO_SUCH_CHANNEL, message: expect.stringMatching(/No such channel/) });
  });
});

describe("direct messages", () => {
  it("reach every socket the recipient has open, and the sender's ack names their direct channel", async () => {
    const bobClient = ts.client("Bob");
    const ann = await Chatter.join(ts.client("Ann"), freshChannel());
    const bobHere = await Chatter.join(bobClient, freshChannel());
    const bobThere = await Chatter.join(bobClient, freshChannel());
    ann.room.send(ChatMessage.direct, { to: bobHere.userId, id: "dm1", text: "psst" });
    const ack = await ann.ackOf("dm1");
    expect(ack.channel).toBe([ann.userId, bobHere.userId].sort().join("~").replace(/^/, "dm:"));
    for (const socket of [bobHere, bobThere]) {
      const line = await socket.until(() => socket.lines.find((l) => l.id === "dm1"), "the direct line");
      expect(line).toMatchObject({ from: ann.userId, name: "Ann", text: "psst", channel: ack.channel });
    }
    await Promise.all([ann, bobHere, bobThere].map((c) => c.room.leave()));
  });

  it("sent in their direct channel's own room reach each socket of both users once, and refuse anyone else", async () => {
    const annClient = ts.client("Ann");
    const bobClient = ts.client("Bob");
    const [a, b] = [(await annClient.identity).user.id, (await bobClient.identity).user.id];
    const channel = a < b ? `dm:${a}~${b}` : `dm:${b}~${a}`;
    const ann = await Chatter.join(annClient, channel);
    const bob = await Chatter.join(bobClient, channel);
    await expect(ts.client("Eve").joinOrCreate("chat", { channel })).rejects.toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
    ann.send(channel, "d1", "just us");
    ann.send(channel, "d2", "still us");
    for (const member of [ann, bob]) {
      await member.until(() => member.lines.some((l) => l.id === "d2"), "the second line");
      expect(member.lines.map((l) => l.id)).toEqual(["d1", "d2"]);
    }
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });

  it("wait in the inbox of a user with no socket open and are delivered on their next connection, once acknowledged", async () => {
    const catClient = ts.client("Cat");
    const cat = (await catClient.identity).user.id;
    const ann = await Chatter.join(ts.client("Ann"), freshChannel());
    ann.room.send(ChatMessage.direct, { to: cat, id: "while-away", text: "call me" });
    await ann.ackOf("while-away");
    const catHere = await Chatter.join(catClient, freshChannel());
    const inbox = await catHere.until(() => catHere.inboxes[0], "the inbox");
    expect(inbox.lines.map((l) => [l.id, l.from, l.text])).toEqual([["while-away", ann.userId, "call me"]]);
    catHere.room.send(ChatMessage.inboxAck, { through: inbox.through });
    await catHere.room.leave();
    const catAgain = await Chatter.join(catClient, freshChannel());
    catAgain.room.send(ChatMessage.history, { channel: (await ann.ackOf("while-away")).channel });
    await catAgain.until(() => catAgain.pages[0], "a history page");
    expect(catAgain.inboxes).toEqual([]);
    await Promise.all([ann.room.leave(), catAgain.room.leave()]);
  });

  it("to someone who blocked the sender are refused with BLOCKED, and the blocker must unblock to write back", async () => {
    const ann = await Chatter.join(ts.client("Ann"), freshChannel());
    const bob = await Chatter.join(ts.client("Bob"), freshChannel());
    bob.room.send(ChatMessage.block, { user: ann.userId });
    await bob.until(() => bob.blockStates.length > 0, "the block stored");
    ann.room.send(ChatMessage.direct, { to: bob.userId, id: "blocked-1", text: "hi?" });
    expect(await ann.rejectionOf("blocked-1")).toMatchObject({ code: "BLOCKED" });
    bob.room.send(ChatMessage.direct, { to: ann.userId, id: "back-1", text: "hi" });
    expect((await bob.rejectionOf("back-1")).code).toBe("YOU_BLOCKED_THEM");
    bob.room.send(ChatMessage.unblock, { user: ann.userId });
    await bob.until(() => bob.blockStates.length > 1, "the unblock stored");
    ann.room.send(ChatMessage.direct, { to: bob.userId, id: "blocked-2", text: "hi again" });
    await ann.ackOf("blocked-2");
    expect(bob.lines.some((l) => l.id === "blocked-1")).toBe(false);
    await Promise.all([ann.room.leave(), bob.room.leave()]);
  });
});

/**
 * Chat's records in the framework's Store: channel history, offline inboxes,
 * read receipts, block lists and group membership, each under its own key
 * and bound. The Room calls this and nothing else touches chat's keys.
 * Text handed to post() must already be moderated (moderation.ts).
 *
 * Keys: `chat:log:<channel>` (history), `chat:inbox:<user>` (offline direct
 * messages and notices), `chat:read:<user>~<channel>` and
 * `chat:inbox-read:<user>` (cursors), `chat:blocks:<user>` (set),
 * `chat:channel:<channel>` (a group's roles, a document).
 */
import { StoreError, type Store } from "../../server/storage/store.ts";
import type { Channel, DirectBlocks } from "./channel.ts";
import { mayBlock } from "./channel.ts";
import {
  CHAT_LIMITS, type Ack, type ChannelKind, type ChatLine, type HistoryPage, type HistoryRequest, type InboxDelivery, type Rejection, type Role,
} from "./protocol.ts";

export interface ChatBounds {
  historyLength: number;
  historyPage: number;
  dedupeWindow: number;
  inboxSize: number;
  blocks: number;
}

/** A new message comes with the line to broadcast; a resend only with the original's ack. */
export type Posted =
  | { ok: true; duplicate: false; ack: Ack; line: ChatLine }
  | { ok: true; duplicate: true; ack: Ack }
  | { ok: false; rejection: Rejection };

/** The stored body of a message; channel, seq and ts come from the log. */
interface StoredLine { id: string; from: string; name: string; text: string }

export class ChatStorage {
  private readonly store: Store;
  private readonly bounds: ChatBounds;

  constructor(store: Store, bounds: Partial<ChatBounds> = {}) {
    this.store = store;
    this.bounds = { ...CHAT_LIMITS, ...bounds };
  }

  /**
   * Store a message once: a resend with the same sender and id gets the
   * original's ack (`duplicate: true`) and must not be broadcast again. Ids
   * are scoped by sender, so nobody can pre-empt another player's message by
   * choosing its id first.
   */
  async post(channel: string, sender: { id: string; name: string }, message: { id: string; text: string }): Promise<Posted> {
    const body: StoredLine = { id: message.id, from: sender.id, name: sender.name, text: message.text };
    try {
      const appended = await this.store.append(logKey(channel), { id: `${sender.id}/${message.id}`, body: JSON.stringify(body) }, {
        maxLength: this.bounds.historyLength, dedupeWindow: this.bounds.dedupeWindow,
      });
      const ack: Ack = { channel, id: message.id, seq: appended.seq, ts: appended.ts };
      if (appended.duplicate) return { ok: true, duplicate: true, ack };
      return { ok: true, duplicate: false, ack, line: { channel, seq: appended.seq, ts: appended.ts, ...body } };
    } catch (error) {
      return { ok: false, rejection: unavailable(error, { id: message.id, channel }) };
    }
  }

  /** A page of history as HistoryRequest asks: the newest, older than `before`, or newer than `after`. */
  async page(request: HistoryRequest): Promise<HistoryPage> {
    const { channel, before, after } = request;
    const limit = this.bounds.historyPage;
    if (after !== undefined) {
      const entries = await this.store.readAfter(logKey(channel), after, limit + 1);
      return { channel, after, lines: entries.slice(0, limit).map((e) => toLine(channel, e)), more: entries.length > limit };
    }
    const page = await this.store.pageBack(logKey(channel), limit, before);
    return { channel, ...(before === undefined ? {} : { before }), lines: page.entries.map((e) => toLine(channel, e)), more: page.more };
  }

  // ------------------------------------------------------------ read receipts

  /** Record that `user` has seen `channel` up to `seq`; never moves back. Returns the receipt now stored. */
  markRead(user: string, channel: string, seq: number): Promise<number> {
    return this.store.advanceCursor(readKey(user, channel), seq);
  }

  lastRead(user: string, channel: string): Promise<number> {
    return this.store.getCursor(readKey(user, channel));
  }

  /** Messages in `channel` after `user`'s receipt that are still kept. */
  async unread(user: string, channel: string): Promise<number> {
    const [read, info] = await Promise.all([this.lastRead(user, channel), this.store.logInfo(logKey(channel))]);
    return Math.min(Math.max(0, info.lastSeq - read), info.length);
  }

  // ------------------------------------------------------------ blocks

  /** Add `target` to `user`'s block list (blocking someone already blocked is fine). */
  async block(user: string, target: string): Promise<{ ok: true } | { ok: false; rejection: Rejection }> {
    const self = mayBlock(user, target, 0, this.bounds.blocks);
    if (!self.ok) return self;
    const added = await this.store.addToSet(blocksKey(user), target, this.bounds.blocks);
    if (added === "full") return mayBlock(user, target, this.bounds.blocks, this.bounds.blocks);
    return { ok: true };
  }

  async unblock(user: string, target: string): Promise<void> {
    await this.store.removeFromSet(blocksKey(user), target);
  }

  hasBlocked(user: string, target: string): Promise<boolean> {
    return this.store.isMember(blocksKey(user), target);
  }

  async directBlocks(sender: string, recipient: string): Promise<DirectBlocks> {
    const [senderBlockedRecipient, recipientBlockedSender] = await Promise.all([
      this.hasBlocked(sender, recipient), this.hasBlocked(recipient, sender),
    ]);
    return { senderBlockedRecipient, recipientBlockedSender };
  }

  // ------------------------------------------------------------ inboxes

  /** Keep `line` for `user` until they next connect; the oldest go once the inbox is full. */
  async toInbox(user: string, line: ChatLine): Promise<void> {
    await this.store.append(inboxKey(user), { id: `${line.channel}#${line.seq}`, body: JSON.stringify(line) }, {
      maxLength: this.bounds.inboxSize,
    });
  }

  /** What `user` has not yet acknowledged, oldest first, with the position to acknowledge once shown. */
  async inbox(user: string): Promise<InboxDelivery> {
    const from = await this.store.getCursor(`chat:inbox-read:${user}`);
    const entries = await this.store.readAfter(inboxKey(user), from, this.bounds.inboxSize);
    return { lines: entries.map((e) => JSON.parse(e.body) as ChatLine), through: entries.at(-1)?.seq ?? from };
  }

  /** The client showed the inbox up to `through` (chat:inbox-ack); never past what the inbox holds, whatever the client says. */
  async inboxDelivered(user: string, through: number): Promise<void> {
    const { lastSeq } = await this.store.logInfo(inboxKey(user));
    await this.store.advanceCursor(`chat:inbox-read:${user}`, Math.min(through, lastSeq));
  }

  // ------------------------------------------------------------ groups

  /**
   * Save a group's roles with compare-and-set: `version` is what loadChannel
   * returned (0 for a new group). False when someone else changed it first:
   * load again and re-decide.
   */
  async saveChannel(channel: Channel, version: number): Promise<{ saved: boolean; version: number }> {
    const body = JSON.stringify({ kind: channel.kind, maxMembers: channel.maxMembers, roles: [...channel.roles] });
    const result = await this.store.putDocument(`chat:channel:${channel.id}`, new TextEncoder().encode(body), { expectedVersion: version });
    return { saved: result.ok, version: result.version };
  }

  /** Forget a channel: its roles and its history (a match channel once its game room is gone). */
  async deleteChannel(id: string): Promise<void> {
    await this.store.deleteDocument(`chat:channel:${id}`);
    await this.store.deleteLog(logKey(id));
  }

  async loadChannel(id: string): Promise<{ channel: Channel; version: number } | undefined> {
    const doc = await this.store.getDocument(`chat:channel:${id}`);
    if (!doc) return undefined;
    const body = JSON.parse(new TextDecoder().decode(doc.value)) as { kind: ChannelKind; maxMembers: number | null; roles: [string, Role][] };
    return { channel: { id, kind: body.kind, maxMembers: body.maxMembers ?? Number.POSITIVE_INFINITY, roles: new Map(body.roles) }, version: doc.version };
  }
}

function logKey(channel: string): string {
  return `chat:log:${channel}`;
}

/** "~" cannot occur in a user id, so no other user and channel make the same key. */
function readKey(user: string, channel: string): string {
  return `chat:read:${user}~${channel}`;
}

function inboxKey(user: string): string {
  return `chat:inbox:${user}`;
}

function blocksKey(user: string): string {
  return `chat:blocks:${user}`;
}

function toLine(channel: string, entry: { seq: number; ts: number; body: string }): ChatLine {
  const body = JSON.parse(entry.body) as StoredLine;
  return { channel, seq: entry.seq, ts: entry.ts, id: body.id, from: body.from, name: body.name, text: body.text };
}

function unavailable(error: unknown, about: { id: string; channel: string }): Rejection {
  if (error instanceof StoreError && error.code !== "INVALID_ARGUMENT") {
    return { code: "UNAVAILABLE", message: "Chat storage is unavailable; your message was not stored. It will be sent again.", ...about };
  }
  throw error;
}

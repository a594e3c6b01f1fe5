/**
 * How bots chat (`npm run loadtest -- --room chat`): each bot is a user in a
 * public channel of `channel-size` users and in direct conversations with
 * two users of the neighbouring channels (whose rooms placement may put on
 * another process), sending `rate` messages a second of `size` characters,
 * `direct` of them privately. It is the browser panel's client logic,
 * ChatDelivery: an outbox resent after every reconnect, a timeline merged by
 * seq, a catch-up from the last seq held.
 *
 * What it measures:
 * - send → delivery: every message carries its send time (this machine's
 *   clock, `performance.timeOrigin + performance.now()`; the fleet runs on
 *   one machine, so the sender's and every recipient's clocks are the same
 *   clock, to well under a millisecond) and each recipient other than the
 *   sender records its first receipt of it, live, from the offline inbox or
 *   from a catch-up page; a resend keeps the first send time, so an outage
 *   counts in full;
 * - send → ack, as the fleet's ack figures;
 * - at the end, once every bot of the fleet has stopped sending and has its
 *   outbox acknowledged (`quiet`), each bot catches up every channel it is
 *   in and `account()` lists what it holds; `reconcile()` then checks that
 *   every acknowledged message is held exactly once by every member that was
 *   in its channel: lost and duplicated must be 0.
 */
import type { Room } from "@colyseus/sdk";
import type { Behaviour, BotContext, BotPlayer, BotSeat } from "../../loadtest/behaviour.ts";
import { directChannelId } from "./channel.ts";
import { ChatDelivery, type OutgoingMessage } from "./delivery.ts";
import { CHAT_LIMITS, ChatMessage, type Ack, type ChatLine, type HistoryPage, type HistoryRequest, type InboxDelivery, type Rejection } from "./protocol.ts";

/** The behaviour's parameters (`--param key=value`) and their defaults. */
export interface ChatLoad {
  /** Users per public channel. */
  channelSize: number;
  /** Messages each user sends a second. */
  rate: number;
  /** Characters per message (the send time and the sender's number included). */
  size: number;
  /** Share of messages sent as direct messages, 0–1. */
  direct: number;
}

export const CHAT_LOAD_DEFAULTS: Readonly<ChatLoad> = Object.freeze({ channelSize: 10, rate: 0.2, size: 100, direct: 0.2 });

/** Room for `<send time>|<bot>|` ahead of the padding. */
const MIN_SIZE = 32;
/** A message unacknowledged this long is sent again (the server stores it once), ms. */
const RESEND_AFTER_MS = 5000;
/** A history request unanswered this long is given up (its socket dropped; the next catch-up asks again), ms. */
const PAGE_TIMEOUT_MS = 10_000;

export function chatLoadOf(params: Readonly<Record<string, string>>): ChatLoad {
  const known: Record<string, keyof ChatLoad> = { "channel-size": "channelSize", rate: "rate", size: "size", direct: "direct" };
  const load: ChatLoad = { ...CHAT_LOAD_DEFAULTS };
  for (const [key, raw] of Object.entries(params)) {
    const field = known[key];
    if (!field) throw new Error(`Unknown chat parameter "${key}"; known: ${Object.keys(known).join(", ")}.`);
    const value = Number(raw);
    if (!Number.isFinite(value)) throw new Error(`--param ${key}=${raw}: not a number.`);
    load[field] = value;
  }
  if (!Number.isInteger(load.channelSize) || load.channelSize < 1) throw new Error(`--param channel-size must be a whole number of users, 1 or more (got ${load.channelSize}).`);
  if (load.rate <= 0 || load.rate > 5) throw new Error(`--param rate must be above 0 and at most 5 messages a second per user (the chat budget; got ${load.rate}).`);
  if (!Number.isInteger(load.size) || load.size < MIN_SIZE || load.size > CHAT_LIMITS.messageChars) throw new Error(`--param size must be ${MIN_SIZE}–${CHAT_LIMITS.messageChars} characters (got ${load.size}).`);
  if (load.direct < 0 || load.direct > 1) throw new Error(`--param direct is a share, 0–1 (got ${load.direct}).`);
  return load;
}

/** The public channel of bot `index`. */
export function homeChannel(index: number, load: ChatLoad): string {
  return `load-${Math.floor(index / load.channelSize)}`;
}

/** The bots `index` has direct conversations with: the same seat in the channels before and after its own. */
export function conversationPeers(seat: Pick<BotSeat, "bot" | "size">, load: ChatLoad): number[] {
  const { bot: index, size } = seat;
  const peers = new Set([(index + load.channelSize) % size, (index - load.channelSize + size * load.channelSize) % size]);
  peers.delete(index);
  return [...peers];
}

/** A message's text: when it was sent (this machine's clock, ms), who sent it, padded to `size` characters. */
export function messageText(sentAt: number, index: number, size: number): string {
  const head = `${sentAt.toFixed(3)}|${index}|`;
  return head + "x".repeat(Math.max(0, size - head.length));
}

/** The send time a message carries, or NaN when it is not a bot's. */
export function sentAtOf(text: string): number {
  return Number(text.slice(0, text.indexOf("|")));
}

const now = () => performance.timeOrigin + performance.now();

/** Seqs as closed ranges, ascending: [[1, 40], [42, 50]]. */
export type SeqRanges = [number, number][];

export function toRanges(seqs: Iterable<number>): SeqRanges {
  const sorted = [...new Set(seqs)].sort((a, b) => a - b);
  const ranges: SeqRanges = [];
  for (const seq of sorted) {
    const last = ranges.at(-1);
    if (last && seq === last[1] + 1) last[1] = seq;
    else ranges.push([seq, seq]);
  }
  return ranges;
}

function inRanges(ranges: SeqRanges, seq: number): boolean {
  let low = 0, high = ranges.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    if (seq < ranges[mid][0]) high = mid - 1;
    else if (seq > ranges[mid][1]) low = mid + 1;
    else return true;
  }
  return false;
}

/** What one user holds at the end of a run, for reconcile(). */
export interface ChatAccount {
  bot: number;
  /** Every acknowledged message this user sent: [channel, seq]. */
  acked: [string, number][];
  /**
   * Per channel: `from`, the seq after which this user must hold every
   * acknowledged message (the newest it saw on joining a public channel; 0
   * for a direct conversation, which the offline inbox keeps), and the seqs
   * it holds.
   */
  channels: { channel: string; from: number; held: SeqRanges }[];
  /** Messages this user shows more than once (one id at two seqs). */
  duplicated: number;
  /** Public channels this user never synced (no first page arrived): nothing is expected of them. */
  unsynced: number;
}

/**
 * Lost: acknowledged messages a member that was in the channel does not hold.
 * Duplicated: messages shown twice. Both must be 0.
 */
export function reconcile(accounts: unknown[]): Record<string, number> {
  const list = accounts as ChatAccount[];
  const acked = new Map<string, number[]>();
  for (const account of list) for (const [channel, seq] of account.acked) (acked.get(channel) ?? acked.set(channel, []).get(channel)!).push(seq);
  let expected = 0, lost = 0, duplicated = 0, unsynced = 0, ackedTotal = 0;
  for (const seqs of acked.values()) ackedTotal += seqs.length;
  for (const account of list) {
    duplicated += account.duplicated;
    unsynced += account.unsynced;
    for (const { channel, from, held } of account.channels) {
      for (const seq of acked.get(channel) ?? []) {
        if (seq <= from) continue;
        expected++;
        if (!inRanges(held, seq)) lost++;
      }
    }
  }
  return { chat_users_accounted: list.length, chat_acked: ackedTotal, chat_expected_receipts: expected, chat_lost: lost, chat_duplicated: duplicated, chat_unsynced: unsynced };
}

/**
 * One user's chat client. It outlives its sockets: after a reconnection the
 * SDK could not win, the fleet joins again and hands the new room to the
 * same user, as a page keeps its ChatDelivery across sessions.
 */
class ChatUser {
  private readonly seat: BotSeat;
  private readonly load: ChatLoad;
  private readonly home: string;
  private readonly peers: number[];
  private context!: BotContext;
  private room: Room | undefined;
  private delivery: ChatDelivery | undefined;
  private sender: ReturnType<typeof setTimeout> | undefined;
  private resender: ReturnType<typeof setInterval> | undefined;
  private quieted = false;
  /** The final catch-up is running: what it finds was missed by the live path and by every catch-up before. */
  private accounting = false;
  /** Last send of each unacknowledged message, for the resend timer. */
  private readonly sentAt = new Map<string, number>();
  /** First send of each unacknowledged message, for the ack's round trip. */
  private readonly firstSentAt = new Map<string, number>();
  private readonly acked: [string, number][] = [];
  /** Seqs received per channel, to time each message's first receipt only. */
  private readonly received = new Map<string, Set<number>>();
  /** Per public channel, the seq after which every message must arrive (the first page's newest). */
  private readonly from = new Map<string, number>();
  private readonly pages = new Map<string, { resolve(page: HistoryPage | undefined): void; timer: ReturnType<typeof setTimeout> }>();
  private readonly channelQueues = new Map<string, Promise<unknown>>();

  constructor(seat: BotSeat) {
    this.seat = seat;
    this.load = chatLoadOf(seat.params);
    this.home = homeChannel(seat.bot, this.load);
    this.peers = conversationPeers(seat, this.load);
  }

  attach(context: BotContext): BotPlayer {
    this.context = context;
    const { room, userId } = context;
    if (!userId) throw new Error("The chat bots need the server's guest identity (POST /auth/guest).");
    this.delivery ??= new ChatDelivery({ me: userId, myName: `bot ${this.seat.bot}`, keep: Number.MAX_SAFE_INTEGER });
    this.room = room;
    room.onMessage(ChatMessage.ack, (ack: Ack) => this.onAck(ack));
    room.onMessage(ChatMessage.line, (line: ChatLine) => this.onLine(line, "live"));
    room.onMessage(ChatMessage.historyPage, (page: HistoryPage) => this.onPage(page));
    room.onMessage(ChatMessage.inbox, (inbox: InboxDelivery) => this.onInbox(inbox));
    room.onMessage(ChatMessage.rejected, (rejection: Rejection) => this.onRejected(rejection));
    room.onReconnect(() => this.resync(room));
    this.resync(room);
    if (!this.quieted) this.planNextSend();
    clearInterval(this.resender);
    this.resender = setInterval(() => this.resendOverdue(), RESEND_AFTER_MS / 2);
    return {
      stop: () => this.detach(room),
      quiet: () => this.quiet(),
      account: () => this.account(),
    };
  }

  private detach(room: Room): void {
    if (this.room !== room) return;
    this.room = undefined;
    clearTimeout(this.sender);
    clearInterval(this.resender);
    for (const [, waiting] of this.pages) { clearTimeout(waiting.timer); waiting.resolve(undefined); }
    this.pages.clear();
  }

  // ------------------------------------------------------------ sending

  private planNextSend(): void {
    clearTimeout(this.sender);
    // Exponential gaps: users do not send in step, and the mean rate is `rate`.
    const gap = (-Math.log(1 - this.context.rng()) / this.load.rate) * 1000;
    this.sender = setTimeout(() => { this.sendOne(); if (!this.quieted) this.planNextSend(); }, gap);
  }

  private sendOne(): void {
    const delivery = this.delivery!;
    const text = messageText(now(), this.seat.bot, this.load.size);
    const peer = this.context.rng() < this.load.direct ? this.peerIds()[Math.floor(this.context.rng() * this.peers.length)] : undefined;
    const sent = peer ? delivery.sendDirect(peer, text) : delivery.send(this.home, text);
    if (!sent.ok) { this.context.count("chat_not_sent"); return; }
    this.context.count("chat_sent");
    const at = now();
    this.sentAt.set(sent.message.id, at);
    this.firstSentAt.set(sent.message.id, at);
    this.transmit(sent.message);
  }

  private transmit(message: OutgoingMessage): void {
    const room = this.room;
    if (!room?.connection.isOpen) return; // kept in the outbox; sent again on reconnect
    if (message.to) room.send(ChatMessage.direct, { to: message.to, id: message.id, text: message.text });
    else room.send(ChatMessage.send, { channel: message.channel, id: message.id, text: message.text });
  }

  private resendOverdue(): void {
    const due = now() - RESEND_AFTER_MS;
    for (const message of this.delivery?.unacknowledged() ?? []) {
      if ((this.sentAt.get(message.id) ?? 0) > due) continue;
      this.sentAt.set(message.id, now());
      this.context.count("chat_resent");
      this.transmit(message);
    }
  }

  private peerIds(): string[] {
    return this.peers.map((index) => this.context.userOf(index)).filter((id): id is string => id !== undefined);
  }

  // ------------------------------------------------------------ receiving

  private onAck(ack: Ack): void {
    const sentAt = this.firstSentAt.get(ack.id);
    this.sentAt.delete(ack.id);
    this.firstSentAt.delete(ack.id);
    this.delivery!.receiveAck(ack);
    if (sentAt === undefined) return; // an ack of a resend, already counted
    this.acked.push([ack.channel, ack.seq]);
    this.context.acknowledged(now() - sentAt);
  }

  /** Every line, however it came: shown once by ChatDelivery, timed at its first receipt. */
  private onLine(line: ChatLine, how: "live" | "page" | "inbox"): void {
    if (how !== "page") this.delivery!.receiveLine(line);
    let seen = this.received.get(line.channel);
    if (!seen) this.received.set(line.channel, (seen = new Set()));
    if (seen.has(line.seq)) return;
    seen.add(line.seq);
    if (line.from === this.delivery!.me) return;
    // A page's lines from before this user joined the channel are history, not deliveries.
    if (how === "page" && line.seq <= (this.from.get(line.channel) ?? Number.POSITIVE_INFINITY)) return;
    const sentAt = sentAtOf(line.text);
    if (!Number.isFinite(sentAt)) return;
    if (this.accounting) {
      this.context.count(line.channel.startsWith("dm:") ? "chat_found_at_end_direct" : "chat_found_at_end_channel");
      return;
    }
    this.context.time("chat_delivery", now() - sentAt);
    this.context.count("chat_delivered");
    if (how !== "live") this.context.count("chat_recovered");
  }

  private onInbox(inbox: InboxDelivery): void {
    for (const line of inbox.lines) this.onLine(line, "inbox");
    this.room?.send(ChatMessage.inboxAck, this.delivery!.receiveInbox(inbox));
  }

  private onPage(page: HistoryPage): void {
    const isDirect = page.channel.startsWith("dm:");
    const firstPage = !isDirect && !this.from.has(page.channel) && page.before === undefined && page.after === undefined;
    this.delivery!.receiveHistory(page);
    if (firstPage) this.from.set(page.channel, this.delivery!.syncedThrough(page.channel) ?? 0);
    if (isDirect) this.from.set(page.channel, 0);
    for (const line of page.lines) this.onLine(line, "page");
    const waiting = this.pages.get(page.channel);
    if (waiting) {
      this.pages.delete(page.channel);
      clearTimeout(waiting.timer);
      waiting.resolve(page);
    }
  }

  private onRejected(rejection: Rejection): void {
    const refused = this.delivery!.receiveRejection(rejection);
    if (refused) this.context.count("chat_refused");
    const waiting = rejection.channel !== undefined && rejection.id === undefined ? this.pages.get(rejection.channel) : undefined;
    if (waiting) {
      this.pages.delete(rejection.channel!);
      clearTimeout(waiting.timer);
      waiting.resolve(undefined);
    }
  }

  // ------------------------------------------------------------ catching up

  /** On every (re)connect: catch up every channel, then send the outbox again (the server stores each message once). */
  private resync(room: Room): void {
    for (const channel of this.channels()) void this.catchUp(room, channel);
    for (const message of this.delivery!.unacknowledged()) this.transmit(message);
  }

  private channels(): string[] {
    return [this.home, ...this.peerIds().map((peer) => directChannelId(this.delivery!.me, peer))];
  }

  /** One history request at a time per channel, answered or given up. */
  private page(room: Room, request: HistoryRequest): Promise<HistoryPage | undefined> {
    const previous = this.channelQueues.get(request.channel) ?? Promise.resolve();
    const next = previous.then(() => new Promise<HistoryPage | undefined>((resolve) => {
      if (this.room !== room || !room.connection.isOpen) return resolve(undefined);
      const timer = setTimeout(() => { this.pages.delete(request.channel); resolve(undefined); }, PAGE_TIMEOUT_MS);
      this.pages.set(request.channel, { resolve, timer });
      room.send(ChatMessage.history, request);
    }));
    this.channelQueues.set(request.channel, next);
    return next;
  }

  /** Forward from the last seq held without a gap, page after page. */
  private async catchUp(room: Room, channel: string): Promise<boolean> {
    let request: HistoryRequest | undefined = this.delivery!.catchUp(channel);
    while (request) {
      const page = await this.page(room, request);
      if (!page) return false;
      const last = page.lines.at(-1)?.seq;
      request = page.after !== undefined && page.more && last !== undefined ? { channel, after: last } : undefined;
    }
    return true;
  }

  /** A direct conversation is kept whole (the inbox holds what came while away): fill every gap down to its first message. */
  private async fillBack(room: Room, channel: string): Promise<boolean> {
    for (let request = this.delivery!.olderPage(channel); request; request = this.delivery!.olderPage(channel)) {
      if (!await this.page(room, request)) return false;
    }
    return true;
  }

  // ------------------------------------------------------------ the end of the run

  private async quiet(): Promise<void> {
    this.quieted = true;
    clearTimeout(this.sender);
    while (this.room && this.delivery!.unacknowledged().length > 0) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      this.resendOverdue();
    }
  }

  private async account(): Promise<ChatAccount> {
    const delivery = this.delivery!;
    this.accounting = true;
    for (let attempt = 0; attempt < 5; attempt++) {
      const room = this.room;
      if (!room) break;
      if (!room.connection.isOpen) { await new Promise((resolve) => setTimeout(resolve, 1000)); continue; }
      let complete = true;
      for (const channel of this.channels()) {
        complete = (await this.catchUp(room, channel)) && complete;
        if (channel.startsWith("dm:")) complete = (await this.fillBack(room, channel)) && complete;
      }
      if (complete) break;
    }
    clearInterval(this.resender);
    const channels: ChatAccount["channels"] = [];
    let duplicated = 0, unsynced = 0;
    for (const channel of this.channels()) {
      const lines = delivery.timeline(channel).filter((item) => !item.pending) as ChatLine[];
      const ids = new Set<string>();
      for (const line of lines) {
        const key = `${line.from}/${line.id}`;
        if (ids.has(key)) duplicated++;
        ids.add(key);
      }
      const from = channel.startsWith("dm:") ? 0 : this.from.get(channel);
      if (from === undefined) { unsynced++; continue; }
      channels.push({ channel, from, held: toRanges(lines.map((line) => line.seq)) });
    }
    return { bot: this.seat.bot, acked: this.acked, channels, duplicated, unsynced };
  }
}

/** Users by bot number, in this worker: a user's client state lives as long as the fleet. */
const users = new Map<number, ChatUser>();

function chatting(context: BotContext): BotPlayer {
  let user = users.get(context.seat.bot);
  if (!user) users.set(context.seat.bot, (user = new ChatUser(context.seat)));
  return user.attach(context);
}

const FIGURES: Record<string, string> = {
  chat_delivery_p50_ms: "send → delivery p50, each recipient (ms)",
  chat_delivery_p95_ms: "send → delivery p95 (ms)",
  chat_delivery_p99_ms: "send → delivery p99 (ms)",
  chat_delivery_max_ms: "send → delivery max (ms)",
  chat_delivered_per_s: "messages delivered a second (to recipients)",
  chat_delivered: "messages delivered (steady part)",
  chat_recovered: "of which by inbox or catch-up, not live",
  chat_sent_per_s: "messages sent a second",
  chat_resent: "messages sent again (unacknowledged after 5 s)",
  chat_found_at_end_channel: "channel messages a member first got from the final catch-up",
  chat_found_at_end_direct: "direct messages a member first got from the final catch-up",
  chat_refused: "messages refused for good",
  chat_acked: "messages acknowledged (whole run)",
  chat_expected_receipts: "receipts owed: acknowledged × members in the channel",
  chat_lost: "lost: acknowledged, not held by a member",
  chat_duplicated: "duplicated: shown twice",
  chat_unsynced: "channels a user never synced",
  chat_users_accounted: "users accounted for",
};

function parametersChecked(params: Readonly<Record<string, string>>): void {
  chatLoadOf(params);
}

const joinOptions = (seat: BotSeat) => ({ channel: homeChannel(seat.bot, chatLoadOf(seat.params)) });

/** The chat room type's bot behaviours, by name, for the fleet (loadtest/). */
export const behaviours: Record<string, Behaviour> = {
  /** Users in channels and direct conversations, sending at `rate`. */
  chat: { session: "stay", decodesPatches: false, joinOptions, play: chatting, figures: FIGURES, checkParams: parametersChecked, reconcile },
  /** The same, and every `--storm-every` seconds `--storm-fraction` of them lose their socket at once and resume. */
  storm: { session: "storm", decodesPatches: false, joinOptions, play: chatting, figures: FIGURES, checkParams: parametersChecked, reconcile },
};

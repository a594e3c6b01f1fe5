/**
 * The chat panel's network side, with no DOM: one chat room socket per
 * channel the player is in (`global` always, their groups, the match channel
 * of the game room they play in), the conversations the panel lists, unread
 * counts, typing and presence. Every message goes through ChatDelivery
 * (../delivery.ts): it is queued with an id, sent, resent after every
 * reconnect until acknowledged, and shown once at its seq.
 *
 * Direct messages travel through the `global` socket (any chat room carries
 * them), so they reach the player wherever they are.
 *
 * Chat rooms hold no seats: a dropped socket is joined again (with backoff),
 * then each channel catches up from the last seq it holds and the outbox is
 * sent again; the server stores a resend once.
 */
import type { Client, Room } from "@colyseus/sdk";
import { Emitter } from "../../../game-client/src/kit.ts";
import { directChannelId, directPeer, kindOf, matchChannelId } from "../channel.ts";
import { ChatDelivery, type OutgoingMessage, type TimelineItem } from "../delivery.ts";
import {
  ChatJoinError, ChatMessage, CHAT_LIMITS, type Ack, type BlockState, type ChannelKind, type ChatLine, type HistoryPage, type InboxDelivery, type ReadNotice, type Rejection, type TypingNotice,
} from "../protocol.ts";
import { ChatState } from "../state.ts";

/** The public channel every player is in; it also carries their direct messages. */
export const HOME_CHANNEL = "global";
const RETRY_MS = [500, 1000, 2000, 4000, 8000];
/** Refusals and notices kept for the panel, across conversations. */
const MAX_NOTES = 50;

/** What the chat needs from the game's session: its SDK client, the signed-in identity and the player's name. */
export interface ChatSessionLike {
  client: Client;
  name: string;
  identity: { ensure(name: string): Promise<{ user: { id: string; name: string } }> };
}

export interface Conversation {
  id: string;
  kind: ChannelKind;
  /** What the panel calls it: "GLOBAL", "MATCH", a group's name or the other player's name. */
  title: string;
  /** Lines from others that arrived while it was not on screen. */
  unread: number;
  /** The other player of a direct conversation. */
  peer?: string;
  /** Its socket is up and caught up (direct conversations: the home socket). */
  online: boolean;
}

/** A line the server refused for good (shown struck through, with why), or a notice from it (a join refused, a block stored). */
export interface Refused { channel: string; id: string; text: string; reason: string }

export interface Member { id: string; name: string; role: string }

export interface ChatEvents {
  [name: string]: unknown[];
  /** Anything on screen may have changed. */
  change: [];
  /** A chat socket joined (again): the notification feed listens to it. */
  room: [Room<any, any>];
}

interface Link {
  channel: string;
  create: boolean;
  room: Room<any, any> | undefined;
  closed: boolean;
  attempt: number;
  retry: ReturnType<typeof setTimeout> | undefined;
}

export class ChatClient extends Emitter<ChatEvents> {
  readonly #session: ChatSessionLike;
  #me: { id: string; name: string } | undefined;
  #delivery: ChatDelivery | undefined;
  readonly #links = new Map<string, Link>();
  readonly #conversations = new Map<string, Conversation>();
  readonly #refused: Refused[] = [];
  readonly #typing = new Map<string, Map<string, number>>();
  #visible: string | undefined;
  #open = false;
  #match: string | undefined;
  #started: Promise<void> | undefined;
  #notes = 0;

  constructor(session: ChatSessionLike) {
    super();
    this.#session = session;
  }

  get me(): { id: string; name: string } | undefined {
    return this.#me;
  }

  /** Sign in (the session's identity) and join the home channel, the groups and direct conversations kept from before. */
  start(): Promise<void> {
    this.#started ??= (async () => {
      const issued = await this.#session.identity.ensure(this.#session.name);
      this.#me = { id: issued.user.id, name: issued.user.name };
      this.#delivery = new ChatDelivery({ me: issued.user.id, myName: issued.user.name, keep: CHAT_LIMITS.historyLength });
      this.#conversation(HOME_CHANNEL);
      for (const kept of loadKept(issued.user.id)) this.#conversation(kept.id, kept.title);
      this.#visible ??= HOME_CHANNEL;
      this.#connect(this.#link(HOME_CHANNEL, false));
      for (const conversation of this.#conversations.values()) {
        if (conversation.kind === "group") this.#connect(this.#link(conversation.id, false));
      }
      this.emit("change");
    })().catch((error: unknown) => {
      this.#started = undefined; // the next start() signs in again
      throw error;
    });
    return this.#started;
  }

  // ------------------------------------------------------------ what the panel shows

  conversations(): Conversation[] {
    const order: Record<ChannelKind, number> = { match: 0, public: 1, group: 2, direct: 3 };
    return [...this.#conversations.values()].sort((a, b) => order[a.kind] - order[b.kind]);
  }

  get visible(): string | undefined {
    return this.#visible;
  }

  timeline(channel: string): TimelineItem[] {
    return this.#delivery?.timeline(channel) ?? [];
  }

  refused(channel: string): Refused[] {
    return this.#refused.filter((r) => r.channel === channel);
  }

  /** Who is in `channel` now, from its room's state (none for a direct conversation, which has no room of its own). */
  members(channel: string): Member[] {
    const state = this.#links.get(channel)?.room?.state as ChatState | undefined;
    if (!state?.members) return [];
    const members: Member[] = [];
    state.members.forEach((member, id) => members.push({ id, name: member.name, role: member.role }));
    return members.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Is `channel` on screen in the open panel (a notification about it needs no toast)? */
  onScreen(channel: string): boolean {
    return this.#open && this.#visible === channel;
  }

  /** The stored line at `seq` of `channel`, when it has arrived. */
  lineAt(channel: string, seq: number): ChatLine | undefined {
    return this.timeline(channel).find((item): item is TimelineItem & ChatLine => !item.pending && item.seq === seq);
  }

  /** Show `channel` (from a notification): a direct conversation the panel does not list yet is opened. */
  showChannel(channel: string): void {
    if (!this.#conversations.has(channel)) {
      if (kindOf(channel) !== "direct" || !this.#me || directPeer(channel, this.#me.id) === undefined) return;
      this.#conversation(channel);
      this.#keep();
      this.#catchUp(this.#links.get(HOME_CHANNEL), channel);
    }
    this.show(channel);
  }

  /** A player present in any of the player's channels, by name (case aside) or id. */
  findMember(nameOrId: string): Member | undefined {
    const wanted = nameOrId.toLowerCase();
    for (const channel of this.#links.keys()) {
      const found = this.members(channel).find((m) => m.id === nameOrId || m.name.toLowerCase() === wanted);
      if (found && found.id !== this.#me?.id) return found;
    }
    return undefined;
  }

  /** Names of the players typing in `channel` in the last few seconds. */
  typing(channel: string, now = Date.now()): string[] {
    const typing = this.#typing.get(channel);
    if (!typing) return [];
    const names: string[] = [];
    for (const [user, at] of typing) {
      if (now - at < CHAT_LIMITS.typingIntervalMs + 500) names.push(this.#nameOf(channel, user));
      else typing.delete(user);
    }
    return names;
  }

  totalUnread(): number {
    let total = 0;
    for (const c of this.#conversations.values()) total += c.unread;
    return total;
  }

  // ------------------------------------------------------------ what the player does

  /** The panel opened or closed; an open panel's visible conversation counts as read. */
  setOpen(open: boolean): void {
    this.#open = open;
    if (open && this.#visible) this.#markRead(this.#visible);
    this.emit("change");
  }

  show(channel: string): void {
    if (!this.#conversations.has(channel)) return;
    this.#visible = channel;
    if (this.#open) this.#markRead(channel);
    this.emit("change");
  }

  /** Send `text` to the visible conversation. Returns a sentence for the player when it cannot be queued. */
  send(text: string): string | undefined {
    const delivery = this.#delivery;
    const channel = this.#visible;
    if (!delivery || !channel) return "Chat is still connecting.";
    const conversation = this.#conversations.get(channel)!;
    const sent = conversation.kind === "direct" ? delivery.sendDirect(conversation.peer!, text) : delivery.send(channel, text);
    if (!sent.ok) return sent.rejection.message;
    this.#transmit(sent.message);
    this.emit("change");
    return undefined;
  }

  /** The player is typing in the visible conversation (the server forwards it at most every few seconds). */
  noteTyping(): void {
    const channel = this.#visible;
    if (!channel || kindOf(channel) === "direct") return; // a direct conversation has no room of its own to tell
    this.#links.get(channel)?.room?.send(ChatMessage.typing, { channel });
  }

  /** Open (or show) the direct conversation with `user`. */
  startDirect(user: string, name: string): void {
    if (!this.#me || user === this.#me.id) return;
    const channel = directChannelId(this.#me.id, user);
    this.#conversation(channel, name);
    this.#keep();
    this.#catchUp(this.#links.get(HOME_CHANNEL), channel);
    this.show(channel);
  }

  /** Join the group `name`, or open it with the player as owner. */
  joinGroup(name: string, create: boolean): void {
    const channel = `group:${name}`;
    if (kindOf(channel) !== "group") return;
    this.#conversation(channel);
    this.#keep();
    this.#connect(this.#link(channel, create));
    this.show(channel);
  }

  /** Add `user` to the visible group (its owner or a moderator may). */
  invite(user: string): void {
    const channel = this.#visible;
    if (channel && kindOf(channel) === "group") this.#links.get(channel)?.room?.send(ChatMessage.invite, { channel, user });
  }

  /** The player scrolled to the top of `channel`: ask for the page before what is held (none once the start is reached). */
  loadOlder(channel: string): void {
    const request = this.#delivery?.olderPage(channel);
    if (!request) return;
    this.#links.get(kindOf(channel) === "direct" ? HOME_CHANNEL : channel)?.room?.send(ChatMessage.history, request);
  }

  /** Stop (or allow again) direct messages between the player and `user`; the server confirms with a notice. */
  block(user: string, blocked: boolean): void {
    this.#links.get(HOME_CHANNEL)?.room?.send(blocked ? ChatMessage.block : ChatMessage.unblock, { user });
  }

  /** The game room the player is in (its match channel is joined), or none. */
  setMatch(roomId: string | undefined): void {
    const channel = roomId === undefined ? undefined : matchChannelId(roomId);
    if (channel === this.#match) return;
    if (this.#match) {
      this.#close(this.#match);
      this.#conversations.delete(this.#match);
      if (this.#visible === this.#match) this.#visible = HOME_CHANNEL;
    }
    this.#match = channel;
    if (channel) {
      this.#conversation(channel);
      this.#connect(this.#link(channel, false));
      this.show(channel);
    }
    this.emit("change");
  }

  /** The chat sockets open now. */
  *rooms(): Iterable<Room<any, any>> {
    for (const link of this.#links.values()) if (link.room) yield link.room;
  }

  dispose(): void {
    for (const channel of [...this.#links.keys()]) this.#close(channel);
  }

  // ------------------------------------------------------------ sockets

  #link(channel: string, create: boolean): Link {
    let link = this.#links.get(channel);
    if (!link) this.#links.set(channel, (link = { channel, create, room: undefined, closed: false, attempt: 0, retry: undefined }));
    return link;
  }

  #close(channel: string): void {
    const link = this.#links.get(channel);
    if (!link) return;
    link.closed = true;
    clearTimeout(link.retry);
    this.#links.delete(channel);
    void link.room?.leave(true).catch(() => undefined);
  }

  #connect(link: Link): void {
    if (link.room || link.retry || link.closed) return;
    void (async () => {
      try {
        await this.start();
        const options = link.create ? { channel: link.channel, create: true } : { channel: link.channel };
        const room = await this.#session.client.joinOrCreate("chat", options, ChatState);
        if (link.closed) { void room.leave(true); return; }
        link.create = false;
        link.attempt = 0;
        link.room = room;
        this.#wire(link, room);
        this.#synchronise(link);
        this.emit("room", room);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === ChatJoinError.NOT_A_MEMBER || code === ChatJoinError.NO_SUCH_CHANNEL || code === ChatJoinError.INVALID) {
          // Final: not a member (yet), or no such group. The conversation stays listed, marked offline, with why.
          this.#note(link.channel, (error as Error).message);
          return;
        }
        this.#retry(link);
      }
    })();
  }

  #retry(link: Link): void {
    if (link.closed) return;
    const delay = RETRY_MS[Math.min(link.attempt, RETRY_MS.length - 1)];
    link.attempt++;
    link.retry = setTimeout(() => { link.retry = undefined; this.#connect(link); }, delay);
  }

  #wire(link: Link, room: Room<any, any>): void {
    room.reconnection.enabled = false; // chat rooms hold no seats: join again and catch up instead
    const delivery = this.#delivery!;
    room.onMessage(ChatMessage.line, (line: ChatLine) => this.#arrived(line));
    room.onMessage(ChatMessage.ack, (ack: Ack) => { delivery.receiveAck(ack); this.emit("change"); });
    room.onMessage(ChatMessage.historyPage, (page: HistoryPage) => {
      const { next } = delivery.receiveHistory(page);
      if (next) room.send(ChatMessage.history, next);
      this.emit("change");
    });
    room.onMessage(ChatMessage.inbox, (inbox: InboxDelivery) => {
      for (const line of inbox.lines) this.#arrived(line);
      room.send(ChatMessage.inboxAck, delivery.receiveInbox(inbox));
    });
    room.onMessage(ChatMessage.typing, (notice: TypingNotice) => {
      let typing = this.#typing.get(notice.channel);
      if (!typing) this.#typing.set(notice.channel, (typing = new Map()));
      typing.set(notice.user, Date.now());
      this.emit("change");
    });
    // Others' receipts are not drawn; the handler keeps the SDK from warning about an unhandled message.
    room.onMessage(ChatMessage.read, (_notice: ReadNotice) => undefined);
    room.onMessage(ChatMessage.blockState, (state: BlockState) => {
      const name = this.findMember(state.user)?.name ?? state.user;
      this.#note(this.#visible ?? HOME_CHANNEL, state.blocked ? `${name} is blocked: no direct messages either way.` : `${name} is no longer blocked.`);
    });
    room.onMessage(ChatMessage.rejected, (rejection: Rejection) => this.#rejected(rejection));
    room.onStateChange(() => this.emit("change"));
    room.onLeave(() => {
      if (link.room !== room) return;
      link.room = undefined;
      this.#setOnline(link, false);
      this.#retry(link);
    });
  }

  /** After every join: catch up each conversation this socket carries, then send the outbox again. */
  #synchronise(link: Link): void {
    const channels = link.channel === HOME_CHANNEL
      ? [HOME_CHANNEL, ...[...this.#conversations.values()].filter((c) => c.kind === "direct").map((c) => c.id)]
      : [link.channel];
    for (const channel of channels) this.#catchUp(link, channel);
    for (const message of this.#delivery!.unacknowledged()) {
      if (this.#carrier(message) === link) this.#transmit(message);
    }
    this.#setOnline(link, true);
  }

  #catchUp(link: Link | undefined, channel: string): void {
    link?.room?.send(ChatMessage.history, this.#delivery!.catchUp(channel));
  }

  /** The socket a message goes out on: its channel's own, or home for a direct message. */
  #carrier(message: OutgoingMessage): Link | undefined {
    return this.#links.get(message.to === undefined ? message.channel : HOME_CHANNEL);
  }

  #transmit(message: OutgoingMessage): void {
    const room = this.#carrier(message)?.room;
    if (!room) return; // sent again once its socket is back (#synchronise)
    if (message.to === undefined) room.send(ChatMessage.send, { channel: message.channel, id: message.id, text: message.text });
    else room.send(ChatMessage.direct, { to: message.to, id: message.id, text: message.text });
  }

  #setOnline(link: Link, online: boolean): void {
    const carried = link.channel === HOME_CHANNEL
      ? [...this.#conversations.values()].filter((c) => c.id === HOME_CHANNEL || c.kind === "direct")
      : [this.#conversations.get(link.channel)].filter((c) => c !== undefined);
    for (const conversation of carried) conversation.online = online;
    this.emit("change");
  }

  // ------------------------------------------------------------ arrivals

  #arrived(line: ChatLine): void {
    const delivery = this.#delivery!;
    const direct = kindOf(line.channel) === "direct";
    if (direct && !this.#conversations.has(line.channel)) {
      const peer = directPeer(line.channel, delivery.me);
      if (peer === undefined) return;
      this.#conversation(line.channel, line.from === peer ? line.name : undefined);
      this.#keep();
    }
    const conversation = this.#conversations.get(line.channel);
    if (!delivery.receiveLine(line) || !conversation) { this.emit("change"); return; }
    this.#typing.get(line.channel)?.delete(line.from);
    if (line.from !== delivery.me) {
      const onScreen = this.#open && this.#visible === line.channel;
      if (onScreen) this.#markRead(line.channel);
      else conversation.unread++;
      if (direct && line.from === conversation.peer) conversation.title = line.name;
    }
    this.emit("change");
  }

  #rejected(rejection: Rejection): void {
    const refused = this.#delivery!.receiveRejection(rejection);
    const channel = rejection.channel ?? refused?.channel ?? this.#visible ?? HOME_CHANNEL;
    this.#note(channel, rejection.message, refused?.text ?? "");
  }

  /** A line of the server's under the conversation: a refused message (struck through) or a notice. */
  #note(channel: string, reason: string, text = ""): void {
    this.#refused.push({ channel, id: `note-${++this.#notes}`, text, reason });
    if (this.#refused.length > MAX_NOTES) this.#refused.shift();
    this.emit("change");
  }

  #markRead(channel: string): void {
    const conversation = this.#conversations.get(channel);
    if (!conversation) return;
    conversation.unread = 0;
    const newest = this.#delivery?.syncedThrough(channel);
    // Receipts go to the channel's own room; a direct conversation has none to receive them.
    if (newest && kindOf(channel) !== "direct") this.#links.get(channel)?.room?.send(ChatMessage.read, { channel, seq: newest });
  }

  // ------------------------------------------------------------ conversations

  #conversation(channel: string, title?: string): Conversation {
    let conversation = this.#conversations.get(channel);
    const kind = kindOf(channel);
    if (!kind) throw new Error(`Not a channel id: ${channel}`);
    if (!conversation) {
      const peer = this.#me ? directPeer(channel, this.#me.id) : undefined;
      conversation = { id: channel, kind, title: title ?? defaultTitle(channel, kind, peer), unread: 0, online: false, ...(peer ? { peer } : {}) };
      if (kind === "direct") conversation.online = Boolean(this.#links.get(HOME_CHANNEL)?.room);
      this.#conversations.set(channel, conversation);
    } else if (title) {
      conversation.title = title;
    }
    return conversation;
  }

  #nameOf(channel: string, user: string): string {
    const state = this.#links.get(channel)?.room?.state as ChatState | undefined;
    return state?.members?.get(user)?.name ?? user;
  }

  /** Groups and direct conversations are kept per user across reloads; public and match channels are not. */
  #keep(): void {
    if (!this.#me) return;
    const kept = [...this.#conversations.values()].filter((c) => c.kind === "group" || c.kind === "direct").map((c) => ({ id: c.id, title: c.title }));
    try {
      globalThis.localStorage?.setItem(keptKey(this.#me.id), JSON.stringify(kept));
    } catch {
      // storage disabled or full: the list lasts this page
    }
  }
}

function defaultTitle(channel: string, kind: ChannelKind, peer: string | undefined): string {
  switch (kind) {
    case "public": return channel.toUpperCase();
    case "match": return "MATCH";
    case "group": return channel.slice("group:".length);
    case "direct": return peer ?? channel;
  }
}

const keptKey = (user: string) => `tickforge.chat.${user}`;

function loadKept(user: string): { id: string; title: string }[] {
  try {
    const raw = globalThis.localStorage?.getItem(keptKey(user));
    const kept = raw ? JSON.parse(raw) as unknown : [];
    if (!Array.isArray(kept)) return [];
    return kept.filter((k): k is { id: string; title: string } =>
      typeof k?.id === "string" && typeof k?.title === "string" && (kindOf(k.id) === "group" || kindOf(k.id) === "direct"));
  } catch {
    return [];
  }
}

/**
 * A chat channel: one room per channel (filterBy "channel"), for public
 * channels (`global`, `lobby`), groups (`group:<name>`), match channels
 * (`match:<room>`, opened by a game room with ChatStorage.saveChannel) and a
 * direct conversation's own channel (`dm:<a>~<b>`). It follows "What the
 * Room must do" in rooms/chat/README.md: validate, moderate, check the
 * channel's rules, store once (ChatStorage), ack the sender, broadcast new
 * lines in the store's order. Direct messages can be sent from any chat
 * room: they reach every socket the recipient has in any chat room on any
 * process (presence pub/sub), or wait in their inbox.
 */
import { definePlugins, ServerError, type Client } from "@colyseus/core";
import { z } from "zod";
import { CloseCode } from "../../shared/protocol.ts";
import { closeReason } from "../../server/errors.ts";
import { muteOf, mutedMessage } from "../../server/ops/mutes.ts";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { StoreError } from "../../server/storage/store.ts";
import {
  createGroup, directChannel, directPeer, invite, kindOf, maySend, publicChannel, remove, roleOf, setRole, typingDue, type Change, type Channel,
} from "./channel.ts";
import { moderate, type ChatFilter } from "./moderation.ts";
import {
  BlockRequest, ChannelId, ChatJoinError, invalidMessage, MessageId, ChatJoinOptions, ChatMessage, DirectSend, HistoryRequest, InboxAck, MemberChange, ReadReceipt, RoleChange, SendRequest, Typing,
  type BlockState, type ChatLine, type ReadNotice, type Rejection, type TypingNotice,
} from "./protocol.ts";
import type { ChatSettings } from "./settings.ts";
import { ChatMember, ChatState } from "./state.ts";
import { ChatStorage } from "./storage.ts";

/** Chat's messages per second per socket, all types together; a burst covers a resend of the outbox after a reconnect. */
export const CHAT_BUDGET = Object.freeze({ perSecond: 5, burst: 20 });

/**
 * Where a user's direct lines are published; every chat room holding one of
 * their sockets listens. A live subscription is also how a sender learns the
 * user is online anywhere: it vanishes with the process that held it, where
 * a stored count would outlive a crash. The id is encoded so no character of
 * it acts as a pattern in the presence's channel listing.
 */
const userTopic = (user: string) => `chat:user:${Buffer.from(user).toString("base64url")}`;

interface Identity { userId: string; name: string }

/** A studio's filter for every chat room of this process (moderation.ts); allow-all unless set at boot. */
let studioFilter: ChatFilter | undefined;
export function setChatFilter(filter: ChatFilter | undefined): void {
  studioFilter = filter;
}

export class ChatRoom extends GameRoom<{ state: ChatState }, ChatSettings> {
  state = new ChatState();
  plugins = definePlugins([...framework({ budget: CHAT_BUDGET, strikesToKick: 10 })]);
  autoDispose = true;

  private storage!: ChatStorage;
  private channel!: Channel;
  private channelVersion = 0;
  /** Store work in arrival order, so lines go out in seq order and a group change sees the last one's result. */
  private work: Promise<void> = Promise.resolve();
  private lastTyping = new Map<string, number>();
  /** This room's sockets by user, and the user topics it listens on. */
  private socketsOf = new Map<string, Set<Client>>();
  private listeners = new Map<string, (line: ChatLine) => void>();

  async onCreate(options: unknown) {
    const join = ChatJoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(ChatJoinError.INVALID, `Chat: ${join.error.issues[0].message}`);
    const id = join.data.channel;
    const kind = kindOf(id);
    if (!kind) throw new ServerError(ChatJoinError.NO_SUCH_CHANNEL, `No such channel "${id}": use a name like "global", group:<name>, match:<room> or dm:<a>~<b>.`);
    this.storage = new ChatStorage(this.store, {
      historyLength: this.settings.historyLength, historyPage: this.settings.historyPage, dedupeWindow: this.settings.dedupeWindow,
      inboxSize: this.settings.inboxSize, blocks: this.settings.blocksMax,
    });
    this.state.channel = id;
    const conduct = this.plugins.conduct;
    conduct.handle(ChatMessage.send, z.unknown(), (client, payload) => this.queue(client, () => this.onSend(client, payload)));
    conduct.handle(ChatMessage.direct, z.unknown(), (client, payload) => this.queue(client, () => this.onDirect(client, payload)));
    conduct.handle(ChatMessage.history, z.unknown(), (client, payload) => this.queue(client, () => this.onHistory(client, payload)));
    conduct.handle(ChatMessage.typing, Typing, (client, typing) => this.onTyping(client, typing));
    conduct.handle(ChatMessage.read, ReadReceipt, (client, receipt) => this.queue(client, () => this.onRead(client, receipt)));
    conduct.handle(ChatMessage.inboxAck, InboxAck, (client, ack) => this.queue(client, () => this.storage.inboxDelivered(this.who(client).userId, ack.through)));
    conduct.handle(ChatMessage.block, BlockRequest, (client, { user }) => this.queue(client, () => this.onBlock(client, user, true)));
    conduct.handle(ChatMessage.unblock, BlockRequest, (client, { user }) => this.queue(client, () => this.onBlock(client, user, false)));
    conduct.handle(ChatMessage.invite, MemberChange, (client, change) => this.queue(client, () => this.changeGroup(client, (ch) => invite(ch, this.who(client).userId, change.user))));
    conduct.handle(ChatMessage.remove, MemberChange, (client, change) => this.queue(client, () => this.changeGroup(client, (ch) => remove(ch, this.who(client).userId, change.user))));
    conduct.handle(ChatMessage.setRole, RoleChange, (client, change) => this.queue(client, () => this.changeGroup(client, (ch) => setRole(ch, this.who(client).userId, change.user, change.role))));
  }

  async onJoin(client: Client, options: unknown) {
    const me = this.who(client);
    const join = ChatJoinOptions.safeParse(options ?? {});
    try {
      if (!this.channel) await this.openChannel(me, join.success && join.data.create === true);
      else if (this.channel.kind === "group" || this.channel.kind === "match") await this.reloadChannel();
    } catch (error) {
      if (error instanceof StoreError) throw new ServerError(ChatJoinError.UNAVAILABLE, "Chat storage is unavailable; try again shortly.");
      throw error;
    }
    await this.attach(client, me);
  }

  /**
   * A seat restored on another process (server/room/durable.ts) comes back
   * here: chat holds no seat for a mere drop. The channel is read again from
   * the Store, and the socket listens for its user's lines as after a join.
   */
  async onReconnect(client: Client) {
    const me = this.who(client);
    if (!this.channel) await this.openChannel(me, false);
    else if (this.channel.kind === "group" || this.channel.kind === "match") await this.reloadChannel();
    await this.attach(client, me);
  }

  /** Seat `client` as `me`, a member of the channel: its user's lines reach it, its unread inbox is sent. */
  private async attach(client: Client, me: Identity) {
    const role = roleOf(this.channel, me.userId);
    if (!role) throw new ServerError(ChatJoinError.NOT_A_MEMBER, `You are not a member of ${this.channel.id}.`);
    let sockets = this.socketsOf.get(me.userId);
    if (!sockets) {
      sockets = new Set();
      this.socketsOf.set(me.userId, sockets);
      const listener = (line: ChatLine) => { for (const socket of this.socketsOf.get(me.userId) ?? []) socket.send(ChatMessage.line, line); };
      this.listeners.set(me.userId, listener);
      await this.presence.subscribe(userTopic(me.userId), listener);
    }
    sockets.add(client);
    this.state.members.set(me.userId, new ChatMember({ name: me.name, role }));
    const inbox = await this.storage.inbox(me.userId).catch(() => undefined);
    if (inbox && inbox.lines.length > 0) client.send(ChatMessage.inbox, inbox);
  }

  async onLeave(client: Client) {
    const me = client.auth as Identity | undefined;
    if (!me) return;
    const sockets = this.socketsOf.get(me.userId);
    // A restored member whose seat expired unclaimed has no socket here: only its presence goes.
    if (!sockets) this.state.members.delete(me.userId);
    if (!sockets?.delete(client)) return;
    if (sockets.size > 0) return;
    this.socketsOf.delete(me.userId);
    this.state.members.delete(me.userId);
    this.lastTyping.delete(me.userId);
    const listener = this.listeners.get(me.userId);
    this.listeners.delete(me.userId);
    if (listener) this.presence.unsubscribe(userTopic(me.userId), listener);
  }

  onDispose() {
    for (const [user, listener] of this.listeners) this.presence.unsubscribe(userTopic(user), listener);
    this.listeners.clear();
  }

  // ------------------------------------------------------------ handlers

  private async onSend(client: Client, payload: unknown): Promise<void> {
    const parsed = SendRequest.safeParse(payload);
    if (!parsed.success) return this.reject(client, invalid(parsed.error, payload));
    const { channel, id, text } = parsed.data;
    if (channel !== this.channel.id) return this.reject(client, { code: "NO_SUCH_CHANNEL", message: `This room carries ${this.channel.id} only; join ${channel} to write there.`, id, channel });
    const me = this.who(client);
    const muted = await this.muted(me.userId, { id, channel });
    if (muted) return this.reject(client, muted);
    const allowed = this.channel.kind === "direct"
      ? maySend(this.channel, me.userId, await this.storage.directBlocks(me.userId, directPeer(channel, me.userId)!))
      : maySend(this.channel, me.userId);
    if (!allowed.ok) return this.reject(client, { ...allowed.rejection, id, channel });
    const moderated = await moderate(text, { from: me.userId, channel, kind: this.channel.kind, filter: studioFilter, maxChars: this.settings.messageMaxChars });
    if (!moderated.ok) return this.reject(client, { ...moderated.rejection, id, channel });
    const posted = await this.storage.post(channel, { id: me.userId, name: me.name }, { id, text: moderated.text });
    if (!posted.ok) return this.reject(client, posted.rejection);
    client.send(ChatMessage.ack, posted.ack);
    if (posted.duplicate) return;
    // Clients stop showing the sender as typing when the line arrives, so the next keystroke must be forwarded, not throttled away.
    this.lastTyping.delete(me.userId);
    // A direct channel's two users get it on every socket through their topics, this room's included: broadcasting too would send it twice.
    if (this.channel.kind === "direct") await this.deliverDirect(posted.line, directPeer(channel, me.userId)!, me.userId, true);
    else this.broadcast(ChatMessage.line, posted.line);
  }

  private async onDirect(client: Client, payload: unknown): Promise<void> {
    const parsed = DirectSend.safeParse(payload);
    if (!parsed.success) return this.reject(client, invalid(parsed.error, payload));
    const { to, id, text } = parsed.data;
    const me = this.who(client);
    const opened = directChannel(me.userId, to);
    if (!opened.ok) return this.reject(client, { ...opened.rejection, id });
    const muted = await this.muted(me.userId, { id, channel: opened.channel.id });
    if (muted) return this.reject(client, muted);
    const channel = opened.channel;
    const allowed = maySend(channel, me.userId, await this.storage.directBlocks(me.userId, to));
    if (!allowed.ok) return this.reject(client, { ...allowed.rejection, id, channel: channel.id });
    const moderated = await moderate(text, { from: me.userId, channel: channel.id, kind: "direct", filter: studioFilter, maxChars: this.settings.messageMaxChars });
    if (!moderated.ok) return this.reject(client, { ...moderated.rejection, id, channel: channel.id });
    const posted = await this.storage.post(channel.id, { id: me.userId, name: me.name }, { id, text: moderated.text });
    if (!posted.ok) return this.reject(client, posted.rejection);
    client.send(ChatMessage.ack, posted.ack);
    if (posted.duplicate) return;
    await this.deliverDirect(posted.line, to, me.userId, true);
  }

  /**
   * To every socket of both users on any process (the sender's other tabs
   * too); to the recipient's inbox when they have none. The recipient also
   * gets a live notification, wherever they are (a game room, the lobby),
   * or on their next connection.
   */
  private async deliverDirect(line: ChatLine, to: string, from: string, includeSender: boolean): Promise<void> {
    this.presence.publish(userTopic(to), line);
    if (includeSender) this.presence.publish(userTopic(from), line);
    const topic = userTopic(to);
    const online = (await this.presence.channels(topic)).includes(topic);
    if (!online) await this.storage.toInbox(to, line);
    // Not awaited: the room's next message need not wait for the toast, and one that cannot be stored costs the toast, not the line.
    void this.notifier.notify(to, {
      id: `${line.channel}#${line.seq}`, kind: "message", text: `${line.name} sent you a message`, from,
      data: { channel: line.channel, seq: line.seq },
    }).catch((error: unknown) => this.log.warn({ err: error, to }, "could not raise a direct message's notification"));
  }

  /** The sender's operator mute, as the Rejection that answers their message; a store that cannot tell is a retryable UNAVAILABLE naming it. */
  private async muted(user: string, about: { id: string; channel: string }): Promise<Rejection | undefined> {
    try {
      const mute = await muteOf(this.store, user);
      return mute ? { code: "MUTED", message: mutedMessage(mute), ...about } : undefined;
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      return { code: "UNAVAILABLE", message: "Chat storage is unavailable; your message was not stored. It will be sent again.", ...about };
    }
  }

  private async onHistory(client: Client, payload: unknown): Promise<void> {
    const parsed = HistoryRequest.safeParse(payload);
    if (!parsed.success) return this.reject(client, invalid(parsed.error, payload));
    const me = this.who(client);
    const { channel } = parsed.data;
    // This room's channel, or one of the asker's own direct conversations (sent from anywhere).
    if (channel !== this.channel.id && (kindOf(channel) !== "direct" || directPeer(channel, me.userId) === undefined)) {
      return this.reject(client, { code: "NO_SUCH_CHANNEL", message: `You can read ${this.channel.id} and your own direct conversations here.`, channel });
    }
    client.send(ChatMessage.historyPage, await this.storage.page(parsed.data));
  }

  private onTyping(client: Client, { channel }: Typing): void {
    const me = this.who(client);
    if (channel !== this.channel.id) return;
    const now = Date.now();
    if (!typingDue(this.lastTyping.get(me.userId), now)) return;
    this.lastTyping.set(me.userId, now);
    this.broadcast(ChatMessage.typing, { channel, user: me.userId } satisfies TypingNotice, { except: client });
  }

  private async onRead(client: Client, { channel, seq }: ReadReceipt): Promise<void> {
    const me = this.who(client);
    if (channel !== this.channel.id) return this.reject(client, { code: "NO_SUCH_CHANNEL", message: `This room carries ${this.channel.id} only.`, channel });
    const stored = await this.storage.markRead(me.userId, channel, seq);
    this.broadcast(ChatMessage.read, { channel, user: me.userId, seq: stored } satisfies ReadNotice);
  }

  private async onBlock(client: Client, user: string, block: boolean): Promise<void> {
    const me = this.who(client);
    if (block) {
      const blocked = await this.storage.block(me.userId, user);
      if (!blocked.ok) return this.reject(client, blocked.rejection);
    } else {
      await this.storage.unblock(me.userId, user);
    }
    for (const socket of this.socketsOf.get(me.userId) ?? []) socket.send(ChatMessage.blockState, { user, blocked: block } satisfies BlockState);
  }

  /** Load, decide, save with compare-and-set; someone else changed the group first: load and decide again. */
  private async changeGroup(client: Client, decide: (channel: Channel) => Change): Promise<void> {
    if (this.channel.kind !== "group") return this.reject(client, { code: "FORBIDDEN", message: `Members of ${this.channel.id} are not invited or removed by players.`, channel: this.channel.id });
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.reloadChannel();
      const change = decide(this.channel);
      if (!change.ok) return this.reject(client, change.rejection);
      const saved = await this.storage.saveChannel(change.channel, this.channelVersion);
      if (!saved.saved) continue;
      this.channel = change.channel;
      this.channelVersion = saved.version;
      this.syncMembers();
      return;
    }
    this.reject(client, { code: "UNAVAILABLE", message: "The group kept changing while we tried; try again.", channel: this.channel.id });
  }

  // ------------------------------------------------------------ channel

  private async openChannel(me: Identity, create: boolean): Promise<void> {
    const id = this.state.channel;
    const kind = kindOf(id)!;
    if (kind === "public") this.channel = publicChannel(id);
    else if (kind === "direct") {
      const [a, b] = id.slice(3).split("~");
      const opened = directChannel(a, b);
      if (!opened.ok) throw new ServerError(ChatJoinError.NO_SUCH_CHANNEL, opened.rejection.message);
      this.channel = opened.channel;
    } else {
      const loaded = await this.storage.loadChannel(id);
      if (loaded) {
        this.channel = loaded.channel;
        this.channelVersion = loaded.version;
      } else if (kind === "group" && create) {
        const group = createGroup(id.slice("group:".length), me.userId, this.settings.groupMaxMembers);
        const saved = await this.storage.saveChannel(group, 0);
        if (!saved.saved) return this.openChannel(me, false);
        this.channel = group;
        this.channelVersion = saved.version;
      } else {
        throw new ServerError(ChatJoinError.NO_SUCH_CHANNEL, `No such channel: ${id}.`);
      }
    }
  }

  private async reloadChannel(): Promise<void> {
    const loaded = await this.storage.loadChannel(this.channel.id);
    if (!loaded) return;
    this.channel = loaded.channel;
    this.channelVersion = loaded.version;
    this.syncMembers();
  }

  /** Roles as stored; a user removed from the group loses their sockets here. */
  private syncMembers(): void {
    for (const [user, member] of this.state.members) {
      const role = roleOf(this.channel, user);
      if (role) member.role = role;
      else for (const socket of this.socketsOf.get(user) ?? []) socket.leave(CloseCode.KICKED, closeReason(`You were removed from ${this.channel.id}.`));
    }
  }

  // ------------------------------------------------------------ plumbing

  private who(client: Client): Identity {
    return client.auth as Identity;
  }

  /** Run `job` after the work before it; a store failure becomes a retryable UNAVAILABLE for this client, never an error in Colyseus. */
  private queue(client: Client, job: () => Promise<void>): void {
    this.work = this.work.then(job).catch((error: unknown) => {
      if (!(error instanceof StoreError)) this.log.error({ err: error, sessionId: client.sessionId }, "chat handler failed");
      this.reject(client, { code: "UNAVAILABLE", message: "Chat storage is unavailable; nothing was changed. Try again shortly." });
    });
  }

  private reject(client: Client, rejection: Rejection): void {
    client.send(ChatMessage.rejected, rejection);
  }
}

/** A schema failure as the sender's Rejection, naming the message id and channel when they are valid ones. */
function invalid(error: z.ZodError, payload: unknown): Rejection {
  const about = typeof payload === "object" && payload !== null ? payload as { id?: unknown; channel?: unknown } : {};
  const id = MessageId.safeParse(about.id);
  const channel = ChannelId.safeParse(about.channel);
  return invalidMessage(error, { ...(id.success ? { id: id.data } : {}), ...(channel.success ? { channel: channel.data } : {}) });
}

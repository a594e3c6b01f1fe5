/**
 * Chat's wire vocabulary: message names, payload schemas, limits and
 * rejection codes. The server, the browser's chat panel and the bots import
 * this one module, so a name, a limit or a code is defined exactly once.
 * Imports zod and nothing else, so it bundles for the browser.
 */
import { z } from "zod";

/** Message names on a chat room's channel. */
export const ChatMessage = Object.freeze({
  /** client → server: `SendRequest`, a message to a channel the sender is in. */
  send: "chat:send",
  /** client → server: `DirectSend`, a message to one user (their direct channel with the sender). */
  direct: "chat:direct",
  /** server → sender: `Ack`, the message is stored; sent again, unchanged, for a resend. */
  ack: "chat:ack",
  /** server → members: `ChatLine`, a stored message, in seq order per channel. */
  line: "chat:line",
  /** client → server: `HistoryRequest`. */
  history: "chat:history",
  /** server → requester: `HistoryPage`. */
  historyPage: "chat:history-page",
  /** client → server: `Typing`; server → members: `TypingNotice`, at most once per TYPING_INTERVAL_MS per user. */
  typing: "chat:typing",
  /** client → server: `ReadReceipt`; server → members: `ReadNotice`. */
  read: "chat:read",
  /** client → server: `MemberChange`, add a user to a group. */
  invite: "chat:invite",
  /** client → server: `MemberChange`, take a user out of a group (yourself: leave). */
  remove: "chat:remove",
  /** client → server: `RoleChange`, make a member a moderator or back. */
  setRole: "chat:set-role",
  /** client → server: `BlockRequest`. */
  block: "chat:block",
  /** client → server: `BlockRequest`. */
  unblock: "chat:unblock",
  /** server → user: `BlockState`, a block or unblock is stored. */
  blockState: "chat:block-state",
  /** server → user on connect: `InboxDelivery`, direct messages that arrived while they had no socket open. */
  inbox: "chat:inbox",
  /** client → server: `InboxAck`, the inbox lines up to `through` are shown; the server stops offering them. */
  inboxAck: "chat:inbox-ack",
  /** server → sender: `Rejection`, a request refused, with why. */
  rejected: "chat:rejected",
});

// Limits. Units: characters are Unicode code points after normalisation (moderation.ts).
export const CHAT_LIMITS = Object.freeze({
  /** Longest message a player may send, after normalisation. */
  messageChars: 500,
  /** Longest text accepted on the wire before normalisation, so normalising never runs on a megabyte. */
  rawMessageChars: 2000,
  /** Messages kept per channel (a channel log's maxLength). */
  historyLength: 500,
  /** Messages per history page, and sent on join. */
  historyPage: 50,
  /** Appends per channel for which a message id is remembered: a resend within it is stored once. */
  dedupeWindow: 5000,
  /** Offline direct messages and notifications kept per user. */
  inboxSize: 200,
  /** Members of one group, owner included. */
  groupMembers: 100,
  /** Users one user may block. */
  blocks: 1000,
  /** Unacknowledged messages a client holds; below dedupeWindow, so every resend is recognised. */
  outbox: 100,
  /** Typing notices per user and channel: at most one per this many milliseconds. */
  typingIntervalMs: 3000,
});

export const CHANNEL_KINDS = ["public", "group", "match", "direct"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const ROLES = ["owner", "moderator", "member"] as const;
export type Role = (typeof ROLES)[number];

/** Why a request was refused. Each comes with a sentence a player can act on (Rejection.message). */
export const CHAT_ERROR_CODES = [
  "INVALID_MESSAGE", // the payload does not match its schema
  "EMPTY", // nothing left after normalisation
  "TOO_LONG", // over CHAT_LIMITS.messageChars after normalisation
  "FILTERED", // the studio's filter refused the text
  "MUTED", // an operator muted the sender (POST /admin/mute); the message says until when
  "RATE_LIMITED",
  "NO_SUCH_CHANNEL",
  "NOT_A_MEMBER", // the sender is not in the channel
  "FORBIDDEN", // the actor's role may not do this here
  "ALREADY_MEMBER",
  "GROUP_FULL",
  "OUTRANKED", // the target's role is not below the actor's
  "BLOCKED", // the recipient blocked the sender
  "YOU_BLOCKED_THEM", // the sender blocked the recipient: unblock first
  "SELF", // a direct message or block aimed at yourself
  "BLOCK_LIST_FULL",
  "OUTBOX_FULL", // client side: too many messages waiting for acknowledgement
  "UNAVAILABLE", // storage failed; the message was not stored, send it again
] as const;
export type ChatErrorCode = (typeof CHAT_ERROR_CODES)[number];

export interface Rejection {
  code: ChatErrorCode;
  message: string;
  /** The message id the rejection answers, when it answers a send. */
  id?: string;
  channel?: string;
}

/** Client-chosen message id: unique per sender, reused verbatim on every resend. */
export const MessageId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "Message ids are 1 to 64 letters, digits, _ or -");
/** An identity's user id (the JWT subject): no whitespace, no control characters, no "~" (it joins direct channel ids). */
export const UserId = z.string().regex(/^[^\s\p{C}~]{1,64}$/u, "User ids are 1 to 64 visible characters without ~");
export const ChannelId = z.string().regex(/^[^\s\p{C}]{1,140}$/u, "Channel ids are 1 to 140 visible characters");
const Seq = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const RawText = z.string().max(CHAT_LIMITS.rawMessageChars, `Messages are at most ${CHAT_LIMITS.messageChars} characters`);

export const SendRequest = z.object({ channel: ChannelId, id: MessageId, text: RawText }).strict();
export type SendRequest = z.infer<typeof SendRequest>;

export const DirectSend = z.object({ to: UserId, id: MessageId, text: RawText }).strict();
export type DirectSend = z.infer<typeof DirectSend>;

export interface Ack {
  channel: string;
  id: string;
  seq: number;
  /** Server time, milliseconds since the epoch. */
  ts: number;
}

/** A stored message as members receive it. `text` is plain text: render it as text, never as HTML. */
export interface ChatLine {
  channel: string;
  seq: number;
  ts: number;
  id: string;
  from: string;
  /** The sender's display name when it was sent. */
  name: string;
  text: string;
}

/** Older messages (`before`), newer ones to catch up after a reconnect (`after`), or the newest page (neither). */
export const HistoryRequest = z.object({ channel: ChannelId, before: Seq.optional(), after: z.number().int().min(0).optional() })
  .strict()
  .refine((r) => r.before === undefined || r.after === undefined, "Ask for messages before or after a seq, not both");
export type HistoryRequest = z.infer<typeof HistoryRequest>;

/** The answer to a HistoryRequest, which it echoes so the client knows what the page covers. */
export interface HistoryPage {
  channel: string;
  before?: number;
  after?: number;
  /** Oldest first. */
  lines: ChatLine[];
  /** More remain in the direction asked (older for before/newest, newer for after). */
  more: boolean;
}

export const Typing = z.object({ channel: ChannelId }).strict();
export type Typing = z.infer<typeof Typing>;
export interface TypingNotice { channel: string; user: string }

export const ReadReceipt = z.object({ channel: ChannelId, seq: Seq }).strict();
export type ReadReceipt = z.infer<typeof ReadReceipt>;
export interface ReadNotice { channel: string; user: string; seq: number }

export const MemberChange = z.object({ channel: ChannelId, user: UserId }).strict();
export type MemberChange = z.infer<typeof MemberChange>;

export const RoleChange = z.object({ channel: ChannelId, user: UserId, role: z.enum(["moderator", "member"]) }).strict();
export type RoleChange = z.infer<typeof RoleChange>;

export interface InboxDelivery {
  /** Oldest first; each also belongs to its direct channel's history. */
  lines: ChatLine[];
  /** The inbox position to acknowledge once they are shown. */
  through: number;
}

export const InboxAck = z.object({ through: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) }).strict();
export type InboxAck = z.infer<typeof InboxAck>;

export const BlockRequest = z.object({ user: UserId }).strict();
export type BlockRequest = z.infer<typeof BlockRequest>;
export interface BlockState { user: string; blocked: boolean }

/** Why joining a chat room was refused: the matchmaking error's code (an HTTP status, as the framework's own refusals use). */
export const ChatJoinError = Object.freeze({
  /** Bad join options. */
  INVALID: 400,
  /** A group or match channel the joiner is not in. */
  NOT_A_MEMBER: 403,
  /** The channel id names no kind of channel, or no such group exists. */
  NO_SUCH_CHANNEL: 404,
  /** The Store is unreachable; join again shortly. */
  UNAVAILABLE: 503,
});

/** Join options of a chat room: the channel it carries (the room's filter); `create` opens a new group with the joiner as owner. */
export const ChatJoinOptions = z.object({ channel: ChannelId, create: z.boolean().optional() }).passthrough();

/** Turn a schema failure into the rejection the sender gets. */
export function invalidMessage(error: z.ZodError, about: { id?: string; channel?: string } = {}): Rejection {
  const issue = error.issues[0];
  const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
  return { code: "INVALID_MESSAGE", message: `${where}${issue.message}`, ...about };
}

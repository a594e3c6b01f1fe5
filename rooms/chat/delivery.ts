/**
 * The client's side of chat delivery, shared by the browser's chat panel and
 * the bots: an outbox of messages the server has not acknowledged, and per
 * channel a timeline that shows each message exactly once, in server order.
 *
 * A message's identity is (channel, seq) once stored and its client id before.
 * Lines, acks and history pages may arrive in any order and any number of
 * times (a resend, a history page overlapping live lines); merging by seq
 * makes every combination show the same timeline.
 *
 * Each channel also knows how far it is in sync: `syncedThrough` is the seq
 * up to which it holds every line from where it started (its first history
 * page). Live lines past a gap (missed while the connection was down) are
 * shown but do not move it; the catch-up page fills the gap and does. Lines
 * below the start (an ack of an old resend, say) are kept, and olderPage()
 * fills the gap under the run being read before going further back.
 *
 * Pure: no sockets, no timers. The caller, on every (re)connect, sends
 * catchUp() for each channel (and each follow-up receiveHistory() returns),
 * then sends unacknowledged() again; the server stores a resend once (same
 * id) and acknowledges it with the original seq.
 */
import { directChannelId } from "./channel.ts";
import { normaliseText } from "./moderation.ts";
import {
  CHAT_LIMITS, type Ack, type ChatErrorCode, type ChatLine, type HistoryPage, type HistoryRequest, type InboxAck, type InboxDelivery, type Rejection,
} from "./protocol.ts";

/** What to put on the wire: `chat:send` `{ channel, id, text }`, or `chat:direct` `{ to, id, text }` when `to` is set. */
export interface OutgoingMessage {
  channel: string;
  id: string;
  text: string;
  to?: string;
}

/** A line on screen: stored (`pending: false`), or sent and not yet acknowledged (no seq yet). */
export type TimelineItem =
  | (ChatLine & { pending: false })
  | { pending: true; channel: string; id: string; from: string; text: string };

/** Rejections after which the same message may succeed if sent again; others are final. */
const RETRYABLE: ReadonlySet<ChatErrorCode> = new Set(["UNAVAILABLE", "RATE_LIMITED"]);

export interface ChatDeliveryOptions {
  /** This user's id, as the server puts it in ChatLine.from. */
  me: string;
  /** This user's display name, shown on our own lines until the server's copy arrives. */
  myName?: string;
  /** Fresh message ids (default: newMessageId). */
  newId?: () => string;
  /** Lines kept per channel; older ones are dropped (page back to see them again). */
  keep?: number;
  outboxLimit?: number;
}

export type Sent = { ok: true; message: OutgoingMessage } | { ok: false; rejection: Rejection };

export class ChatDelivery {
  readonly me: string;
  private readonly myName: string;
  private readonly newId: () => string;
  private readonly keep: number;
  private readonly outboxLimit: number;
  /** Unacknowledged messages by id, in the order they were sent. */
  private readonly outbox = new Map<string, OutgoingMessage>();
  private readonly channels = new Map<string, ChannelView>();

  constructor({ me, myName = me, newId = newMessageId, keep = 1000, outboxLimit = CHAT_LIMITS.outbox }: ChatDeliveryOptions) {
    this.me = me;
    this.myName = myName;
    this.newId = newId;
    this.keep = keep;
    this.outboxLimit = outboxLimit;
  }

  /** Queue a message for `channel`; send what this returns now if connected (otherwise unacknowledged() will). */
  send(channel: string, text: string): Sent {
    return this.enqueue({ channel, text });
  }

  /** Queue a direct message to `to`; it lands in their direct channel with this user. */
  sendDirect(to: string, text: string): Sent {
    return this.enqueue({ channel: directChannelId(this.me, to), text, to });
  }

  /** Every message still waiting for its ack, oldest first: send them all again after a reconnect. */
  unacknowledged(): OutgoingMessage[] {
    return [...this.outbox.values()];
  }

  /** The server stored a message of ours. True when it settled one waiting in the outbox. */
  receiveAck(ack: Ack): boolean {
    const waiting = this.outbox.get(ack.id);
    if (!waiting) return false;
    this.outbox.delete(ack.id);
    // Shown at its seq now; the server's line (with the stored, possibly filtered, text) replaces it when it comes.
    const view = this.view(ack.channel);
    if (!has(view, ack.seq)) {
      const normalised = normaliseText(waiting.text);
      this.insert(view, { channel: ack.channel, seq: ack.seq, ts: ack.ts, id: ack.id, from: this.me, name: this.myName, text: normalised.ok ? normalised.text : waiting.text }, false);
      absorb(view);
    }
    return true;
  }

  /** A stored line, live or from history. True when it was not shown before. */
  receiveLine(line: ChatLine): boolean {
    if (line.from === this.me) this.outbox.delete(line.id);
    const view = this.view(line.channel);
    const added = this.insert(view, line, true);
    absorb(view);
    return added;
  }

  /**
   * A page of history. Returns how many of its lines were new and, while a
   * catch-up has more to fetch, the next request to send.
   */
  receiveHistory(page: HistoryPage): { added: number; next?: HistoryRequest } {
    const view = this.view(page.channel);
    let added = 0;
    for (const line of page.lines) {
      if (line.from === this.me) this.outbox.delete(line.id);
      if (this.insert(view, line, true)) added++;
    }
    const last = page.lines.at(-1)?.seq;
    if (page.after !== undefined) {
      // Pages read forward from `after` hold every kept line after it, so a catch-up from within the synced run extends it.
      if (view.syncedThrough === undefined || page.after <= view.syncedThrough) view.syncedThrough = Math.max(view.syncedThrough ?? 0, last ?? page.after);
    } else if (page.before === undefined && view.syncedThrough === undefined) {
      // The first newest page starts the view: from here on every line must arrive.
      view.syncedThrough = last ?? 0;
      if (!page.more) view.reachedStart = true;
    } else if (page.before !== undefined && !page.more) {
      view.reachedStart = true;
    }
    absorb(view);
    const next = page.after !== undefined && page.more && last !== undefined ? { channel: page.channel, after: last } : undefined;
    return next ? { added, next } : { added };
  }

  /** Direct messages kept while we were offline: shown in their channels; send the returned `chat:inbox-ack`. */
  receiveInbox(inbox: InboxDelivery): InboxAck {
    for (const line of inbox.lines) this.receiveLine(line);
    return { through: inbox.through };
  }

  /**
   * The server refused a message. A final refusal takes it out of the outbox
   * and returns it (show it as not sent, with `rejection.message`); a
   * retryable one leaves it there for the next resend.
   */
  receiveRejection(rejection: Rejection): OutgoingMessage | undefined {
    if (rejection.id === undefined || RETRYABLE.has(rejection.code)) return undefined;
    const refused = this.outbox.get(rejection.id);
    this.outbox.delete(rejection.id);
    return refused;
  }

  /** What to show for `channel`: stored lines in seq order, then our unacknowledged ones in the order sent. */
  timeline(channel: string): TimelineItem[] {
    const stored: TimelineItem[] = (this.channels.get(channel)?.lines ?? []).map((line) => ({ ...line, pending: false }));
    for (const message of this.outbox.values()) {
      if (message.channel === channel) stored.push({ pending: true, channel, id: message.id, from: this.me, text: message.text });
    }
    return stored;
  }

  /** What to ask for on (re)connect: the newest page the first time, afterwards everything after the synced run. */
  catchUp(channel: string): HistoryRequest {
    const synced = this.channels.get(channel)?.syncedThrough;
    return synced === undefined ? { channel } : { channel, after: synced };
  }

  /**
   * The request for the page before the unbroken run the player is reading
   * (they scrolled up), filling any gap below it first; undefined once every
   * kept line down to the first is held.
   */
  olderPage(channel: string): HistoryRequest | undefined {
    const view = this.channels.get(channel);
    const start = view && runStart(view);
    if (!view || view.reachedStart || start === undefined || start <= 1) return undefined;
    return { channel, before: start };
  }

  /** The seq up to which this client holds every line since it joined `channel` (undefined: not yet in sync). */
  syncedThrough(channel: string): number | undefined {
    return this.channels.get(channel)?.syncedThrough;
  }

  private enqueue(message: Omit<OutgoingMessage, "id">): Sent {
    if (this.outbox.size >= this.outboxLimit) {
      return { ok: false, rejection: { code: "OUTBOX_FULL", message: `${this.outboxLimit} messages are still waiting to be delivered; wait for the connection to return.`, channel: message.channel } };
    }
    const normalised = normaliseText(message.text);
    if (!normalised.ok) return { ok: false, rejection: { ...normalised.rejection, channel: message.channel } };
    const queued: OutgoingMessage = { ...message, id: this.newId() };
    this.outbox.set(queued.id, queued);
    return { ok: true, message: queued };
  }

  private view(channel: string): ChannelView {
    let view = this.channels.get(channel);
    if (!view) this.channels.set(channel, (view = { lines: [], syncedThrough: undefined, reachedStart: false }));
    return view;
  }

  /** Put `line` at its seq. An existing line at that seq is replaced only by the server's own (`authoritative`). */
  private insert(view: ChannelView, line: ChatLine, authoritative: boolean): boolean {
    const { lines } = view;
    const at = indexOf(lines, line.seq);
    if (at < lines.length && lines[at].seq === line.seq) {
      if (authoritative) lines[at] = line;
      return false;
    }
    if (lines.length >= this.keep && at === 0) return false; // older than everything kept
    lines.splice(at, 0, line);
    if (lines.length > this.keep) {
      lines.shift();
      view.reachedStart = false;
    }
    return true;
  }
}

interface ChannelView {
  /** Stored lines sorted by seq, no seq twice. */
  lines: ChatLine[];
  syncedThrough: number | undefined;
  /** Every kept line older than the oldest held has been fetched (a before-page said there were no more). */
  reachedStart: boolean;
}

function has(view: ChannelView, seq: number): boolean {
  const at = indexOf(view.lines, seq);
  return at < view.lines.length && view.lines[at].seq === seq;
}

/** Move syncedThrough over lines that now follow it without a gap. */
function absorb(view: ChannelView): void {
  if (view.syncedThrough === undefined) return;
  let at = indexOf(view.lines, view.syncedThrough + 1);
  while (at < view.lines.length && view.lines[at].seq === view.syncedThrough + 1) {
    view.syncedThrough++;
    at++;
  }
}

/** The oldest seq of the unbroken run of lines ending at the synced point (or at the newest line before sync). */
function runStart(view: ChannelView): number | undefined {
  const { lines } = view;
  if (lines.length === 0) return undefined;
  let at = view.syncedThrough === undefined ? lines.length - 1 : Math.min(indexOf(lines, view.syncedThrough), lines.length - 1);
  if (lines[at].seq > (view.syncedThrough ?? Number.POSITIVE_INFINITY)) at--;
  if (at < 0) return lines[0].seq;
  while (at > 0 && lines[at - 1].seq === lines[at].seq - 1) at--;
  return lines[at].seq;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/**
 * 22 random characters of [A-Za-z0-9_-] (132 bits; protocol.ts MessageId).
 * crypto.getRandomValues, unlike randomUUID, also exists on pages served over
 * plain http (a LAN address), which are not a secure context.
 */
export function newMessageId(): string {
  // 64 divides 256, so taking the low six bits of each byte keeps every character equally likely.
  return Array.from(crypto.getRandomValues(new Uint8Array(22)), (byte) => ID_ALPHABET[byte & 63]).join("");
}

/** First index whose seq is >= `seq` (lines mostly arrive in order, so check the end first). */
function indexOf(lines: ChatLine[], seq: number): number {
  if (lines.length === 0 || lines[lines.length - 1].seq < seq) return lines.length;
  let low = 0, high = lines.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (lines[mid].seq < seq) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The link conditioner: added latency, jitter and loss applied inside the
 * client, to both directions of a room's WebSocket, so anyone can watch
 * prediction work at 150 ms without touching the OS network stack.
 *
 * It models TCP, because that is what a WebSocket rides on:
 * - nothing is ever dropped or reordered; every message is delivered once,
 *   in the order it was sent;
 * - a "lost" packet is retransmitted after a retransmission timeout, and
 *   everything sent after it waits behind it (head-of-line blocking), which is
 *   exactly how loss feels on a real WebSocket: an in-order stall.
 *
 * Figures are round-trip figures, like a ping: `latencyMs` 150 adds 75 ms to
 * each direction, `jitterMs` 20 moves each direction's delay by up to ±10 ms.
 *
 * The load tester's bots use the same conditioner (loadtest/socket-probe.ts),
 * so "150 ms ± 20" means the same link in the browser and in a bot fleet.
 */
import type { Room } from "@colyseus/sdk";

export interface LinkSettings {
  /** Added round-trip time, ms. */
  latencyMs: number;
  /** Round-trip jitter amplitude, ms: each direction varies by ±jitterMs/2. */
  jitterMs: number;
  /** Chance that a message needs a retransmission, percent. */
  lossPercent: number;
}

export const CLEAN_LINK: Readonly<LinkSettings> = Object.freeze({ latencyMs: 0, jitterMs: 0, lossPercent: 0 });

const LIMITS = { latencyMs: [0, 2000], jitterMs: [0, 500], lossPercent: [0, 50] } as const;

/** Linux's floor for a retransmission timeout (TCP_RTO_MIN), ms. */
const MIN_RTO_MS = 200;

export class LinkSettingsError extends Error {
  override name = "LinkSettingsError";
}

/** Validate user-supplied settings; throws with the field and its allowed range. */
export function checkLinkSettings(input: Partial<LinkSettings>, base: LinkSettings = CLEAN_LINK): LinkSettings {
  const out = { ...base };
  for (const key of Object.keys(LIMITS) as (keyof LinkSettings)[]) {
    const value = input[key];
    if (value === undefined) continue;
    const [lo, hi] = LIMITS[key];
    if (typeof value !== "number" || !Number.isFinite(value) || value < lo || value > hi) {
      throw new LinkSettingsError(`Link conditioner: ${key} must be a number from ${lo} to ${hi}, got ${String(value)}.`);
    }
    out[key] = value;
  }
  return out;
}

/** What the link did to one message, for the round-trip estimate (shared/round-trip.ts). */
export interface Carried {
  /** The delay the link gave it, ms: the draw, a retransmission, the wait behind earlier messages. */
  readonly delayMs: number;
  /** How much later than that the page got round to delivering it, ms (a busy main thread); set on delivery. */
  lateMs: number;
}

const PASSED_STRAIGHT: Carried = Object.freeze({ delayMs: 0, lateMs: 0 });

/** One direction of the link: a delay line that never reorders. */
export class Pipe {
  readonly #link: LinkConditioner;
  #queue: (Carried & { at: number; deliver: () => void })[] = [];
  #lastAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** Messages delayed by a simulated retransmission. */
  retransmits = 0;
  /** The message pushed last. */
  lastPushed: Carried = PASSED_STRAIGHT;
  /** The message being delivered right now, if any. */
  delivering: Carried | undefined;

  constructor(link: LinkConditioner) {
    this.#link = link;
  }

  get backlog(): number {
    return this.#queue.length;
  }

  push(deliver: () => void): void {
    const s = this.#link.settings;
    const random = this.#link.random;
    if (this.#queue.length === 0 && s.latencyMs === 0 && s.jitterMs === 0 && s.lossPercent === 0) {
      this.lastPushed = PASSED_STRAIGHT;
      deliver(); // clean link: not even a timer hop
      return;
    }
    const now = performance.now();
    let delay = s.latencyMs / 2 + (random() * 2 - 1) * (s.jitterMs / 2);
    if (random() * 100 < s.lossPercent) {
      // RFC 6298: RTO = SRTT + 4·RTTVAR, floored at Linux's 200 ms.
      delay += Math.max(MIN_RTO_MS, s.latencyMs + 2 * s.jitterMs);
      this.retransmits++;
    }
    // In order, always: a message never overtakes the one sent before it.
    const at = Math.max(now + Math.max(0, delay), this.#lastAt);
    this.#lastAt = at;
    const carried = { at, delayMs: at - now, lateMs: 0, deliver };
    this.lastPushed = carried;
    this.#queue.push(carried);
    if (this.#queue.length === 1) this.#schedule();
  }

  #schedule(): void {
    clearTimeout(this.#timer);
    const head = this.#queue[0];
    if (!head) return;
    this.#timer = setTimeout(() => this.#flush(), Math.max(0, head.at - performance.now()));
  }

  /**
   * Deliver now what is due, without waiting for the timer: a page calls
   * this before each frame, since a busy page runs its frames ahead of its
   * timers and would otherwise draw with messages the link already let through.
   */
  deliverDue(): void {
    const head = this.#queue[0];
    if (head && head.at <= performance.now()) this.#flush();
  }

  /** Forget everything in flight: the socket under it is gone (the load tester's bots, on a drop). */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue = [];
    this.#lastAt = 0;
  }

  #flush(): void {
    const now = performance.now();
    while (this.#queue.length > 0 && this.#queue[0].at <= now + 0.5) {
      const carried = this.#queue.shift()!;
      carried.lateMs = Math.max(0, performance.now() - carried.at); // after the deliveries before it in this flush
      this.delivering = carried;
      try {
        carried.deliver();
      } finally {
        this.delivering = undefined;
      }
    }
    this.#schedule();
  }
}

/** Structural view of the SDK's connection that the conditioner wraps. */
interface WrappableConnection {
  send(data: Uint8Array): void;
  sendUnreliable(data: Uint8Array): void;
  readonly isOpen: boolean;
  transport: unknown;
  events: { onmessage?: ((ev: unknown) => unknown) | null; onclose?: ((ev: unknown) => unknown) | null };
}

export class LinkConditioner {
  settings: LinkSettings;
  /** Source of the jitter and loss draws (uniform in [0, 1)); replaceable for tests. */
  readonly random: () => number;
  readonly up = new Pipe(this);
  readonly down = new Pipe(this);
  readonly #wrapped = new WeakSet<object>();

  constructor(settings: Partial<LinkSettings> = {}, random: () => number = Math.random) {
    this.settings = checkLinkSettings(settings);
    this.random = random;
  }

  /** True when the link adds nothing: messages pass straight through. */
  get clean(): boolean {
    const s = this.settings;
    return s.latencyMs === 0 && s.jitterMs === 0 && s.lossPercent === 0;
  }

  /** Bumped on every change, so round-trip samples taken before it can be told apart. */
  version = 0;

  /** Change the link; applies to messages sent from now on. */
  set(settings: Partial<LinkSettings>): LinkSettings {
    this.settings = checkLinkSettings(settings, this.settings);
    this.version++;
    return this.settings;
  }

  /** Deliver what is due in both directions now (before a frame; see Pipe.deliverDue). */
  deliverDue(): void {
    this.up.deliverDue();
    this.down.deliverDue();
  }

  /**
   * Route a joined room's traffic through the link. Survives the SDK's own
   * reconnection (it reuses the connection object); a room from
   * `client.reconnect()` is a new connection and is attached again.
   */
  attach(room: Room): void {
    const conn = room.connection as unknown as WrappableConnection;
    if (this.#wrapped.has(conn)) return;
    this.#wrapped.add(conn);

    const rawSend = conn.send.bind(conn);
    const socketOf = () => (conn.transport as { ws?: unknown }).ws;
    const send = (data: Uint8Array) => {
      const socket = socketOf();
      const copy = data.slice(); // the SDK reuses its send buffers
      // A message sent on a socket that has since died died with it, as on TCP.
      this.up.push(() => { if (socketOf() === socket && conn.isOpen) rawSend(copy); });
    };
    conn.send = send;
    conn.sendUnreliable = send; // a WebSocket has only the reliable channel

    const events = conn.events;
    const onmessage = events.onmessage;
    const onclose = events.onclose;
    events.onmessage = (ev) => this.down.push(() => onmessage?.(ev));
    // The close frame travels behind the data sent before it.
    events.onclose = (ev) => this.down.push(() => onclose?.(ev));
  }
}

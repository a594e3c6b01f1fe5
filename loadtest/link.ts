/**
 * A per-bot link conditioner: latency, jitter and loss, applied to each
 * direction of a bot's WebSocket.
 *
 * A WebSocket rides on TCP, so a lost packet never means a lost message: the
 * sender retransmits and everything behind it waits (head-of-line blocking).
 * Loss is therefore modelled as an in-order stall of `retransmitMs` on the
 * unlucky message, which every later message queues behind. Messages are never
 * dropped and never reordered; jitter only ever delays a message up to the
 * one ahead of it.
 */

export interface LinkSettings {
  /** One-way delay added to every message, ms. */
  latencyMs: number;
  /** Extra one-way delay, uniform in [0, jitterMs), ms. */
  jitterMs: number;
  /** Probability (0..1) that a message's packet is lost and retransmitted. */
  loss: number;
  /** How long a retransmission stalls the stream, ms (Linux's minimum RTO is 200 ms). */
  retransmitMs: number;
}

export const PERFECT_LINK: LinkSettings = Object.freeze({ latencyMs: 0, jitterMs: 0, loss: 0, retransmitMs: 200 });

export function isPerfect(link: LinkSettings): boolean {
  return link.latencyMs === 0 && link.jitterMs === 0 && link.loss === 0;
}

/** Random source: injectable so tests can make loss and jitter deterministic. */
export type Random = () => number;

/**
 * One direction of a link: `send(deliver)` calls `deliver` after the delay the
 * link imposes, in the order `send` was called.
 */
export class LinkDirection {
  readonly settings: LinkSettings;
  private random: Random;
  private queue: { at: number; deliver: () => void }[] = [];
  private head = 0;
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(settings: LinkSettings, random: Random = Math.random) {
    this.settings = settings;
    this.random = random;
  }

  send(deliver: () => void): void {
    if (this.closed) return;
    const { latencyMs, jitterMs, loss, retransmitMs } = this.settings;
    let at = performance.now() + latencyMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
    if (loss > 0 && this.random() < loss) at += retransmitMs;
    // In order: a message can never overtake the one sent before it.
    if (at < this.lastAt) at = this.lastAt;
    this.lastAt = at;
    this.queue.push({ at, deliver });
    if (this.timer === undefined) this.arm();
  }

  /** Forget everything in flight: the socket under it is gone. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue = [];
    this.head = 0;
  }

  /** Start over on a fresh socket (after a reconnection). */
  reopen(): void {
    this.close();
    this.closed = false;
    this.lastAt = 0;
  }

  get inFlight(): number {
    return this.queue.length - this.head;
  }

  private arm(): void {
    const next = this.queue[this.head];
    this.timer = setTimeout(() => this.flush(), Math.max(0, next.at - performance.now()));
  }

  private flush(): void {
    this.timer = undefined;
    const now = performance.now();
    while (this.head < this.queue.length && this.queue[this.head].at <= now + 0.5) {
      const item = this.queue[this.head++];
      item.deliver();
      if (this.closed) return;
    }
    if (this.head > 1024 || this.head === this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.head < this.queue.length) this.arm();
  }
}

/**
 * The round trip of the link, as the page and the load tester's bots report
 * it (HUD ping, `room.clock.smoothedRtt()`, the input-queue rule).
 *
 * The SDK's own estimate times an input until the patch that acknowledges it,
 * so it also counts the input's wait in the server's queue, the wait for the
 * next tick and for the next patch. A ping (`room.ping()`, answered by the
 * server as it arrives) avoids all of that, but a page that spends most of
 * its time drawing hands the answer to our code only when the frame is done
 * (figures in docs/client.md, "The clock").
 *
 * So a sample is split in three:
 * - the link conditioner's part, which it knows exactly for every message it
 *   carried (the delay it drew, a retransmission and the wait behind earlier
 *   messages included), and which is averaged;
 * - how late the page ran the conditioner's timers, which it also knows, and
 *   which is the page's, not the link's;
 * - the rest (the network, the server's answer and the time the answer
 *   waited for the page), of which the lowest in the window is kept: the
 *   page's delays only ever add, and the network's least delay is its round
 *   trip.
 * A page also times the network where no frame holds the answer up (a
 * Worker on a socket of its own: game-client/src/net/link-probe.ts); those
 * round trips are more samples of the same rest, and the least of both is kept.
 * Without a conditioner (a real network) the estimate is the windowed minimum
 * of the pings, the usual base-RTT estimate.
 */
import type { Room } from "@colyseus/sdk";
import { RoomClockImpl } from "@colyseus/sdk/RoomClock";
import type { Carried, LinkConditioner } from "./link.ts";

/** Samples kept; at one ping every PING_EVERY_MS that is eight seconds. */
const WINDOW = 16;
/** How often a player pings: often enough that the window's minimum finds a moment the page was idle. */
export const PING_EVERY_MS = 500;
/** Network round trips (addNetwork) are kept over the span the pings' window covers, so a link that got slower shows as soon there. */
const NETWORK_WINDOW_MS = WINDOW * PING_EVERY_MS;

export class RoundTripEstimate {
  #rest: number[] = [];
  #conditioned: number[] = [];
  #network: { ms: number; at: number }[] = [];
  /** The last ping as the page saw it, ms (everything included); NaN before the first. */
  lastSampleMs = Number.NaN;

  /**
   * A ping: its whole round trip, the part of it the link conditioner added
   * (0 without one), and how late the page ran the conditioner's deliveries.
   */
  add(totalMs: number, conditionedMs: number, pageLateMs = 0): void {
    this.lastSampleMs = totalMs;
    this.#rest.push(Math.max(0, totalMs - conditionedMs - pageLateMs));
    this.#conditioned.push(conditionedMs);
    if (this.#rest.length > WINDOW) {
      this.#rest.shift();
      this.#conditioned.shift();
    }
  }

  /**
   * The network's round trip to the server timed apart from the pings, where
   * nothing but the network and the server's answer is in it (a Worker's own socket), ms;
   * `at` is when it was timed (performance.now()).
   */
  addNetwork(ms: number, at = performance.now()): void {
    this.#network.push({ ms: Math.max(0, ms), at });
    while (this.#network[0].at < at - NETWORK_WINDOW_MS) this.#network.shift();
  }

  /** Forget the samples: they were measured through a link that has since changed. */
  reset(): void {
    this.#rest = [];
    this.#conditioned = [];
    this.#network = [];
    this.lastSampleMs = Number.NaN;
  }

  /** The window's samples less the conditioner's part and the page's known lateness, ms, oldest first. */
  get unconditioned(): number[] {
    return [...this.#rest];
  }

  /** The window's network round trips timed apart from the pings (addNetwork), ms, oldest first. */
  get network(): number[] {
    return this.#network.map((sample) => sample.ms);
  }

  /** Pings in the window. */
  get samples(): number {
    return this.#rest.length;
  }

  /** The link's round trip, ms; NaN until the first ping (which tells the conditioner's part). */
  get estimateMs(): number {
    if (this.#rest.length === 0) return Number.NaN;
    const conditioned = this.#conditioned.reduce((a, b) => a + b, 0) / this.#conditioned.length;
    return Math.min(...this.#rest, ...this.network) + conditioned;
  }
}

/** Rooms with a ping in flight, and since when: the SDK times one ping at a time, and a second would restart its timer. */
const inFlight = new WeakMap<Room, number>();
/** A ping unanswered for this long is taken as lost with its socket, ms. */
const PING_GIVE_UP_MS = 5000;

/**
 * Ping the room once through `link` (undefined on a plain socket) and report
 * the sample; does nothing while the previous ping is unanswered.
 */
export function pingThrough(
  room: Room,
  link: Pick<LinkConditioner, "up" | "down"> | undefined,
  onSample: (totalMs: number, conditionedMs: number, pageLateMs: number) => void,
): void {
  const since = inFlight.get(room);
  if (since !== undefined && performance.now() - since < PING_GIVE_UP_MS) return;
  inFlight.set(room, performance.now());
  let up: Carried | undefined;
  room.ping((ms) => {
    inFlight.delete(room);
    // The answer is delivered from inside the downlink's delivery, which knows what it did to it.
    const down = link?.down.delivering;
    onSample(ms, (up?.delayMs ?? 0) + (down?.delayMs ?? 0), (up?.lateMs ?? 0) + (down?.lateMs ?? 0));
  });
  // room.ping() hands the request to the uplink synchronously.
  up = link?.up.lastPushed;
}

/**
 * Run `fn` just after the page's next frame is drawn, when its main thread is
 * most likely idle for a while: a ping sent then has its answer handled the
 * moment it arrives (on a fast link). Without frames (Node, the bots), now.
 */
export function afterNextFrame(fn: () => void): void {
  if (typeof requestAnimationFrame !== "function") {
    fn();
    return;
  }
  requestAnimationFrame(() => setTimeout(fn, 0));
}

/**
 * The room's clock with the round trip above instead of the input
 * acknowledgement's, and a server-time offset from the fastest recent patch
 * (its transit least delayed by a busy page) plus half that round trip.
 * Everything else (jitter, the render timeline, the patch cadence) is the
 * SDK's. Installed with `room.clock = new LinkClock(...)`, the swap the SDK
 * documents for alternative RTT estimators.
 */
export class LinkClock extends RoomClockImpl {
  readonly #roundTrip: RoundTripEstimate;
  /** Sliding-window minimum of (arrival − server stamp): times and values, values increasing. */
  #transitAt: number[] = [];
  #transit: number[] = [];
  static readonly TRANSIT_WINDOW_MS = 10_000;

  constructor(roundTrip: RoundTripEstimate, patchIntervalMs = 0) {
    super();
    this.#roundTrip = roundTrip;
    this.setPatchInterval(patchIntervalMs);
  }

  override sample(sNow: number, _inputAckRtt: number): void {
    // Jitter, the snapshot stamp and the fallback offset stay the SDK's; its RTT is not fed.
    super.sample(sNow, -1);
    const at = this.now();
    const transit = at - sNow;
    while (this.#transit.length > 0 && this.#transit[this.#transit.length - 1] >= transit) {
      this.#transit.pop();
      this.#transitAt.pop();
    }
    this.#transit.push(transit);
    this.#transitAt.push(at);
    while (this.#transitAt[0] < at - LinkClock.TRANSIT_WINDOW_MS) {
      this.#transitAt.shift();
      this.#transit.shift();
    }
  }

  override serverNow(): number {
    if (this.#transit.length === 0) return super.serverNow();
    const rtt = this.#roundTrip.estimateMs;
    return this.now() - this.#transit[0] + (Number.isFinite(rtt) ? rtt / 2 : 0);
  }

  /** The last ping as the page saw it (ms), the page's own delays included; 0 before the first. */
  override rtt(): number {
    const last = this.#roundTrip.lastSampleMs;
    return Number.isFinite(last) ? last : 0;
  }

  /** The link's round trip (ms); 0 until the first ping. */
  override smoothedRtt(): number {
    const estimate = this.#roundTrip.estimateMs;
    return Number.isFinite(estimate) ? estimate : 0;
  }

  override reset(): void {
    super.reset();
    this.#transit = [];
    this.#transitAt = [];
  }
}

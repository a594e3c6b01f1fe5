/**
 * What one address may take: sockets open at once, matchmaking and sign-in
 * requests per second (a token bucket), rooms created per minute. Entries for
 * addresses that have gone quiet are swept, so the tables stay as small as
 * the set of active addresses.
 */
import type { EdgeConfig } from "../config.ts";
import { limitHolder } from "./addresses.ts";

const SWEEP_EVERY_MS = 10_000;
const MINUTE_MS = 60_000;

interface Bucket { tokens: number; refilledAt: number }

export class AddressLimits {
  readonly #edge: EdgeConfig;
  readonly #sockets = new Map<string, number>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #creations = new Map<string, number[]>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(edge: EdgeConfig) {
    this.#edge = edge;
    this.#sweeper = setInterval(() => this.#sweep(), SWEEP_EVERY_MS).unref();
  }

  stop(): void {
    clearInterval(this.#sweeper);
  }

  /** Take a socket slot for `address`; false when it already holds MAX_SOCKETS_PER_ADDRESS. Call `release` when the socket closes. */
  openSocket(address: string): boolean {
    if (this.#edge.unlimitedAddresses.includes(address)) return true;
    address = limitHolder(address);
    const open = this.#sockets.get(address) ?? 0;
    if (open >= this.#edge.maxSocketsPerAddress) return false;
    this.#sockets.set(address, open + 1);
    return true;
  }

  closeSocket(address: string): void {
    if (this.#edge.unlimitedAddresses.includes(address)) return;
    address = limitHolder(address);
    const open = (this.#sockets.get(address) ?? 1) - 1;
    if (open <= 0) this.#sockets.delete(address);
    else this.#sockets.set(address, open);
  }

  /** Spend one matchmaking token; returns 0 when allowed, else the seconds until the next token. */
  takeMatchmakingToken(address: string, now = performance.now()): number {
    if (this.#edge.unlimitedAddresses.includes(address)) return 0;
    address = limitHolder(address);
    const { matchmakingPerSecond: rate, matchmakingBurst: burst } = this.#edge;
    const bucket = this.#buckets.get(address) ?? { tokens: burst, refilledAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.refilledAt) / 1000) * rate);
    bucket.refilledAt = now;
    this.#buckets.set(address, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return (1 - bucket.tokens) / rate;
  }

  /** Count a room created for `address`; returns 0 when allowed, else the seconds until the oldest creation leaves the minute. */
  recordRoomCreation(address: string, now = performance.now()): number {
    if (this.#edge.unlimitedAddresses.includes(address)) return 0;
    address = limitHolder(address);
    const recent = (this.#creations.get(address) ?? []).filter((at) => now - at < MINUTE_MS);
    if (recent.length >= this.#edge.roomsCreatedPerMinute) {
      this.#creations.set(address, recent);
      return (MINUTE_MS - (now - recent[0])) / 1000;
    }
    recent.push(now);
    this.#creations.set(address, recent);
    return 0;
  }

  #sweep(now = performance.now()): void {
    const { matchmakingPerSecond: rate, matchmakingBurst: burst } = this.#edge;
    for (const [address, bucket] of this.#buckets) {
      if (bucket.tokens + ((now - bucket.refilledAt) / 1000) * rate >= burst) this.#buckets.delete(address);
    }
    for (const [address, times] of this.#creations) {
      if (times.every((at) => now - at >= MINUTE_MS)) this.#creations.delete(address);
    }
  }
}

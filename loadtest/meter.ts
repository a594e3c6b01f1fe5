/**
 * What one worker process has measured: counters and histograms for the
 * current one-second window. `window()` hands the window to the coordinator
 * and starts the next one, so the coordinator can chart every figure over time
 * and sum any span of seconds exactly.
 */
import { encode, newHistogram, recordMs, type Histogram } from "./histogram.ts";

/** One worker's measurements over one window, as sent to the coordinator. */
export interface WindowReport {
  /** Seconds since the run started, at the end of this window. */
  t: number;
  /**
   * The run-clock second this window closes on, as the worker scheduled it:
   * every worker closes window n at n seconds of the shared run clock, so the
   * coordinator merges workers' windows by it.
   */
  second: number;
  /** Window length, s. */
  dt: number;
  /** Bots in a room at the end of the window. */
  connected: number;
  /** Σ connected bots × seconds over the window: the denominator of every per-client rate. */
  botSeconds: number;
  joinsOk: number;
  joinsFailed: number;
  /** Why joins failed: error message → count. */
  joinErrors: Record<string, number>;
  /** Seats kept through a socket lost without the bot asking: the SDK's reconnection, or a resume on another process. */
  resumesOk: number;
  /** Seats lost without the bot asking (the room is gone, a drain's 4001), or not back by the end of the run: a lost player, who joins anew. */
  resumesFailed: number;
  bytesIn: number;
  bytesOut: number;
  messagesIn: number;
  messagesOut: number;
  inputsSent: number;
  inputsAcked: number;
  /** Close codes seen by bots (drops and leaves): code → count. */
  closeCodes: Record<string, number>;
  /** Encoded histograms, µs. */
  join: string;
  ack: string;
  patchInterval: string;
  patchJitter: string;
  /** From losing the socket to being back in the same seat, µs. */
  resume: string;
  /** From losing the socket to playing again, in the same seat or a new one, µs. */
  interruption: string;
  /** Inputs sent but not yet applied when a patch arrives, recorded ×1000 (the histogram's unit is µs, so it reads back as a count). */
  inputBacklog: string;
  /** This worker process's CPU time over the window, µs (user + system). */
  cpuUs: number;
  rssBytes: number;
  /** Timings a behaviour measured itself (BotContext.time): name → encoded histogram, µs. */
  timings: Record<string, string>;
  /** Counts a behaviour kept itself (BotContext.count): name → total over the window. */
  counts: Record<string, number>;
  /** The fixed step this worker paces its bots at, ms: what their rooms advertised (0 while none has, or for turn-based play). */
  stepMs: number;
}

export class Meter {
  joinsOk = 0;
  joinsFailed = 0;
  joinErrors: Record<string, number> = {};
  resumesOk = 0;
  resumesFailed = 0;
  bytesIn = 0;
  bytesOut = 0;
  messagesIn = 0;
  messagesOut = 0;
  inputsSent = 0;
  inputsAcked = 0;
  closeCodes: Record<string, number> = {};
  join: Histogram = newHistogram();
  ack: Histogram = newHistogram();
  patchInterval: Histogram = newHistogram();
  patchJitter: Histogram = newHistogram();
  resume: Histogram = newHistogram();
  interruption: Histogram = newHistogram();
  inputBacklog: Histogram = newHistogram();
  /** Bots currently in a room (a gauge, kept by the bots). */
  connected = 0;
  timings = new Map<string, Histogram>();
  counts: Record<string, number> = {};

  private startedAt: number;
  private windowStart: number;
  private lastGaugeAt: number;
  private botSeconds = 0;
  private cpu = process.cpuUsage();

  constructor(startedAt = performance.now()) {
    this.startedAt = startedAt;
    this.windowStart = performance.now();
    this.lastGaugeAt = this.windowStart;
  }

  joinFailed(error: unknown): void {
    this.joinsFailed++;
    const message = error instanceof Error ? error.message : String(error);
    const key = message.slice(0, 120) || "unknown error";
    this.joinErrors[key] = (this.joinErrors[key] ?? 0) + 1;
  }

  /** One sample of a behaviour's own timing, ms. */
  time(name: string, ms: number): void {
    let histogram = this.timings.get(name);
    if (!histogram) this.timings.set(name, (histogram = newHistogram()));
    recordMs(histogram, ms);
  }

  /** Add to a behaviour's own count. */
  count(name: string, amount = 1): void {
    this.counts[name] = (this.counts[name] ?? 0) + amount;
  }

  closed(code: number): void {
    this.closeCodes[code] = (this.closeCodes[code] ?? 0) + 1;
  }

  /** Call before `connected` changes, so bot-seconds integrate exactly. */
  integrate(): void {
    const now = performance.now();
    this.botSeconds += (this.connected * (now - this.lastGaugeAt)) / 1000;
    this.lastGaugeAt = now;
  }

  setConnected(delta: number): void {
    this.integrate();
    this.connected += delta;
  }

  /** Close the current window, the one that ends on run-clock second `second`, and start the next. */
  /** Set by the worker once it paces bots at a room's advertised step. */
  stepMs = 0;

  window(second: number): WindowReport {
    this.integrate();
    const now = performance.now();
    const cpu = process.cpuUsage(this.cpu);
    this.cpu = process.cpuUsage();
    const report: WindowReport = {
      t: (now - this.startedAt) / 1000,
      second,
      dt: (now - this.windowStart) / 1000,
      connected: this.connected,
      botSeconds: this.botSeconds,
      joinsOk: this.joinsOk,
      joinsFailed: this.joinsFailed,
      joinErrors: this.joinErrors,
      resumesOk: this.resumesOk,
      resumesFailed: this.resumesFailed,
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      messagesIn: this.messagesIn,
      messagesOut: this.messagesOut,
      inputsSent: this.inputsSent,
      inputsAcked: this.inputsAcked,
      closeCodes: this.closeCodes,
      join: encodeAndReset(this.join),
      ack: encodeAndReset(this.ack),
      patchInterval: encodeAndReset(this.patchInterval),
      patchJitter: encodeAndReset(this.patchJitter),
      resume: encodeAndReset(this.resume),
      interruption: encodeAndReset(this.interruption),
      inputBacklog: encodeAndReset(this.inputBacklog),
      cpuUs: cpu.user + cpu.system,
      rssBytes: process.memoryUsage.rss(),
      stepMs: this.stepMs,
      timings: Object.fromEntries([...this.timings].map(([name, h]) => [name, encodeAndReset(h)])),
      counts: this.counts,
    };
    this.counts = {};
    this.windowStart = now;
    this.botSeconds = 0;
    this.joinsOk = this.joinsFailed = this.resumesOk = this.resumesFailed = 0;
    this.bytesIn = this.bytesOut = this.messagesIn = this.messagesOut = 0;
    this.inputsSent = this.inputsAcked = 0;
    this.joinErrors = {};
    this.closeCodes = {};
    return report;
  }
}

function encodeAndReset(histogram: Histogram): string {
  if (histogram.totalCount === 0) return "";
  const encoded = encode(histogram);
  histogram.reset();
  return encoded;
}

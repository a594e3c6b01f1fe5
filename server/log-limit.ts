/**
 * A bound on what clients can make this process write. Lines a client can
 * cause (its rejected messages, protocol errors, Colyseus's and the schema
 * decoder's warnings and errors) go through one LogLimit: in each second, at
 * most PER_KEY lines for one key (a session id, a source) and PER_PROCESS
 * lines in all, each cut to MAX_LINE_CHARS; what is held back is counted and
 * reported in one line when the second ends. Join and leave lines have a
 * budget of their own (SESSION_LINES). So whatever any number of clients
 * send, these lines cost at most PER_PROCESS + SESSION_LINES + 2 lines a
 * second, each at most MAX_LINE_CHARS and its JSON envelope.
 */
import { colyseusLogger, logger } from "./logger.ts";

export const LOG_INTERVAL_MS = 1000;
/** Lines for one key per interval: the first few of a burst are the useful ones. */
export const PER_KEY = 5;
/** Lines for every key together per interval. */
export const PER_PROCESS = 50;
/** A longer message is cut: client bytes (message type names, frame contents) can end up in one. */
export const MAX_LINE_CHARS = 500;

export class LogLimit {
  private perKey: number;
  private perProcess: number;
  private intervalMs: number;
  private report: (suppressed: number, keys: number) => void;
  private counts = new Map<string, number>();
  private written = 0;
  private suppressed = 0;
  private suppressedKeys = new Set<string>();
  private windowEndsAt = 0;
  private summary: NodeJS.Timeout | undefined;

  constructor(options: { perKey: number; perProcess: number; intervalMs: number; report: (suppressed: number, keys: number) => void }) {
    this.perKey = options.perKey;
    this.perProcess = options.perProcess;
    this.intervalMs = options.intervalMs;
    this.report = options.report;
  }

  /** May a line for `key` be written now? A refusal is counted for the summary. */
  allow(key: string): boolean {
    const now = Date.now();
    if (now >= this.windowEndsAt) this.startWindow(now);
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    if (count <= this.perKey && this.written < this.perProcess) {
      this.written++;
      return true;
    }
    this.suppressed++;
    this.suppressedKeys.add(key);
    // The summary is written when the interval ends, whether or not another line comes.
    this.summary ??= setTimeout(() => this.flush(), Math.max(0, this.windowEndsAt - now)).unref();
    return false;
  }

  private startWindow(now: number) {
    this.flush();
    this.counts.clear();
    this.written = 0;
    this.windowEndsAt = now + this.intervalMs;
  }

  private flush() {
    clearTimeout(this.summary);
    this.summary = undefined;
    if (this.suppressed === 0) return;
    this.report(this.suppressed, this.suppressedKeys.size);
    this.suppressed = 0;
    this.suppressedKeys.clear();
  }
}

/** `text` cut to MAX_LINE_CHARS. */
export function clip(text: string): string {
  return text.length <= MAX_LINE_CHARS ? text : `${text.slice(0, MAX_LINE_CHARS)}… (${text.length - MAX_LINE_CHARS} more characters)`;
}

/** Lines about players arriving and leaving, per process per interval: a join loop is a client too. */
export const SESSION_LINES = 100;

/** The one limit for every line a client can cause in this process, but those about its session. */
export const clientLogs = new LogLimit({
  perKey: PER_KEY,
  perProcess: PER_PROCESS,
  intervalMs: LOG_INTERVAL_MS,
  report: (suppressed, keys) => logger.warn({ suppressed, keys, intervalMs: LOG_INTERVAL_MS }, "log lines held back: clients caused more than the log limit allows"),
});

/**
 * "player joined", "player reconnected", "player left": one line each, so
 * they need no per-key limit, but a client that joins and leaves in a loop
 * writes two a round, so they have their own budget, large enough for a
 * join burst.
 */
export const sessionLogs = new LogLimit({
  perKey: SESSION_LINES,
  perProcess: SESSION_LINES,
  intervalMs: LOG_INTERVAL_MS,
  report: (suppressed) => logger.info({ suppressed, intervalMs: LOG_INTERVAL_MS }, "player join and leave lines held back: more than the log limit allows"),
});

/**
 * Colyseus's logger (server/logger.ts) with its warnings and errors under the
 * limit: it logs every socket error and every frame it fails to decode.
 */
export const limitedColyseusLogger = {
  ...colyseusLogger,
  warn: (...args: unknown[]) => { if (clientLogs.allow("colyseus:warn")) colyseusLogger.warn(...args.map(clipped)); },
  error: (...args: unknown[]) => { if (clientLogs.allow("colyseus:error")) colyseusLogger.error(...args.map(clipped)); },
};
const clipped = (arg: unknown) => (typeof arg === "string" ? clip(arg) : arg);

/**
 * Route console.warn and console.error through the limit. @colyseus/schema
 * writes its decoder warnings there directly, some with whole objects
 * ("field not defined", "refId not found"), once per bad byte. Each console
 * call becomes one JSON line at the same level, keyed by its first argument.
 */
export function limitConsole(): void {
  const text = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : safeJson(a))).join(" ");
  const via = (level: "warn" | "error") => (...args: unknown[]) => {
    // Keyed and counted before anything is formatted: a refused line costs no stringifying.
    if (!clientLogs.allow(`console:${String(args[0]).slice(0, 40)}`)) return;
    logger[level]({ component: "console" }, clip(text(args)));
  };
  console.warn = via("warn");
  console.error = via("error");
}

function safeJson(value: unknown): string {
  try {
    return clip(JSON.stringify(value) ?? String(value));
  } catch {
    return String(value); // circular (a decoded state object), or a BigInt
  }
}

/**
 * The coordinator: forks the bot workers, hands each its share of the ramp,
 * gathers their one-second windows, finds every process of the cluster and
 * scrapes its /metrics on the same clock, and turns all of it into a series
 * over time and a set of figures. It prints nothing; the CLI and the bench
 * decide what to show.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { mergeInto, newHistogram, percentilesMs, type Histogram } from "./histogram.ts";
import type { LinkSettings } from "../shared/link.ts";
import type { WindowReport } from "./meter.ts";
import { killOne, rollingRestart, signallable, type Cluster, type FaultEvent } from "./faults.ts";
import { discover, scrape, tickPercentileMs, type ServerScrape, type Target } from "./scrape.ts";
import { peakBots, type Schedule } from "./schedule.ts";
import { behaviourFor, SETTLE_TIMEOUT_MS } from "./behaviour.ts";
import type { FromWorker, ToWorker, WorkerPlan } from "./worker.ts";

export interface LoadOptions {
  endpoints: string[];
  /** Where to ask for the cluster's processes when the endpoints are a proxy that refuses /metrics; default the endpoints. */
  metricsFrom?: string[];
  roomName: string;
  behaviour: string;
  workers: number;
  schedule: Schedule;
  /** Total run length, s (ramp included). */
  durationSeconds: number;
  link: LinkSettings;
  stormEverySeconds: number;
  /** Bots per room, for behaviours that choose their room (a board's editors); default 1. */
  perRoom?: number;
  /** The share of storm bots each wave drops (default all). */
  stormFraction?: number;
  /** Room-type parameters for the behaviour (`--param key=value`). */
  params?: Record<string, string>;
  /** Faults to inject, in seconds of the run (loadtest/faults.ts). */
  faults?: { killAt?: number; restartAt?: number; restartWaitSeconds: number };
  /** Seconds of the run over which steady-state figures are taken; default: after the ramp. */
  steadyFrom?: number;
  /** Called with each finished second; return "stop" to end the run early. */
  onSecond?: (second: SecondPoint, run: LoadRun) => "stop" | void;
}

/** One second of the run, fleet-wide: what the charts plot. */
export interface SecondPoint {
  t: number;
  bots: number;
  ccu: number;
  joinsOk: number;
  joinsFailed: number;
  ackP50: number;
  ackP95: number;
  ackP99: number;
  ackMax: number;
  patchJitterP99: number;
  bytesInPerClient: number;
  bytesOutPerClient: number;
  botCpuPercent: number;
  /** null when no server was scraped since the previous second (a worker's short last window, a missed scrape). */
  serverCpuPercent: number | null;
  serverRssMb: number;
  eventLoopP99Ms: number;
  /** Server processes scraped this second. */
  processes: number;
  /** Tick duration p99 per room type over this second, ms. */
  tickP99Ms: Record<string, number>;
}

/** Everything kept about one second: the merged worker windows and the scrapes that close it. */
interface SecondRecord {
  index: number;
  reports: WindowReport[];
  scrapes: ServerScrape[];
  point?: SecondPoint;
}

/** A scrape older than this (ms) is from a process that stopped answering. */
const SCRAPE_FRESH_MS = 2500;

export class RunError extends Error {
  override name = "RunError";
}

export class LoadRun {
  readonly options: LoadOptions;
  readonly seconds: SecondRecord[] = [];
  /** Scrapes taken before any bot joined: the server's idle baseline. */
  baseline: ServerScrape[] = [];
  /** Each process's first scrape, by process id: its memory before it held players (a process started during the run counts from its own first scrape). */
  readonly firstScrapes = new Map<string, ServerScrape>();
  /** Each process's latest scrape, by process id, kept after it dies: its last word. */
  readonly lastScrapes = new Map<string, ServerScrape>();
  /** The processes of the cluster as last discovered, by /metrics URL. */
  targets: Target[] = [];
  /** What the injected faults did, in order. */
  readonly faultEvents: FaultEvent[] = [];
  /** Faults that could not be injected, and why. */
  readonly faultErrors: string[] = [];
  startedAt = 0;
  endedAt = 0;
  workerErrors: string[] = [];
  /** What every bot's behaviour accounted for at the end (BotPlayer.account), for its reconcile(). */
  accounts: unknown[] = [];
  /** The behaviour's fleet-wide figures from those accounts. */
  reconciled: Record<string, number> = {};
  /** The behaviour's own figures, name → label. */
  figureLabels: Record<string, string> = {};
  private children: ChildProcess[] = [];
  private quieted = new Set<ChildProcess>();
  private onQuiet: (() => void) | undefined;
  private newUsers: [number, string][] = [];
  private usersTimer: ReturnType<typeof setTimeout> | undefined;
  private pending = new Map<number, SecondRecord>();
  private latestScrapes = new Map<string, ServerScrape>();
  private lastClosedScrapes = new Map<string, ServerScrape>();
  private stopRequested = false;
  private wake: (() => void) | undefined;

  constructor(options: LoadOptions) {
    this.options = options;
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  async run(): Promise<void> {
    const { options } = this;
    if (options.endpoints.length === 0) throw new RunError("Give at least one --endpoint.");
    await this.discoverTargets().catch((error: Error) => {
      throw new RunError(`Cannot list the server's processes at ${new URL("/metrics/targets", options.metricsFrom?.[0] ?? options.endpoints[0])}: ${error.message}. Is a Tickforge server running there?`);
    });
    this.baseline = await Promise.all(this.targets.map(async ({ url }) => {
      try {
        return await scrape(url);
      } catch (error) {
        const proxyHint = options.metricsFrom?.length ? "" : " If it is a proxy that refuses /metrics (deploy/haproxy.cfg does), name one of its processes with --metrics http://<process host:port>.";
        throw new RunError(`Cannot read ${new URL("/metrics", url)}: ${(error as Error).message}. Is a Tickforge server running there?${proxyHint}`);
      }
    }));
    for (const s of this.baseline) this.note(s);
    for (const s of this.baseline) this.lastClosedScrapes.set(s.processId, s);

    if (options.faults && (options.faults.killAt !== undefined || options.faults.restartAt !== undefined)) {
      await signallable(this.cluster()).catch((error: Error) => { throw new RunError(error.message); });
    }

    const workers = Math.max(1, Math.min(options.workers, peakBots(options.schedule) || 1));
    await Promise.all(Array.from({ length: workers }, () => this.spawnWorker()));
    const startAtEpochMs = Date.now() + 300;
    this.startedAt = performance.now() + 300;
    this.children.forEach((child, workerIndex) => {
      const plan: WorkerPlan = {
        workerIndex,
        workers,
        endpoints: options.endpoints,
        roomName: options.roomName,
        behaviour: options.behaviour,
        link: options.link,
        schedule: options.schedule,
        stormEverySeconds: options.stormEverySeconds,
        perRoom: options.perRoom ?? 1,
        stormFraction: options.stormFraction ?? 1,
        params: options.params ?? {},
        startAtEpochMs,
      };
      child.send({ type: "start", plan } satisfies ToWorker);
    });

    const scraper = this.scrapeEverySecond();
    const faults = this.scheduleFaults();
    const endAt = this.startedAt + options.durationSeconds * 1000;
    await new Promise<void>((resolve) => {
      this.wake = resolve;
      const timer = setTimeout(resolve, endAt - performance.now());
      timer.unref?.();
    });
    clearInterval(scraper);
    for (const timer of faults.timers) clearTimeout(timer);
    await this.quietWorkers();
    await this.stopWorkers();
    await Promise.all(faults.running);
    this.endedAt = performance.now();
    if (this.usersTimer) clearTimeout(this.usersTimer);
    const behaviour = await behaviourFor(options.roomName, options.behaviour);
    this.figureLabels = { ...behaviour.figures };
    if (behaviour.reconcile) this.reconciled = behaviour.reconcile(this.accounts);
    // Close what is left, including a final partial second.
    for (const record of [...this.pending.values()].sort((a, b) => a.index - b.index)) this.close(record);
    this.pending.clear();
    if (this.workerErrors.length) throw new RunError(`A bot worker failed: ${this.workerErrors[0]}`);
  }

  /** Seconds (by end time) over which steady-state figures are taken. */
  steadyRange(): [number, number] {
    const last = this.seconds.at(-1)?.index ?? 0;
    const rampEnd = this.options.steadyFrom ?? (this.options.schedule.at(-1)?.at ?? 0);
    const from = Math.ceil(rampEnd) + 2; // let joins settle
    return last - from >= 2 ? [from, last] : [1, last];
  }

  private spawnWorker(): Promise<void> {
    const child = fork(fileURLToPath(new URL("./worker.ts", import.meta.url)), [], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    this.children.push(child);
    return new Promise((resolve, reject) => {
      child.on("message", (message: FromWorker) => {
        if (message.type === "ready") resolve();
        else if (message.type === "window") this.receive(message.report, child);
        else if (message.type === "identity") this.relayUser(message.index, message.userId);
        else if (message.type === "quiet") { this.quieted.add(child); this.onQuiet?.(); }
        else if (message.type === "accounts") this.accounts.push(...message.accounts);
        else if (message.type === "error") { this.workerErrors.push(message.message); this.stop(); }
      });
      child.once("exit", (code) => {
        if (!this.stopRequested && code !== 0) {
          this.workerErrors.push(`worker ${child.pid} exited with code ${code}`);
          this.stop();
        }
        reject(new RunError(`A bot worker exited (code ${code}) before it was ready.`));
      });
    });
  }

  /** Every worker's bots stop sending and settle what they sent, before any of them accounts for what it received. */
  private async quietWorkers(): Promise<void> {
    const live = this.children.filter((child) => child.exitCode === null && child.connected);
    await new Promise<void>((resolve) => {
      const check = () => { if (live.every((child) => this.quieted.has(child) || child.exitCode !== null)) resolve(); };
      this.onQuiet = check;
      for (const child of live) child.once("exit", check);
      for (const child of live) child.send({ type: "quiet" } satisfies ToWorker);
      check();
    });
    this.onQuiet = undefined;
  }

  /** Tell every worker which user each bot signed in as, a batch at a time. */
  private relayUser(index: number, userId: string): void {
    this.newUsers.push([index, userId]);
    this.usersTimer ??= setTimeout(() => {
      this.usersTimer = undefined;
      const users = this.newUsers;
      this.newUsers = [];
      for (const child of this.children) if (child.connected) child.send({ type: "identities", users } satisfies ToWorker);
    }, 100);
  }

  private async stopWorkers(): Promise<void> {
    this.stopRequested = true;
    await Promise.all(this.children.map((child) => new Promise<void>((resolve) => {
      if (child.exitCode !== null || !child.connected) return resolve();
      // The worker's bots may take their whole accounting time before they leave.
      const kill = setTimeout(() => { child.kill("SIGKILL"); resolve(); }, SETTLE_TIMEOUT_MS + 10_000);
      child.once("exit", () => { clearTimeout(kill); resolve(); });
      child.send({ type: "stop" } satisfies ToWorker);
    })));
  }

  /**
   * The processes behind every entry (the endpoints, or --metrics): each
   * entry lists its cluster, and the lists are merged, so several
   * independent servers (npm run compare) are all found. An entry that does
   * not answer is skipped; when none answers (the entry process was killed),
   * the processes found before are asked instead. A server without GET
   * /metrics/targets, or that never said where its /metrics is (a server
   * built in a spec), is scraped at its entry address.
   */
  async discoverTargets(): Promise<Target[]> {
    const entries = this.options.metricsFrom?.length ? this.options.metricsFrom : this.options.endpoints;
    let found = await this.discoverFrom(entries);
    if (!found) found = await this.discoverFrom(this.targets.map((t) => t.url));
    if (!found) throw this.lastDiscoveryError ?? new Error("no process answered");
    this.targets = found;
    return found;
  }

  private lastDiscoveryError: unknown;

  private async discoverFrom(sources: string[]): Promise<Target[] | undefined> {
    const answers = await Promise.all(sources.map(async (source) => {
      try {
        const found = await discover(source);
        // No route (404), or no process has said where its /metrics is: the entry itself.
        return found.length === 0 || (found.length === 1 && found[0].processId === undefined) ? [{ url: new URL(source).origin }] : found;
      } catch (error) {
        this.lastDiscoveryError = error;
        return undefined;
      }
    }));
    if (answers.every((a) => a === undefined)) return undefined;
    const byUrl = new Map<string, Target>();
    for (const target of answers.flatMap((a) => a ?? [])) if (!byUrl.has(target.url) || target.processId) byUrl.set(target.url, target);
    return [...byUrl.values()];
  }

  /** The run as the faults see it. */
  private cluster(): Cluster {
    return {
      discover: () => this.discoverTargets(),
      players: (processId) => this.lastScrapes.get(processId)?.ccu ?? 0,
      now: () => (performance.now() - this.startedAt) / 1000,
      record: (event) => this.faultEvents.push(event),
      stopped: () => this.stopRequested,
    };
  }

  private scheduleFaults(): { timers: ReturnType<typeof setTimeout>[]; running: Promise<void>[] } {
    const plan = this.options.faults;
    const timers: ReturnType<typeof setTimeout>[] = [];
    const running: Promise<void>[] = [];
    if (!plan) return { timers, running };
    const failed = (error: Error) => { this.faultErrors.push(error.message); };
    const at = (seconds: number, fault: () => Promise<void>) => {
      timers.push(setTimeout(() => running.push(fault().catch(failed)), Math.max(0, this.startedAt + seconds * 1000 - performance.now())));
    };
    if (plan.killAt !== undefined) at(plan.killAt, () => killOne(this.cluster(), this.options.endpoints));
    if (plan.restartAt !== undefined) at(plan.restartAt, () => rollingRestart(this.cluster(), plan.restartWaitSeconds));
    return { timers, running };
  }

  private note(s: ServerScrape): void {
    if (!this.firstScrapes.has(s.processId)) this.firstScrapes.set(s.processId, s);
    this.lastScrapes.set(s.processId, s);
  }

  private scrapeEverySecond(): ReturnType<typeof setInterval> {
    let discovering = false;
    const take = async () => {
      // A discovery that fails (Redis away, every known process down) keeps the last list; a slow one is not stacked.
      if (!discovering) {
        discovering = true;
        await this.discoverTargets().catch(() => undefined).finally(() => { discovering = false; });
      }
      // A process the cluster no longer lists has gone (a drain ended, a kill): its last figures stop counting at once,
      // or for a moment its players would count twice, there and where their rooms were restored.
      const listed = new Set(this.targets.map((t) => t.processId));
      if (!listed.has(undefined)) for (const id of this.latestScrapes.keys()) if (!listed.has(id)) this.latestScrapes.delete(id);
      for (const { url, processId } of this.targets) {
        scrape(url).then((s) => {
          // A process still starting has no id in its metrics yet: wait for it rather than count it under its address.
          if (processId !== undefined && s.processId === s.endpoint) return;
          this.latestScrapes.set(s.processId, s);
          this.note(s);
        }, (error: Error & { cause?: { code?: string } }) => {
          // Refused: nothing listens there any more, so the process is gone. Any other miss leaves a gap, not a failure.
          if (processId !== undefined && error.cause?.code === "ECONNREFUSED") this.latestScrapes.delete(processId);
        });
      }
    };
    // Scrape just before each worker window closes, so a second's server figures cover that second.
    const timer = setInterval(() => void take(), 1000);
    return timer;
  }

  private receive(report: WindowReport, _from: ChildProcess): void {
    const index = report.second;
    let record = this.pending.get(index);
    if (!record) {
      record = { index, reports: [], scrapes: [] };
      this.pending.set(index, record);
    }
    record.reports.push(report);
    if (record.reports.length >= this.children.length) {
      this.pending.delete(index);
      // Older seconds still waiting for a slow worker are closed first, in order.
      for (const older of [...this.pending.values()].filter((r) => r.index < index).sort((a, b) => a.index - b.index)) {
        this.pending.delete(older.index);
        this.close(older);
      }
      this.close(record);
    }
  }

  private close(record: SecondRecord): void {
    // A process that stopped answering (killed, restarted) drops out instead of repeating its last scrape.
    const now = performance.now();
    record.scrapes = [...this.latestScrapes.values()].filter((s) => now - s.at < SCRAPE_FRESH_MS);
    record.point = this.pointOf(record);
    for (const s of record.scrapes) this.lastClosedScrapes.set(s.processId, s);
    this.seconds.push(record);
    if (this.options.onSecond?.(record.point, this) === "stop") this.stop();
  }

  private pointOf(record: SecondRecord): SecondPoint {
    const sum = (f: (r: WindowReport) => number) => record.reports.reduce((a, r) => a + f(r), 0);
    const ack = newHistogram();
    const jitter = newHistogram();
    for (const r of record.reports) { mergeInto(ack, r.ack); mergeInto(jitter, r.patchJitter); }
    const a = percentilesMs(ack);
    const botSeconds = sum((r) => r.botSeconds);
    const dt = Math.max(...record.reports.map((r) => r.dt), 0.001);
    const server = serverBetween(record.scrapes.map((s) => [this.lastClosedScrapes.get(s.processId), s]));
    ack.destroy(); jitter.destroy();
    return {
      t: record.index,
      bots: sum((r) => r.connected),
      ccu: record.scrapes.reduce((acc, s) => acc + s.ccu, 0),
      joinsOk: sum((r) => r.joinsOk),
      joinsFailed: sum((r) => r.joinsFailed),
      ackP50: a.p50, ackP95: a.p95, ackP99: a.p99, ackMax: a.max,
      patchJitterP99: percentilesMs(jitter).p99,
      bytesInPerClient: botSeconds > 0 ? sum((r) => r.bytesIn) / botSeconds : 0,
      bytesOutPerClient: botSeconds > 0 ? sum((r) => r.bytesOut) / botSeconds : 0,
      botCpuPercent: (sum((r) => r.cpuUs) / 1e6 / dt) * 100,
      serverCpuPercent: server.cpuPercent,
      serverRssMb: record.scrapes.reduce((acc, s) => acc + s.rssBytes, 0) / 2 ** 20,
      eventLoopP99Ms: Math.max(0, ...record.scrapes.map((s) => s.eventLoopP99 * 1000)),
      processes: record.scrapes.length,
      tickP99Ms: server.tickP99Ms,
    };
  }
}

/** Server CPU and tick p99 between pairs of scrapes (one pair per process). */
function serverBetween(pairs: [ServerScrape | undefined, ServerScrape][]): { cpuPercent: number | null; tickP99Ms: Record<string, number> } {
  let cpuPercent: number | null = null;
  const tickP99Ms: Record<string, number> = {};
  for (const [before, after] of pairs) {
    if (!before || before === after) continue;
    cpuPercent ??= 0;
    const seconds = (after.at - before.at) / 1000;
    if (seconds > 0) cpuPercent += ((after.cpuSeconds - before.cpuSeconds) / seconds) * 100;
    for (const type of Object.keys(after.ticks)) {
      const p99 = tickPercentileMs(before.ticks[type], after.ticks[type], 0.99);
      if (p99 !== undefined) tickP99Ms[type] = Math.max(tickP99Ms[type] ?? 0, Math.round(p99 * 1000) / 1000);
    }
  }
  return { cpuPercent, tickP99Ms };
}

export async function runLoad(options: LoadOptions): Promise<LoadRun> {
  const run = new LoadRun(options);
  await run.run();
  return run;
}

export type { Histogram };

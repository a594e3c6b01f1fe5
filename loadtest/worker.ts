/**
 * A bot worker process: runs its share of the fleet and streams one
 * measurement window per second to the coordinator over IPC. The fleet is
 * spread over processes so one core is never what the test measures.
 */
import "./node-socket.ts";
import "./reflection-cache.ts";
import { behaviourFor, SETTLE_TIMEOUT_MS } from "./behaviour.ts";
import { Bot } from "./bot.ts";
import type { LinkSettings } from "../shared/link.ts";
import { Meter } from "./meter.ts";
import { joinTime, peakBots, type Schedule } from "./schedule.ts";

export interface WorkerPlan {
  workerIndex: number;
  workers: number;
  endpoints: string[];
  roomName: string;
  behaviour: string;
  link: LinkSettings;
  schedule: Schedule;
  stormEverySeconds: number;
  /** Bots per room, for behaviours that choose their room. */
  perRoom: number;
  stormFraction: number;
  /** Room-type parameters (`--param key=value`), handed to the behaviour. */
  params: Record<string, string>;
  /** Date.now() at which the run starts, shared by every worker. */
  startAtEpochMs: number;
}

export type ToWorker =
  | { type: "start"; plan: WorkerPlan }
  | { type: "identities"; users: [index: number, userId: string][] }
  | { type: "quiet" }
  | { type: "stop" };
export type FromWorker =
  | { type: "ready" }
  | { type: "identity"; index: number; userId: string }
  | { type: "quiet" }
  | { type: "accounts"; accounts: unknown[] }
  | { type: "window"; report: import("./meter.ts").WindowReport }
  | { type: "stopped" }
  | { type: "error"; message: string };

/** Bots are stepped in this many staggered groups per tick, so a worker's inputs leave as a stream, not a burst. */
const TICK_SLOTS = 6;

/** `work` for every bot, all at once, giving up on those not done within SETTLE_TIMEOUT_MS. */
async function settled(bots: Bot[], work: (bot: Bot) => Promise<unknown>): Promise<unknown[]> {
  const late = Symbol("late");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<typeof late>((resolve) => { timer = setTimeout(() => resolve(late), SETTLE_TIMEOUT_MS); });
  const results = await Promise.all(bots.map((bot) => Promise.race([work(bot).catch(() => late), deadline])));
  clearTimeout(timer);
  return results.filter((r) => r !== late);
}

function send(message: FromWorker): void {
  process.send?.(message);
}

class Fleet {
  private bots: Bot[][] = Array.from({ length: TICK_SLOTS }, () => []);
  private all: Bot[] = [];
  private timers: ReturnType<typeof setTimeout>[] = [];
  private meter: Meter;
  private plan: WorkerPlan;
  private runStartedAt: number;
  private tickTimer: ReturnType<typeof setTimeout> | undefined;
  private ticking = false;
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  /** The number of the last window sent. */
  private windowSecond = 0;
  /** User ids of the whole fleet's bots, by bot number, as they sign in. */
  readonly users = new Map<number, string>();

  constructor(plan: WorkerPlan) {
    this.plan = plan;
    this.runStartedAt = performance.now() + (plan.startAtEpochMs - Date.now());
    this.meter = new Meter(this.runStartedAt);
  }

  async start(): Promise<void> {
    const { plan } = this;
    const behaviour = await behaviourFor(plan.roomName, plan.behaviour);
    const peak = peakBots(plan.schedule);
    for (let k = plan.workerIndex; k < peak; k += plan.workers) {
      const at = joinTime(plan.schedule, k);
      if (at === undefined) continue;
      const bot = new Bot({
        index: k,
        endpoints: plan.endpoints.map((_, i) => plan.endpoints[(k + i) % plan.endpoints.length]),
        roomName: plan.roomName,
        behaviour,
        link: plan.link,
        meter: this.meter,
        stormEverySeconds: plan.stormEverySeconds,
        perRoom: plan.perRoom,
        run: plan.startAtEpochMs.toString(36),
        stormFraction: plan.stormFraction,
        size: peak,
        params: plan.params,
        userOf: (bot) => this.users.get(bot),
        onIdentity: (userId) => send({ type: "identity", index: k, userId }),
        runStartedAt: this.runStartedAt,
        onStepRate: (stepMs) => this.startTicking(stepMs),
      });
      this.timers.push(setTimeout(() => {
        this.bots[k % TICK_SLOTS].push(bot);
        this.all.push(bot);
        void bot.start();
      }, Math.max(0, this.runStartedAt + at * 1000 - performance.now())));
    }
    this.closeWindows();
  }

  /**
   * Window n closes at n seconds of the shared run clock and carries n, so
   * workers' windows line up and none shares a number. Each is scheduled for
   * its own deadline (a setInterval drifts by its lateness every second). A
   * timer may fire a fraction of a millisecond early; one that fires over a
   * second late (a stalled process) closes a longer window, and the numbers
   * it overslept are skipped rather than sent empty.
   */
  private closeWindows(): void {
    const next = () => {
      const elapsed = performance.now() - this.runStartedAt;
      const second = Math.max(this.windowSecond + 1, Math.floor(elapsed / 1000) + 1);
      this.windowTimer = setTimeout(() => {
        this.windowSecond = second;
        send({ type: "window", report: this.meter.window(second) });
        next();
      }, Math.max(0, second * 1000 - elapsed));
    };
    next();
  }

  /** No bot joins or sends anything new; each settles what it sent. */
  async quiet(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await settled(this.all, (bot) => bot.quiet());
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    if (this.tickTimer) clearTimeout(this.tickTimer);
    const accounts = (await settled(this.all, (bot) => bot.account())).filter((a) => a !== undefined);
    if (this.windowTimer) clearTimeout(this.windowTimer);
    for (const bot of this.all) bot.settle();
    send({ type: "window", report: this.meter.window(++this.windowSecond) });
    send({ type: "accounts", accounts });
    await Promise.all(this.all.map((bot) => bot.stop()));
  }

  /**
   * Fixed-rate stepping at the step the room advertised (the first bot to
   * join a predicted room reports it; rooms without inputs are never
   * stepped): slot s of tick n runs at n·period + s·period/slots. A worker
   * that falls behind skips steps, as a stuttering client would, instead of
   * bursting a backlog at the server.
   */
  private startTicking(period: number): void {
    if (this.ticking) return;
    this.ticking = true;
    this.meter.stepMs = period;
    const slotPeriod = period / TICK_SLOTS;
    let n = Math.ceil((performance.now() - this.runStartedAt) / slotPeriod);
    const run = () => {
      const now = performance.now();
      const due = Math.floor((now - this.runStartedAt) / slotPeriod);
      if (due - n > TICK_SLOTS) n = due - TICK_SLOTS + 1; // more than a tick behind: drop the backlog
      while (n <= due) {
        for (const bot of this.bots[((n % TICK_SLOTS) + TICK_SLOTS) % TICK_SLOTS]) bot.step();
        n++;
      }
      this.tickTimer = setTimeout(run, Math.max(0, this.runStartedAt + n * slotPeriod - performance.now()));
    };
    this.tickTimer = setTimeout(run, Math.max(0, this.runStartedAt + n * slotPeriod - performance.now()));
  }
}

let fleet: Fleet | undefined;

process.on("message", (message: ToWorker) => {
  if (message.type === "start") {
    try {
      fleet = new Fleet(message.plan);
      fleet.start().catch((error: unknown) => send({ type: "error", message: error instanceof Error ? error.message : String(error) }));
    } catch (error) {
      send({ type: "error", message: error instanceof Error ? error.message : String(error) });
    }
  } else if (message.type === "identities") {
    for (const [index, userId] of message.users) fleet?.users.set(index, userId);
  } else if (message.type === "quiet") {
    void (fleet?.quiet() ?? Promise.resolve()).then(() => send({ type: "quiet" }));
  } else if (message.type === "stop") {
    void (fleet?.stop() ?? Promise.resolve()).then(() => {
      send({ type: "stopped" });
      process.disconnect?.();
      process.exit(0);
    });
  }
});
// The coordinator died: a worker must never outlive it.
process.on("disconnect", () => process.exit(0));
// The SDK logs every reconnection attempt; the coordinator's report is the output.
if (!process.env.LOADTEST_DEBUG) console.info = () => {};
if (!process.env.LOADTEST_DEBUG) console.warn = () => {};
send({ type: "ready" });

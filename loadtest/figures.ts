/**
 * The figures a run reports, computed from its seconds: join figures over the
 * whole run, everything else over the steady part (after the ramp), so the
 * cost of joining does not blur what playing costs.
 */
import type { LoadRun, SecondPoint } from "./coordinator.ts";
import { mergeInto, newHistogram, percentilesMs } from "./histogram.ts";
import type { WindowReport } from "./meter.ts";
import { tickPercentileMs, type ServerScrape } from "./scrape.ts";
import type { FaultEvent } from "./faults.ts";

/** Flat name → number, so `--assert` can name any of them. */
export type Figures = Record<string, number>;

export interface RunReport {
  tool: "tickforge-loadtest";
  config: Record<string, unknown>;
  startedAt: string;
  durationSeconds: number;
  /** Seconds [from, to] of the run that the steady-state figures cover. */
  steadyWindow: [number, number];
  figures: Figures;
  /** The room type's own figures, name → label (its behaviour's `figures`), shown in a section of their own. */
  behaviourFigures: Record<string, string>;
  joinErrors: Record<string, number>;
  closeCodes: Record<string, number>;
  /** Every server process the run scraped, and what each one held and cost. */
  processes: ProcessFigures[];
  /** What a reader needs to read a figure right (a process whose memory ended below its idle, say). */
  notes: string[];
  /** The faults injected (--kill-at, --restart-at), in order. */
  faults: FaultEvent[];
  series: SecondPoint[];
}

/** One server process over the run. */
export interface ProcessFigures {
  processId: string;
  url: string;
  /** Seconds of the run at its first and last scrape. */
  firstSeenS: number;
  lastSeenS: number;
  /** Players at its last scrape. */
  ccu: number;
  rssMb: number;
  /** RSS at its first scrape: before the run, or at its start if it started during the run. */
  idleRssMb: number;
  /** Share of one core between its first and last scrape, %. */
  cpuPercent: number;
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

/** Figures of a run; `range` picks the seconds [from, to] that the steady-state figures cover. */
export function figuresOf(run: LoadRun, range: [number, number] = run.steadyRange(), joinRange?: [number, number]): { figures: Figures; joinErrors: Record<string, number>; closeCodes: Record<string, number>; steady: [number, number]; notes: string[] } {
  const all = run.seconds;
  const [from, to] = range;
  const steady = all.filter((s) => s.index >= from && s.index <= to);
  const reports = (list: typeof all) => list.flatMap((s) => s.reports);
  const sum = (list: WindowReport[], f: (r: WindowReport) => number) => list.reduce((a, r) => a + f(r), 0);
  const histogram = (list: WindowReport[], field: "join" | "ack" | "patchInterval" | "patchJitter" | "resume" | "interruption" | "inputBacklog") => {
    const h = newHistogram();
    for (const r of list) mergeInto(h, r[field]);
    const p = percentilesMs(h);
    h.destroy();
    return p;
  };
  const joinWindow = joinRange ? all.filter((s) => s.index >= joinRange[0] && s.index <= joinRange[1]) : all;
  const everything = reports(joinWindow);
  const steadyReports = reports(steady);

  const figures: Figures = {};
  figures.duration_s = round((run.endedAt - run.startedAt) / 1000, 1);
  figures.bots_peak = Math.max(0, ...all.map((s) => s.point?.bots ?? 0));
  figures.ccu_peak = Math.max(0, ...all.map((s) => s.point?.ccu ?? 0));

  figures.join_ok = sum(everything, (r) => r.joinsOk);
  figures.join_failed = sum(everything, (r) => r.joinsFailed);
  const join = histogram(everything, "join");
  figures.join_p50_ms = join.p50; figures.join_p95_ms = join.p95; figures.join_p99_ms = join.p99; figures.join_max_ms = join.max;
  // A join waits in both event loops: the bot's (it times the join) and the server's. How busy each core got says which.
  if (joinRange) {
    const busiestSecond = (percent: (p: SecondPoint) => number | null) =>
      round(Math.max(0, ...joinWindow.map((s) => (s.point ? percent(s.point) : null) ?? 0)), 1);
    figures.bot_cpu_percent_during_joins_max = busiestSecond((p) => p.botCpuPercent);
    figures.server_cpu_percent_during_joins_max = busiestSecond((p) => p.serverCpuPercent);
  }

  const ack = histogram(steadyReports, "ack");
  figures.ack_count = ack.count;
  figures.ack_p50_ms = ack.p50; figures.ack_p95_ms = ack.p95; figures.ack_p99_ms = ack.p99; figures.ack_max_ms = ack.max;
  const backlog = histogram(steadyReports, "inputBacklog");
  figures.input_backlog_p50 = backlog.p50; figures.input_backlog_p99 = backlog.p99;
  figures.inputs_sent = sum(steadyReports, (r) => r.inputsSent);
  figures.inputs_acked = sum(steadyReports, (r) => r.inputsAcked);
  // The step the fleet paced its inputs at: the one the rooms advertised (TICK_RATE), not a copied constant.
  figures.bot_step_ms = round(Math.max(0, ...steadyReports.map((r) => r.stepMs ?? 0)), 2);

  const interval = histogram(steadyReports, "patchInterval");
  figures.patch_interval_p50_ms = interval.p50; figures.patch_interval_p99_ms = interval.p99;
  const jitter = histogram(steadyReports, "patchJitter");
  figures.patch_jitter_p50_ms = jitter.p50; figures.patch_jitter_p95_ms = jitter.p95; figures.patch_jitter_p99_ms = jitter.p99;

  const botSeconds = sum(steadyReports, (r) => r.botSeconds);
  const perClient = (v: number) => (botSeconds > 0 ? round(v / botSeconds, 1) : 0);
  figures.bytes_in_per_client_s = perClient(sum(steadyReports, (r) => r.bytesIn));
  figures.bytes_out_per_client_s = perClient(sum(steadyReports, (r) => r.bytesOut));
  figures.messages_in_per_client_s = perClient(sum(steadyReports, (r) => r.messagesIn));
  figures.messages_out_per_client_s = perClient(sum(steadyReports, (r) => r.messagesOut));

  const closeCodes: Record<string, number> = {};
  for (const r of everything) for (const [code, n] of Object.entries(r.closeCodes)) closeCodes[code] = (closeCodes[code] ?? 0) + n;
  figures.disconnects_total = Object.values(closeCodes).reduce((a, b) => a + b, 0);
  for (const [code, n] of Object.entries(closeCodes)) figures[`disconnects_${code}`] = n;
  // Resumes: every socket a bot lost without asking ends in its own seat again (ok) or a new one (failed: a player lost).
  figures.resume_ok = sum(everything, (r) => r.resumesOk);
  figures.resume_failed = sum(everything, (r) => r.resumesFailed);
  const losses = figures.resume_ok + figures.resume_failed;
  figures.resumed_percent = losses > 0 ? round((figures.resume_ok / losses) * 100, 1) : 100;
  const resume = histogram(everything, "resume");
  figures.resume_p50_ms = resume.p50; figures.resume_p99_ms = resume.p99; figures.resume_max_ms = resume.max;
  const interruption = histogram(everything, "interruption");
  figures.interruption_p50_ms = interruption.p50; figures.interruption_p99_ms = interruption.p99; figures.interruption_max_ms = interruption.max;

  // Bots: what driving them cost, per bot-second, over the steady part.
  const botCpuUs = sum(steadyReports, (r) => r.cpuUs);
  figures.bot_cpu_ms_per_bot_s = botSeconds > 0 ? round(botCpuUs / 1000 / botSeconds, 3) : 0;
  const steadySpan = steady.length ? sum(steadyReports, (r) => r.dt) / Math.max(1, steady[0].reports.length) : 0;
  figures.bot_cpu_percent = steadySpan > 0 ? round((botCpuUs / 1e6 / steadySpan) * 100, 1) : 0;

  // Faults: how many players the killed or stopped processes held, and how the restart went.
  const events = run.faultEvents;
  figures.fault_players_hit = events.filter((e) => e.kind === "killed" || e.kind === "stopped").reduce((a, e) => a + (e.players ?? 0), 0);
  figures.restart_replaced = events.filter((e) => e.kind === "replaced").length;
  figures.restart_not_replaced = events.filter((e) => e.kind === "not replaced").length;
  figures.restart_replacement_max_s = Math.max(0, ...events.filter((e) => e.kind === "replaced").map((e) => e.afterSeconds ?? 0));

  const server = serverFigures(run, steady.length ? steady : all);
  Object.assign(figures, server.figures);
  server.notes.push(...run.faultErrors.map((message) => `A fault was not injected: ${message}`));
  Object.assign(figures, behaviourFigures(steadyReports, steadySpan, botSeconds), run.reconciled);
  // A declared figure nothing was counted for is 0 (a count that never happened), so --assert can name it.
  for (const name of Object.keys(run.figureLabels)) figures[name] ??= 0;

  const joinErrors: Record<string, number> = {};
  for (const r of everything) for (const [m, n] of Object.entries(r.joinErrors)) joinErrors[m] = (joinErrors[m] ?? 0) + n;
  return { figures, joinErrors, closeCodes, steady: [from, to], notes: server.notes };
}

/** A behaviour's own timings and counts (BotContext.time/count) over the steady part: percentiles; totals, rates and rates per client. */
function behaviourFigures(reports: WindowReport[], span: number, botSeconds: number): Figures {
  const figures: Figures = {};
  const timings = new Set(reports.flatMap((r) => Object.keys(r.timings ?? {})));
  for (const name of [...timings].sort()) {
    const h = newHistogram();
    for (const r of reports) mergeInto(h, r.timings?.[name] ?? "");
    const p = percentilesMs(h);
    h.destroy();
    figures[`${name}_count`] = p.count;
    figures[`${name}_p50_ms`] = p.p50; figures[`${name}_p95_ms`] = p.p95; figures[`${name}_p99_ms`] = p.p99; figures[`${name}_max_ms`] = p.max;
  }
  const counts = new Set(reports.flatMap((r) => Object.keys(r.counts ?? {})));
  for (const name of [...counts].sort()) {
    const total = reports.reduce((a, r) => a + (r.counts?.[name] ?? 0), 0);
    figures[name] = total;
    figures[`${name}_per_s`] = span > 0 ? round(total / span, 1) : 0;
    figures[`${name}_per_client_s`] = botSeconds > 0 ? round(total / botSeconds, 1) : 0;
  }
  return figures;
}

/**
 * Server figures between the scrapes that open and close the steady window,
 * summed over every process scraped in it: CPU, memory and CCU add up, tick
 * and event-loop p99 take the worst process. A process killed or started
 * inside the window counts for the part of it that it lived.
 */
function serverFigures(run: LoadRun, window: LoadRun["seconds"]): { figures: Figures; notes: string[] } {
  const figures: Figures = {};
  const notes: string[] = [];
  const firstIndex = run.seconds.indexOf(window[0]);
  const opening = firstIndex > 0 ? run.seconds[firstIndex - 1].scrapes : run.baseline;
  // The run's last, partial second closes after the scraper stopped: the figures end at the last second that has scrapes.
  const closing = window.findLast((s) => s.scrapes.length > 0)?.scrapes ?? [];
  const processIds = new Set([...opening, ...window.flatMap((s) => s.scrapes)].map((s) => s.processId));
  let cpuSeconds = 0, ccuSeconds = 0, wall = 0;
  const tickP99: Record<string, number> = {};
  for (const processId of processIds) {
    const own = window.map((s) => s.scrapes.find((x) => x.processId === processId)).filter((s): s is ServerScrape => s !== undefined);
    const a = opening.find((s) => s.processId === processId) ?? own[0];
    const b = own.at(-1);
    if (!a || !b || a === b) continue;
    cpuSeconds += b.cpuSeconds - a.cpuSeconds;
    wall = Math.max(wall, (b.at - a.at) / 1000);
    ccuSeconds += integrateCcu(a, b, own);
    for (const type of Object.keys(b.ticks)) {
      const p = tickPercentileMs(a.ticks[type], b.ticks[type], 0.99);
      if (p !== undefined) tickP99[type] = Math.max(tickP99[type] ?? 0, round(p, 3));
    }
  }
  figures.server_processes = closing.length;
  figures.server_processes_seen = run.firstScrapes.size;
  figures.server_tick_p99_ms = Math.max(0, ...Object.values(tickP99));
  for (const [type, v] of Object.entries(tickP99)) figures[`server_tick_p99_ms_${type}`] = v;
  figures.server_event_loop_p99_ms = round(Math.max(0, ...window.map((s) => s.point?.eventLoopP99Ms ?? 0)), 2);
  figures.server_cpu_percent = wall > 0 ? round((cpuSeconds / wall) * 100, 1) : 0;
  figures.server_cpu_ms_per_ccu_s = ccuSeconds > 0 ? round((cpuSeconds * 1000) / ccuSeconds, 3) : 0;
  // Memory a process's players cost is its RSS now over its RSS before it held any. A process that ended below
  // that (V8's memory reducer gave back its start-up garbage meanwhile) adds nothing, and the note says so.
  let endRss = 0, endCcu = 0, added = 0;
  for (const s of closing) {
    endRss += s.rssBytes;
    endCcu += s.ccu;
    const idle = run.firstScrapes.get(s.processId)?.rssBytes ?? s.rssBytes;
    if (s.rssBytes >= idle) added += s.rssBytes - idle;
    else notes.push(`Process ${s.processId} (${s.endpoint}) ended at ${round(s.rssBytes / 2 ** 20, 1)} MB, ${round((idle - s.rssBytes) / 2 ** 20, 1)} MB below its RSS before it held players (V8 gave back start-up memory): it adds 0 to server_rss_per_connection_kb.`);
  }
  figures.server_rss_mb = round(endRss / 2 ** 20, 1);
  figures.server_rss_per_connection_kb = endCcu > 0 ? round(added / 1024 / endCcu, 1) : 0;
  return { figures, notes };
}

/** Each process the run scraped, first seen first. */
export function processesOf(run: LoadRun): ProcessFigures[] {
  const seconds = (at: number) => round((at - run.startedAt) / 1000, 1);
  return [...run.firstScrapes.values()].map((first) => {
    const last = run.lastScrapes.get(first.processId) ?? first;
    const span = (last.at - first.at) / 1000;
    return {
      processId: first.processId,
      url: first.endpoint,
      firstSeenS: seconds(first.at),
      lastSeenS: seconds(last.at),
      ccu: last.ccu,
      rssMb: round(last.rssBytes / 2 ** 20, 1),
      idleRssMb: round(first.rssBytes / 2 ** 20, 1),
      cpuPercent: span > 0 ? round(((last.cpuSeconds - first.cpuSeconds) / span) * 100, 1) : 0,
    };
  });
}

/** CCU × seconds between two scrapes, trapezoid over the scrapes in between. */
function integrateCcu(first: ServerScrape, last: ServerScrape, middle: (ServerScrape | undefined)[]): number {
  const points = [first, ...middle.filter((s): s is ServerScrape => !!s && s.at > first.at && s.at < last.at), last];
  const unique = points.filter((s, i) => i === 0 || s !== points[i - 1]);
  let total = 0;
  for (let i = 1; i < unique.length; i++) total += ((unique[i - 1].ccu + unique[i].ccu) / 2) * ((unique[i].at - unique[i - 1].at) / 1000);
  return total;
}

/** The middle value (the mean of the two middle ones for an even count); 0 for none. */
export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

export function buildReport(run: LoadRun, config: Record<string, unknown>, startedAt: Date): RunReport {
  const { figures, joinErrors, closeCodes, steady, notes } = figuresOf(run);
  return {
    tool: "tickforge-loadtest",
    config,
    startedAt: startedAt.toISOString(),
    durationSeconds: figures.duration_s,
    steadyWindow: steady,
    figures,
    behaviourFigures: run.figureLabels,
    joinErrors,
    closeCodes,
    processes: processesOf(run),
    faults: run.faultEvents,
    notes,
    series: run.seconds.map((s) => s.point!).filter(Boolean),
  };
}

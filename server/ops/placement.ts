/**
 * Where a new room goes, and noticing processes that died.
 *
 * Colyseus places a new room on the process with the fewest rooms, from a
 * hash refreshed about once a second. Room count says little: an empty arena
 * and a full one weigh the same. Here every process publishes its load once a
 * second (players, rooms, and the share of a core its fixed steps used), and a
 * new room goes to the live process with the least load: players and step
 * time, with loads within LOAD_TOLERANCE of each other settled by players,
 * then rooms. A process at MAX_ROOMS_PER_PROCESS or
 * MAX_CCU_PER_PROCESS, over its tick budget, or draining takes no new room;
 * when none can, matchmaking says so.
 *
 * A faster beat finds the dead: a process whose Redis connection is gone (its
 * process channel vanished) has its listings dropped at once, so joins stop
 * landing on rooms that no longer exist.
 */
import { hostname } from "node:os";
import { matchMaker, ServerError, type Presence } from "@colyseus/core";
import { MatchmakingErrorCode } from "../errors.ts";
import { logger } from "../logger.ts";

const LOAD_KEY = "tickforge:load";
/** How often each process publishes its load (ms). */
const REPORT_INTERVAL_MS = 1000;
/** How often it looks for dead peers (ms): two cheap Redis reads; every early beat shortens a stuck join. */
const REAP_INTERVAL_MS = 250;
/**
 * A room placed on a peer is counted on top of the peer's reports for this
 * long (ms): the peer creates it a moment after being asked, so a report it
 * takes in between does not show it yet. Counting it twice for a moment errs
 * on the safe side of a cap. (Report times are the peer's clock: the
 * processes of one deployment are assumed to agree to well within this.)
 */
const PLACEMENT_SETTLES_MS = REPORT_INTERVAL_MS;
/** A report older than this is from a process that stopped reporting (ms). */
const STALE_AFTER_MS = 3 * REPORT_INTERVAL_MS;
/** How long a swept receipt lives (Colyseus's default COLYSEUS_SWEPT_RECEIPT_TTL). */
const SWEPT_RECEIPT_TTL_SECONDS = 600;
/** Share of one core a process may spend in fixed steps before it takes no new rooms. */
export const TICK_BUDGET = 0.6;

export interface ProcessLoad {
  ccu: number;
  rooms: number;
  /** Seconds spent in fixed steps per second of wall time over the last report interval. */
  tickBusy: number;
  draining: boolean;
  /** ms epoch of the report. */
  at: number;
  /** host:port where operators reach this process's /metrics (absent from a process not yet listening). */
  metricsAddress?: string;
  /** The OS process, for a tool on the same host (the loadtest's kill and restart). */
  pid?: number;
  hostname?: string;
}

export interface PlacementLimits {
  maxRoomsPerProcess: number;
  maxCcuPerProcess: number;
}

let tickSeconds = 0;

/** GameRoom reports the wall time of each fixed step here. */
export function recordTickTime(seconds: number): void {
  tickSeconds += seconds;
}

/**
 * How loaded a process is, 0 (idle) to 1 (full): the larger of its players
 * against MAX_CCU_PER_PROCESS and its step time against the tick budget.
 * Room count is only a cap: an empty room costs almost nothing.
 */
export function loadScore(load: ProcessLoad, limits: PlacementLimits): number {
  return Math.max(load.ccu / limits.maxCcuPerProcess, load.tickBusy / TICK_BUDGET);
}

/** Can this process take one more room? */
export function hasRoomFor(load: ProcessLoad, limits: PlacementLimits): boolean {
  return !load.draining && load.rooms < limits.maxRoomsPerProcess && loadScore(load, limits) < 1;
}

/**
 * Loads closer than this count as equal, and players decide between them. At
 * low load the step-time term is mostly scheduling noise (one preempted step
 * reads as a percent of a core, worth dozens of players), so comparing it
 * exactly would send a whole burst of rooms to whichever process happened to
 * be scheduled best in its last second. 0.1 is 6 % of a core, or 10 % of the
 * CCU cap.
 */
export const LOAD_TOLERANCE = 0.1;

export interface Candidate { processId: string; score: number; ccu: number; rooms: number; local: boolean }

/**
 * Among the processes whose load is within LOAD_TOLERANCE of the lightest:
 * fewer players first; then fewer rooms; then this process (no round trip
 * through Redis).
 */
export function choosePlacement(candidates: readonly Candidate[]): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  const lightest = Math.min(...candidates.map((c) => c.score));
  return candidates
    .filter((c) => c.score <= lightest + LOAD_TOLERANCE)
    .sort((a, b) => a.ccu - b.ccu || a.rooms - b.rooms || Number(b.local) - Number(a.local))[0];
}

export class Placement {
  #limits: PlacementLimits;
  #timer: NodeJS.Timeout | undefined;
  #reapTimer: NodeJS.Timeout | undefined;
  #draining = false;
  #lastReportAt = Date.now();
  #metricsAddress: string | undefined;
  #tickBusy = 0;
  /** When this process placed rooms on each peer, until the peer's reports must show them: a burst must not all land on one process. */
  #placedAt = new Map<string, number[]>();
  #log = logger.child({ component: "placement" });
  /** Told each process found dead, once in the whole cluster (on the survivor that removed its report), after its listings are gone: its durable rooms are restored (server/room/durable.ts). */
  onPeerLost: ((processId: string) => void) | undefined;

  constructor(limits: PlacementLimits) {
    this.#limits = limits;
  }

  /** Begin publishing load once the matchmaker has its presence and process id. */
  start(): void {
    void matchMaker.onReady.then(() => {
      if (this.#timer) return;
      this.#timer = setInterval(() => void this.heartbeat(), REPORT_INTERVAL_MS);
      this.#reapTimer = setInterval(() => void this.reap(), REAP_INTERVAL_MS);
      this.#timer.unref();
      this.#reapTimer.unref();
      void this.heartbeat();
    });
  }

  stop(): void {
    clearInterval(this.#timer);
    clearInterval(this.#reapTimer);
    this.#timer = undefined;
    this.#reapTimer = undefined;
  }

  /** Where this process's /metrics answers, once it listens: published with its load, listed by GET /metrics/targets. */
  advertiseMetrics(address: string): void {
    this.#metricsAddress = address;
    void this.heartbeat();
  }

  /** Take no new rooms from now on; peers see it within one round trip to Redis. */
  async drain(): Promise<void> {
    this.#draining = true;
    await this.report().catch(() => { /* Redis down: peers drop us as stale instead */ });
  }

  /** The load this process would report now. */
  localLoad(): ProcessLoad {
    return {
      ccu: matchMaker.stats.local.ccu,
      rooms: matchMaker.stats.local.roomCount,
      tickBusy: this.#tickBusy, // over the last full interval: a partial one is noise
      draining: this.#draining,
      at: Date.now(),
      metricsAddress: this.#metricsAddress,
      pid: process.pid,
      hostname: hostname(),
    };
  }

  /**
   * The live processes that can take a room now, with their load. `asReported`:
   * every process, this one too, as its last report says, so that every process
   * reading the reports draws up the same list.
   */
  async #candidates(asReported = false): Promise<Candidate[]> {
    const { reports, live } = await readPeers();
    const self = matchMaker.processId;
    const now = Date.now();

    const candidates: Candidate[] = [];
    const consider = (processId: string, load: ProcessLoad) => {
      if (!hasRoomFor(load, this.#limits)) return;
      candidates.push({ processId, score: loadScore(load, this.#limits), ccu: load.ccu, rooms: load.rooms, local: processId === self });
    };
    for (const [processId, raw] of Object.entries(reports)) {
      if (processId === self && !asReported) continue;
      const load = asReported ? parse(raw) : this.withPlaced(processId, parse(raw));
      if (!load || now - load.at > STALE_AFTER_MS || !live.has(processId)) continue;
      consider(processId, load);
    }
    // This process judges itself from memory: fresher than its last report, and there before its first.
    if (!asReported) consider(self, this.localLoad());
    return candidates;
  }

  /**
   * The processes that should restore a dead peer's rooms, lightest first
   * (every process reads the same reports, so they agree on the order but for
   * a report published in between): room k goes to the k-th, round the list.
   */
  async restorers(): Promise<string[]> {
    const candidates = await this.#candidates(true);
    return candidates
      .sort((a, b) => a.score - b.score || a.ccu - b.ccu || a.rooms - b.rooms || (a.processId < b.processId ? -1 : 1))
      .map((c) => c.processId);
  }

  /** `selectProcessIdToCreateRoom`: the live process with the most headroom. */
  select = async (roomName: string): Promise<string> => {
    const candidates = await this.#candidates();
    const best = choosePlacement(candidates);
    if (!best) {
      throw new ServerError(
        MatchmakingErrorCode.AT_CAPACITY,
        `No process can host a new "${roomName}" room: every process is draining or at its cap ` +
        `(MAX_ROOMS_PER_PROCESS=${this.#limits.maxRoomsPerProcess}, MAX_CCU_PER_PROCESS=${this.#limits.maxCcuPerProcess}, ` +
        `tick budget ${TICK_BUDGET * 100}% of a core). Add a process or raise the caps.`,
      );
    }
    if (!best.local) this.notePlaced(best.processId);
    return best.processId;
  };

  private async heartbeat() {
    // Until accept() has subscribed our process channel, peers would take us for dead.
    if (matchMaker.state !== matchMaker.MatchMakerState.READY) return;
    try {
      await this.report();
    } catch (error) {
      // Redis away: the next beat retries; redis.ts reports the outage itself.
      this.#log.debug({ err: error }, "load report failed");
    }
  }

  #reaping = false;
  private async reap() {
    if (this.#reaping || matchMaker.state !== matchMaker.MatchMakerState.READY) return;
    this.#reaping = true;
    try {
      await this.reapDeadPeers();
    } catch (error) {
      this.#log.debug({ err: error }, "dead-peer check failed");
    } finally {
      this.#reaping = false;
    }
  }

  private async report() {
    const now = Date.now();
    this.#tickBusy = tickSeconds / (Math.max(1, now - this.#lastReportAt) / 1000);
    tickSeconds = 0;
    this.#lastReportAt = now;
    const load = this.localLoad();
    await matchMaker.presence.hset(LOAD_KEY, matchMaker.processId, JSON.stringify(load));
  }

  /**
   * Redis drops a process's subscriptions the moment its connection closes, so
   * a peer whose process channel is gone can no longer answer matchmaking:
   * take it out now rather than after Colyseus's 2 s IPC timeout on some
   * player's join. If it was only cut off from Redis for a moment, the swept
   * receipt makes it re-list its rooms (Colyseus checks every few seconds), and
   * it re-publishes its load on its next beat.
   */
  private async reapDeadPeers() {
    const presence: Presence = matchMaker.presence;
    const { reports, live } = await readPeers();
    for (const processId of Object.keys(reports)) {
      if (processId === matchMaker.processId || live.has(processId)) continue;
      // Joins already waiting on the dead process share this check (Colyseus dedups it), and fail over sooner.
      void matchMaker.healthCheckProcessId(processId);
      await matchMaker.stats.excludeProcess(processId);
      await matchMaker.driver.cleanup?.(processId);
      // Colyseus's own receipt key (MatchMaker.getProcessSweptKey): a live process reading it restores its listings.
      await presence.setex(`swept:${processId}`, "1", SWEPT_RECEIPT_TTL_SECONDS);
      // Every survivor may see the death in the same beat: only the one whose delete took the report tells onPeerLost.
      if (!(await presence.hdel(LOAD_KEY, processId))) continue;
      this.#log.warn({ deadProcessId: processId }, "process lost its Redis connection: its rooms left matchmaking");
      this.onPeerLost?.(processId);
    }
  }

  /** A peer's report plus the rooms this process placed there that the report may not show yet. */
  private withPlaced(processId: string, load: ProcessLoad | undefined): ProcessLoad | undefined {
    if (!load) return undefined;
    const unseen = (this.#placedAt.get(processId) ?? []).filter((at) => at > load.at - PLACEMENT_SETTLES_MS).length;
    // Each of those rooms came with at least the player who asked for it.
    return unseen === 0 ? load : { ...load, rooms: load.rooms + unseen, ccu: load.ccu + unseen };
  }

  private notePlaced(processId: string) {
    const now = Date.now();
    const recent = (this.#placedAt.get(processId) ?? []).filter((at) => at > now - STALE_AFTER_MS - PLACEMENT_SETTLES_MS);
    this.#placedAt.set(processId, [...recent, now]);
  }
}

/** One live process as Prometheus's HTTP service discovery lists it (and the loadtest reads it). */
export interface ScrapeTarget {
  targets: [string];
  labels: { process_id: string; pid: string; hostname: string; draining: string };
}

/**
 * Every live process of the deployment that has said where its /metrics
 * answers, in Prometheus's HTTP service-discovery format: one entry point
 * lists them all. A dead process drops out when its Redis connection does.
 */
export async function scrapeTargets(): Promise<ScrapeTarget[]> {
  const { reports, live } = await readPeers();
  const targets: ScrapeTarget[] = [];
  for (const [processId, raw] of Object.entries(reports)) {
    const load = parse(raw);
    // Without Redis there is no process channel to see; this process is alive, being the one answering.
    if (!load?.metricsAddress || (!live.has(processId) && processId !== matchMaker.processId)) continue;
    targets.push({
      targets: [load.metricsAddress],
      labels: { process_id: processId, pid: String(load.pid ?? ""), hostname: load.hostname ?? "", draining: String(load.draining) },
    });
  }
  return targets.sort((a, b) => a.targets[0].localeCompare(b.targets[0]));
}

/**
 * Every process's last load report, and the processes whose Redis connection
 * is alive: Colyseus subscribes each process to its own channel "p:<processId>".
 */
async function readPeers(): Promise<{ reports: Record<string, string>; live: Set<string> }> {
  const presence = matchMaker.presence;
  const [reports, channels] = await Promise.all([presence.hgetall(LOAD_KEY), presence.channels("p:*")]);
  return { reports: reports ?? {}, live: new Set(channels.map((channel) => channel.slice(2))) };
}

function parse(raw: string | undefined): ProcessLoad | undefined {
  if (!raw) return undefined;
  try {
    const load = JSON.parse(raw) as ProcessLoad;
    return typeof load.at === "number" ? load : undefined;
  } catch {
    return undefined;
  }
}

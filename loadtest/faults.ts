/**
 * Faults a run injects into the cluster it plays against: a SIGKILL of one
 * process (`--kill-at`), and a rolling restart of every process, one after
 * the other (`--restart-at`). Only processes on this host can be signalled:
 * GET /metrics/targets gives each one's pid and host name. Starting the
 * replacement is the supervisor's job (pm2 under `npm run cluster`, systemd,
 * a platform); the tester signals, then watches the targets for a new
 * process at the same address.
 */
import { hostname } from "node:os";
import type { Target } from "./scrape.ts";

export interface FaultEvent {
  /** Seconds of the run. */
  at: number;
  /** Date.now() at the event, to line it up with the servers' logs (a restored room logs its snapshot's takenAt). */
  atEpochMs: number;
  kind: "killed" | "stopped" | "replaced" | "not replaced";
  processId: string;
  url: string;
  /** Players the process held at its last scrape, for "killed" and "stopped". */
  players?: number;
  /** For "replaced": the new process's id, and seconds from the signal until it was listed. */
  replacedBy?: string;
  afterSeconds?: number;
}

export interface FaultTarget extends Target { processId: string; pid: number }

/** What the faults need from the run: the cluster as discovered now, and each process's players at its last scrape. */
export interface Cluster {
  discover(): Promise<Target[]>;
  players(processId: string): number;
  /** Seconds since the run started. */
  now(): number;
  record(event: FaultEvent): void;
  stopped(): boolean;
}

export class FaultError extends Error {
  override name = "FaultError";
}

/** The processes this host can signal, busiest first. */
export async function signallable(cluster: Cluster): Promise<FaultTarget[]> {
  const here = hostname();
  const targets = (await cluster.discover()).filter((t): t is FaultTarget => t.pid !== undefined && t.processId !== undefined && t.hostname === here);
  if (targets.length === 0) {
    throw new FaultError(`No process of the cluster runs on this host (${here}), so none can be signalled: run the loadtest where the processes run.`);
  }
  return targets.sort((a, b) => cluster.players(b.processId) - cluster.players(a.processId));
}

/**
 * SIGKILL the process holding the most players: a crash with no warning.
 * The bots' entry processes are spared while another can be chosen: they
 * stand for the load balancer players find matchmaking through, and a
 * player whose only address died could not even ask where its room went.
 */
export async function killOne(cluster: Cluster, entries: readonly string[]): Promise<void> {
  const candidates = await signallable(cluster);
  const victim = candidates.find((t) => !entries.some((entry) => sameAddress(entry, t.url))) ?? candidates[0];
  const players = cluster.players(victim.processId);
  process.kill(victim.pid, "SIGKILL");
  cluster.record({ at: cluster.now(), atEpochMs: Date.now(), kind: "killed", processId: victim.processId, url: victim.url, players });
}

/** How often a rolling restart looks for a stopped process's replacement, ms. */
const REPLACEMENT_POLL_MS = 250;

/**
 * A replacement is taken as ready once its /health has answered 200 this many
 * times in a row, this far apart: HAProxy (deploy/haproxy.cfg) puts a process
 * back after two passed checks a second apart (`rise 2`, `inter 1s`) on a
 * phase of its own, which takes up to two seconds from the first answer.
 */
const HEALTHY_CHECKS = 3;
const HEALTH_CHECK_EVERY_MS = 1000;

/**
 * SIGTERM each process in turn (a deploy), waiting before the next until the
 * supervisor has a new process listed at the same address and a load
 * balancer would send it players (its /health answered HEALTHY_CHECKS times); one that is
 * not replaced within `waitSeconds` is recorded, and the restart goes on.
 */
export async function rollingRestart(cluster: Cluster, waitSeconds: number): Promise<void> {
  const order = await signallable(cluster);
  for (const old of order) {
    if (cluster.stopped()) return;
    const signalledAt = cluster.now();
    cluster.record({ at: signalledAt, atEpochMs: Date.now(), kind: "stopped", processId: old.processId, url: old.url, players: cluster.players(old.processId) });
    try {
      process.kill(old.pid, "SIGTERM");
    } catch {
      continue; // already gone
    }
    const replacement = await waitForReplacement(cluster, old, signalledAt + waitSeconds);
    if (replacement) {
      await healthy(cluster, replacement.url, signalledAt + waitSeconds);
      cluster.record({ at: cluster.now(), atEpochMs: Date.now(), kind: "replaced", processId: old.processId, url: old.url, replacedBy: replacement.processId, afterSeconds: round(cluster.now() - signalledAt) });
    } else {
      cluster.record({ at: cluster.now(), atEpochMs: Date.now(), kind: "not replaced", processId: old.processId, url: old.url, afterSeconds: round(cluster.now() - signalledAt) });
    }
  }
}

async function waitForReplacement(cluster: Cluster, old: FaultTarget, deadline: number): Promise<Target | undefined> {
  while (cluster.now() < deadline && !cluster.stopped()) {
    const found = await cluster.discover().catch(() => [] as Target[]);
    const replacement = found.find((t) => t.url === old.url && t.processId !== undefined && t.processId !== old.processId && !t.draining);
    if (replacement) return replacement;
    await new Promise((resolve) => setTimeout(resolve, REPLACEMENT_POLL_MS));
  }
  return undefined;
}

/** Until `url`'s /health has answered 200 HEALTHY_CHECKS times in a row (or the deadline). */
async function healthy(cluster: Cluster, url: string, deadline: number): Promise<void> {
  for (let passed = 0; passed < HEALTHY_CHECKS && cluster.now() < deadline && !cluster.stopped();) {
    const status = await fetch(new URL("/health", url), { signal: AbortSignal.timeout(HEALTH_CHECK_EVERY_MS) })
      .then(async (r) => { await r.arrayBuffer(); return r.status; }, () => 0);
    // A metrics listener of its own (METRICS_PORT) has no /health: nothing there tells when a balancer takes the process.
    if (status === 404) return;
    passed = status === 200 ? passed + 1 : 0;
    if (passed < HEALTHY_CHECKS) await new Promise((resolve) => setTimeout(resolve, HEALTH_CHECK_EVERY_MS));
  }
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Do two URLs reach the same listener (localhost and 127.0.0.1 alike)? */
export function sameAddress(a: string, b: string): boolean {
  const x = new URL(a), y = new URL(b);
  return x.port === y.port && (x.hostname === y.hostname || (LOOPBACK.has(x.hostname) && LOOPBACK.has(y.hostname)));
}

const round = (v: number) => Math.round(v * 10) / 10;

/**
 * The protocol fuzzer: frames from test/fuzz/frames.ts, each written by an
 * attacker holding a real seat in a real arena, against a real server
 * process, while a victim plays in the same room.
 *
 * Attackers work in lanes: a lane takes a seat through matchmaking, writes
 * one frame, then a PING, and waits for the PONG (the frame was read and the
 * socket lives on: the next frame goes on the same socket) or the close (the
 * server refused it: a new seat for the next frame). After each batch the
 * process must answer /health within the bound and still be running. What it
 * finds (crash, hang, victim stall, seat refused, memory or log growth) is
 * reported with the frames in flight, and a crash or hang is replayed on
 * fresh processes to find the one frame that causes it, then shrunk to the
 * fewest bytes that still do.
 */
import { setImmediate } from "node:timers/promises";
import { framesFor, frameType, hex, type Frame, type Profile, type Strategy } from "./frames.ts";
import { health, joinAttacker, joinVictim, spawnVictim, startTarget, type Attacker, type RemoteVictim, type Target } from "./target.ts";

export interface FuzzOptions {
  frames: number;
  seed: number;
  /** Attackers at a time, each with its own seat in the victim's room (at most 15: the arena seats 16; the default 10 leaves room for seats held after a lane hangs up on a silent socket). */
  lanes?: number;
  /** Frames between /health checks. */
  batch?: number;
  /** /health must answer within this, ms. */
  healthBoundMs?: number;
  /** A whole second in which the victim gets fewer patches than this is a stall. */
  stallBelow?: number;
  /** Replay a crash or hang to its minimal frame (restarts the server many times). */
  minimize?: boolean;
  /** Which frames (test/fuzz/frames.ts); default "full". */
  profile?: Profile;
  /** Run the server from this checkout instead of this one. */
  serverRoot?: string;
  /** Stop starting batches after this long, ms, and report what was sent. */
  maxMs?: number;
  onProgress?: (progress: Progress) => void;
}

export interface Progress { sent: number; total: number; elapsedMs: number; closed: number; findings: number; worstPatchRate: number | undefined }

/** Attacker sockets still open: each seat's socket should have closed by the end of a run. */
export function stillOpen(report: FuzzReport): number {
  return report.seats - sum(report.closes);
}

export type FindingKind = "crash" | "hang" | "victim stall" | "seat refused" | "memory growth" | "log growth";

export interface Finding {
  kind: FindingKind;
  detail: string;
  /** The frames in flight when it was seen (a crash or hang: since the last healthy check). */
  suspects: Uint8Array[];
  /** For a crash or hang that replays: the one frame, shrunk. */
  minimal?: Uint8Array;
}

export interface FuzzReport {
  seed: number;
  /** Frames asked for; fewer are sent when the run is cut short by its time limit. */
  requested: number;
  profile: Profile;
  sent: number;
  byType: Map<string, number>;
  byStrategy: Map<Strategy, number>;
  /** Seats the attackers took through matchmaking. */
  seats: number;
  /** How attacker sockets ended, by close code. */
  closes: Map<number, number>;
  /** Frames the server read and kept the socket open for. */
  accepted: number;
  crashes: number;
  hangs: number;
  findings: Finding[];
  /** Fewest patches the victim received in a whole second of the run (this process's clock). */
  worstPatchRate: number | undefined;
  /** Fewest patches the server sent the victim in a whole second of the room's clock. */
  worstServerPatchRate: number | undefined;
  patchSeconds: number;
  slowestHealthMs: number;
  rssBefore: number;
  rssAfter: number;
  logBytes: number;
  durationMs: number;
}

/** Growth past these, over a run, is reported. */
const RSS_GROWTH_LIMIT = 256 * 1024 * 1024;
/** Average log bytes a second over a run (server/log-limit.ts bounds what clients cause; joins and leaves add a line each). */
const LOG_BYTES_PER_SECOND_LIMIT = 256 * 1024;

const PING_TIMEOUT_MS = 5000;

/**
 * The server as deployed but for the per-client frame cap: each fuzzed frame
 * travels with a PING, and at the default 120 a second a lane would be cut
 * off by the cap (test/message-hygiene.test.ts covers it) rather than by what
 * it sends.
 */
const FUZZ_TARGET_ENV = { MAX_MESSAGES_PER_SECOND: "1000000" };

export async function fuzz(options: FuzzOptions): Promise<FuzzReport> {
  const lanes = Math.min(options.lanes ?? 10, 15);
  const batch = options.batch ?? 500;
  const healthBoundMs = options.healthBoundMs ?? 1000;
  const stallBelow = options.stallBelow ?? 1;
  const started = performance.now();
  const report: FuzzReport = {
    seed: options.seed, requested: options.frames, profile: options.profile ?? "full", sent: 0, seats: 0, byType: new Map(), byStrategy: new Map(), closes: new Map(), accepted: 0,
    crashes: 0, hangs: 0, findings: [], worstPatchRate: undefined, worstServerPatchRate: undefined, patchSeconds: 0, slowestHealthMs: 0,
    rssBefore: 0, rssAfter: 0, logBytes: 0, durationMs: 0,
  };

  let target: Target | undefined;
  let victim: RemoteVictim | undefined;
  let logBase = 0;
  const begin = async () => {
    target = await startTarget(FUZZ_TARGET_ENV, options.serverRoot);
    victim = await spawnVictim(target);
    const first = performance.now();
    while ((await victim.counts()).patches === 0) {
      if (performance.now() - first > 10_000) throw new Error("The victim received no patch within 10 s of joining.");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    victim.markFrom();
    logBase = target.logBytes();
    report.rssBefore ||= target.rssBytes();
  };
  const end = async () => {
    report.logBytes += target!.logBytes() - logBase;
    await readPatchRates();
    await victim?.leave();
    await target?.stop();
  };
  const readPatchRates = async () => {
    const { perSecond: seconds, perServerSecond: serverSeconds } = await victim!.counts();
    if (serverSeconds.length) report.worstServerPatchRate = Math.min(report.worstServerPatchRate ?? Infinity, ...serverSeconds);
    if (seconds.length === 0) return;
    const worst = Math.min(...seconds);
    report.patchSeconds += seconds.length;
    report.worstPatchRate = Math.min(report.worstPatchRate ?? Infinity, worst);
    if (worst < stallBelow) note({ kind: "victim stall", detail: `a second with ${worst} patches (stall below ${stallBelow})`, suspects: [] });
    victim!.markFrom();
  };
  const note = (finding: Finding) => {
    if (finding.kind !== "crash" && finding.kind !== "hang" && report.findings.some((f) => f.kind === finding.kind)) return; // one of each is enough
    report.findings.push(finding);
  };

  const seats: Promise<void>[] = [];
  await begin();
  try {
    for (let from = 0; from < options.frames; from += batch) {
      if (performance.now() - started > (options.maxMs ?? Infinity)) break;
      const frames = await generate(options.seed, from, Math.min(batch, options.frames - from), options.profile ?? "full");
      await sendBatch(target!, victim!.roomId, frames, lanes, report, note, seats, healthBoundMs);
      const failure = await check(target!, healthBoundMs, report);
      if (failure) {
        const suspects = frames.map((f) => f.bytes);
        const finding: Finding = { kind: failure.kind, detail: failure.detail, suspects: suspects.slice(-8) };
        if (failure.kind === "crash") report.crashes++; else report.hangs++;
        report.logBytes += target!.logBytes() - logBase;
        await victim!.leave();
        await target!.stop();
        if (options.minimize !== false) {
          const replay = (frames: Uint8Array[]) => reproduces(frames, failure.kind, healthBoundMs, options.serverRoot);
          const culprit = await findCulprit(suspects, replay);
          if (culprit) finding.minimal = await shrink(culprit, replay);
        }
        note(finding);
        await begin();
        continue;
      }
      if (from % (batch * 4) === 0) await readPatchRates();
      options.onProgress?.({ sent: report.sent, total: options.frames, elapsedMs: performance.now() - started, closed: sum(report.closes), findings: report.findings.length, worstPatchRate: report.worstPatchRate });
    }
    // Every attacker's socket ends: refused, kicked, or left when its lane ran out of frames.
    await Promise.race([Promise.all(seats), new Promise((resolve) => setTimeout(resolve, 10_000))]);
    report.rssAfter = target!.rssBytes();
  } finally {
    await end();
  }
  report.durationMs = performance.now() - started;
  if (report.rssAfter - report.rssBefore > RSS_GROWTH_LIMIT) {
    note({ kind: "memory growth", detail: `RSS grew ${mb(report.rssAfter - report.rssBefore)} MB over the run`, suspects: [] });
  }
  if (report.logBytes / (report.durationMs / 1000) > LOG_BYTES_PER_SECOND_LIMIT) {
    note({ kind: "log growth", detail: `${Math.round(report.logBytes / (report.durationMs / 1000))} log bytes a second`, suspects: [] });
  }
  return report;
}

/**
 * A batch's frames, made a slice at a time: a batch made at once would hold
 * this process's event loop, and with it the attackers' sockets, for
 * hundreds of milliseconds.
 */
async function generate(seed: number, from: number, count: number, profile: Profile): Promise<Frame[]> {
  const frames: Frame[] = [];
  for (let at = from; at < from + count; at += GENERATE_SLICE) {
    frames.push(...framesFor(seed, at, Math.min(GENERATE_SLICE, from + count - at), profile));
    await setImmediate();
  }
  return frames;
}
const GENERATE_SLICE = 100;

/** Frames a lane writes on its seat before it waits for their PONGs. */
const WINDOW = 32;

/**
 * Send `frames` over `lanes` attackers in the victim's room. A lane writes a
 * window of frames, each followed by a PING, in one go: with k PONGs back
 * before the close, frames 1..k were read and kept the socket open, frame
 * k+1 was read and refused, and the rest were never read, so they go to the
 * next seat. Every frame is read by the server exactly once.
 */
async function sendBatch(target: Target, roomId: string, frames: Frame[], lanes: number, report: FuzzReport, note: (f: Finding) => void, seats: Promise<void>[], healthBoundMs: number): Promise<void> {
  const queue = [...frames].reverse(); // pop() takes the next
  let stuck = false;
  const lane = async () => {
    let attacker: Attacker | undefined;
    while (queue.length > 0 && !target.exit && !stuck) {
      if (!attacker || !attacker.isOpen()) {
        try {
          attacker = await joinAttacker(target, roomId);
        } catch (error) {
          if (target.exit) return;
          // A process that stopped answering refuses every seat: leave the verdict to the check after the batch.
          if (await health(target, healthBoundMs).then(() => false, () => true)) { stuck = true; return; }
          note({ kind: "seat refused", detail: (error as Error).message, suspects: [] });
          attacker = undefined;
          await new Promise((resolve) => setTimeout(resolve, 100));
          continue;
        }
        report.seats++;
        seats.push(attacker.closed.then(({ code }) => count(report.closes, code)));
      }
      const window: Frame[] = [];
      while (window.length < WINDOW && queue.length > 0) window.push(queue.pop()!);
      if (window.length === 0) break; // the other lanes took the rest while this one joined
      const read = await attacker.sendWindow(window.map((f) => f.bytes), PING_TIMEOUT_MS);
      // `read` frames kept the socket open; if it closed, the next one was read and refused.
      const refused = attacker.isOpen() ? 0 : Math.min(1, window.length - read);
      for (const frame of window.slice(0, read + refused)) {
        report.sent++;
        count(report.byType, frameType(frame.bytes));
        count(report.byStrategy, frame.strategy);
      }
      report.accepted += read;
      for (const unread of window.slice(read + refused).reverse()) queue.push(unread);
      if (attacker.isOpen() && read < window.length) attacker.hangUp(); // no answer and no close: /health will say whether the process is stuck
    }
    // Leave as a player does, so the seat is not held as a dropped connection's, and is free for the next batch.
    if (attacker?.isOpen()) {
      attacker.leave();
      await Promise.race([attacker.closed, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/** After a batch: the process is alive and /health answers within the bound. */
async function check(target: Target, boundMs: number, report: FuzzReport): Promise<{ kind: "crash" | "hang"; detail: string } | undefined> {
  const crashed = () => target.exit && { kind: "crash" as const, detail: `the server exited (${target.exit.code ?? target.exit.signal}):\n${target.tail().slice(-1500)}` };
  if (target.exit) return crashed();
  try {
    report.slowestHealthMs = Math.max(report.slowestHealthMs, await health(target, boundMs));
    return undefined;
  } catch (error) {
    return crashed() || { kind: "hang", detail: `/health did not answer within ${boundMs} ms (${(error as Error).message})` };
  }
}

/** On a fresh server with a victim's room: send `frames` one per seat; does the failure come back? */
async function reproduces(frames: Uint8Array[], kind: "crash" | "hang", boundMs: number, root?: string): Promise<boolean> {
  const target = await startTarget(FUZZ_TARGET_ENV, root);
  try {
    const victim = await joinVictim(target);
    for (const frame of frames) {
      if (target.exit) break;
      const attacker = await joinAttacker(target, victim.roomId, 3000).catch(() => undefined);
      if (!attacker) break;
      await attacker.sendWindow([frame], 2000);
      attacker.leave();
    }
    const failure = await check(target, boundMs, { slowestHealthMs: 0 } as FuzzReport);
    void victim.leave();
    return failure?.kind === kind;
  } finally {
    await target.stop();
  }
}

/** Bisect the batch down to one frame that reproduces the failure on its own. */
async function findCulprit(frames: Uint8Array[], reproduces: (frames: Uint8Array[]) => Promise<boolean>): Promise<Uint8Array | undefined> {
  let candidates = frames;
  if (!(await reproduces(candidates))) return undefined; // needs more than one batch's frames, or a timing
  while (candidates.length > 1) {
    const half = candidates.slice(0, Math.ceil(candidates.length / 2));
    candidates = (await reproduces(half)) ? half : candidates.slice(half.length);
  }
  return (await reproduces(candidates)) ? candidates[0] : undefined;
}

/** The fewest bytes of `frame` that still cause the failure: drop chunks, then single bytes, while it reproduces (bounded tries). */
async function shrink(frame: Uint8Array, reproduces: (frames: Uint8Array[]) => Promise<boolean>, maxTries = 40): Promise<Uint8Array> {
  let best = frame;
  let tries = 0;
  for (let chunk = Math.ceil(best.length / 2); chunk >= 1 && tries < maxTries; chunk = Math.floor(chunk / 2)) {
    for (let at = best.length - chunk; at >= 1 && tries < maxTries; at -= chunk) {
      const candidate = Uint8Array.from([...best.subarray(0, at), ...best.subarray(at + chunk)]);
      tries++;
      if (await reproduces([candidate])) best = candidate;
    }
  }
  return best;
}

async function until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function count<K>(map: Map<K, number>, key: K) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sum(map: Map<unknown, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}

export const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** The findings as lines a person can act on: what, and the frames to replay. */
export function describeFindings(report: FuzzReport): string[] {
  return report.findings.map((f) => [
    `${f.kind}: ${f.detail}`,
    ...(f.minimal ? [`  minimal frame: ${hex(f.minimal)}`] : []),
    ...(f.suspects.length ? [`  frames in flight (last ${f.suspects.length}):`, ...f.suspects.map((s) => `    ${hex(s)}`)] : []),
  ].join("\n"));
}

/**
 * npm run compare -- --base <git ref> [--players 320] [--hold 30] [--runs 3] [--behaviour move]
 *
 * Does this checkout's server cost less CPU than another commit's? On a
 * shared host two runs a minute apart differ by far more than most changes
 * (docs/loadtest.md has the figures), so the two builds are measured side by side: both servers pinned
 * to core 0 at once, one bot fleet on core 1 spread evenly over both
 * (bot k plays on endpoint k mod 2), each server's CPU read from its own
 * /metrics over the same seconds. The host's drift then moves both alike and
 * their ratio stays put. Runs
 * alternate which build starts first and gets the even-numbered bots.
 *
 * The base commit runs from a temporary git worktree that shares this
 * checkout's node_modules (and so its Colyseus patches); compare commits
 * with the same package-lock.json. Writes loadtest-reports/compare-<time>.json.
 *
 * `--base stock` measures against stock Colyseus instead: the minimal 0.18
 * room with the same moves (bench/stock.ts), on unpatched packages, played
 * by stock SDK clients beside our bots on core 1. That is the issue's own
 * comparison (0.9 ms per CCU-second against stock's 1.03) made on this host,
 * with the host's drift cancelled the same way.
 *
 * `--base stock --ours stock-room` runs that same stock room and its stock
 * SDK clients on both sides, one on this checkout's packages (server/patches
 * applied) and one on npm's: what the patches alone save a room. Every room on
 * this stack pays the stock room's per-message path, so that ratio is about
 * the best any room here can read against stock, however cheap its rules.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { behaviours as ARENA_BEHAVIOURS } from "../rooms/arena/bots.ts";
import { int } from "../tools/args.ts";
import { runLoad, type LoadRun } from "../loadtest/coordinator.ts";
import { figuresOf, median } from "../loadtest/figures.ts";
import { CLEAN_LINK } from "../shared/link.ts";
import { pinToBotCore, SERVER_CORE } from "./pinning.ts";
import type { ServerScrape } from "../loadtest/scrape.ts";
import { ROOT, spawnServer, stopServer, waitForHealth, type ToolServer } from "../tools/process.ts";
import { ourModules, startStockPlayers, startStockServer, stockModules, type StockPlayers, type StockServer } from "./stock.ts";

const JOINS_PER_SECOND = 160;
/** Seconds after every player is in before CPU is counted: rooms settle, the JIT warms up. */
const SETTLE_SECONDS = 5;
/** How long past the ramp the players may take to be all in (a refused join retries after 1–3 s). */
const JOIN_GRACE_SECONDS = 30;

export class CompareError extends Error {
  override name = "CompareError";
}

/** One side's cost over the measured seconds. */
export interface SideCost { ccu: number; cpuMsPerCcuS: number }
export interface CompareRun {
  ours: SideCost;
  base: SideCost;
  oursOverBase: number;
  /** Against stock only: each fleet's CPU, ms per player-second, over the same seconds (our bots, the stock SDK clients). */
  bots?: { ours: number; base: number; oursOverBase: number };
}
/** What runs on this checkout's side: our arena and bots, or the stock room and clients on our packages. */
export type OursSide = "arena" | "stock-room";
export interface Comparison {
  base: string;
  ours: OursSide;
  baseCommit: string;
  oursCommit: string;
  oursDirty: boolean;
  players: number;
  behaviour: string;
  holdSeconds: number;
  runs: CompareRun[];
  medianOursOverBase: number;
}

function git(args: string[], cwd = ROOT): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/** A detached worktree of `ref` that uses this checkout's node_modules. */
function checkOut(ref: string): { dir: string; commit: string; remove(): void } {
  let commit: string;
  try {
    commit = git(["rev-parse", "--verify", `${ref}^{commit}`]);
  } catch {
    throw new CompareError(`"${ref}" is not a commit in this repository (try HEAD~1, a branch or a tag).`);
  }
  const dir = mkdtempSync(join(tmpdir(), "tickforge-compare-"));
  git(["worktree", "add", "--detach", dir, commit]);
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  return {
    dir,
    commit,
    remove() {
      try { git(["worktree", "remove", "--force", dir]); } catch { rmSync(dir, { recursive: true, force: true }); }
    },
  };
}

/** What a CPU reading of one server needs: ours come from /metrics scrapes, stock's from its usage route. */
type CpuReading = Pick<ServerScrape, "endpoint" | "at" | "ccu" | "cpuSeconds">;

/** ms of CPU per CCU-second between two readings of one server. */
function costBetween(first: CpuReading, last: CpuReading): SideCost {
  const seconds = (last.at - first.at) / 1000;
  const ccu = Math.round((first.ccu + last.ccu) / 2);
  if (seconds <= 0 || ccu === 0) throw new CompareError(`${first.endpoint} had no players over the measured seconds.`);
  return { ccu, cpuMsPerCcuS: ((last.cpuSeconds - first.cpuSeconds) * 1000) / seconds / ccu };
}

/** Each endpoint's first and last scrape within the run's seconds [from, to]. */
function sideCosts(run: LoadRun, endpoints: string[], from: number, to: number): SideCost[] {
  const scrapes = run.seconds.filter((s) => s.index >= from && s.index <= to).flatMap((s) => s.scrapes);
  return endpoints.map((endpoint) => {
    const mine = scrapes.filter((s) => s.endpoint === endpoint);
    if (mine.length < 2) throw new CompareError(`Too few scrapes of ${endpoint} to measure its CPU; lengthen --hold.`);
    return costBetween(mine[0], mine[mine.length - 1]);
  });
}

/**
 * One side-by-side run. `baseFirst` swaps which server starts first and gets
 * the even-numbered bots: alternated from run to run, so an edge either
 * position has cancels.
 */
async function compareOnce(baseDir: string, players: number, behaviour: string, holdSeconds: number, cpus: string | undefined, baseFirst: boolean): Promise<CompareRun> {
  const servers: ToolServer[] = [];
  try {
    const ourServer = () => spawnServer({ cpus });
    const baseServer = () => spawnServer({ cpus, root: baseDir });
    for (const start of baseFirst ? [baseServer, ourServer] : [ourServer, baseServer]) servers.push(await start());
    if (baseFirst) servers.reverse(); // servers[0] is always ours
    await Promise.all(servers.map((s) => waitForHealth(s)));
    const endpoints = servers.map((s) => s.endpoint);
    const botOrder = baseFirst ? [...endpoints].reverse() : endpoints;
    const rampEnd = (2 * players) / JOINS_PER_SECOND;
    const lastEnd = rampEnd + JOIN_GRACE_SECONDS + SETTLE_SECONDS + holdSeconds;
    // The measured seconds start once both servers report every player in, wherever that falls.
    let allInAt: number | undefined;
    const run = await runLoad({
      endpoints: botOrder, roomName: "arena", behaviour, workers: 1,
      schedule: [{ at: 0, bots: 0 }, { at: rampEnd, bots: 2 * players }, { at: lastEnd, bots: 2 * players }],
      durationSeconds: lastEnd + 0.5, link: CLEAN_LINK, stormEverySeconds: 10, steadyFrom: rampEnd,
      onSecond: (second, load) => {
        const scrapes = load.seconds[load.seconds.length - 1].scrapes;
        if (allInAt === undefined && scrapes.length === endpoints.length && scrapes.every((s) => s.ccu >= players)) allInAt = second.t;
        return allInAt !== undefined && second.t >= allInAt + SETTLE_SECONDS + holdSeconds ? "stop" : undefined;
      },
    });
    if (allInAt === undefined) {
      throw new CompareError(`Not all ${players} players per server were in play within ${JOIN_GRACE_SECONDS} s of the ramp; see the servers' logs.`);
    }
    const [ours, base] = sideCosts(run, endpoints, allInAt + SETTLE_SECONDS, allInAt + SETTLE_SECONDS + holdSeconds);
    for (const [name, side] of [["this checkout", ours], ["the base", base]] as const) {
      if (side.ccu < players * 0.95) throw new CompareError(`${name}'s server held ${side.ccu} players of ${players}: the comparison would not be like for like.`);
    }
    return { ours, base, oursOverBase: ours.cpuMsPerCcuS / base.cpuMsPerCcuS };
  } finally {
    await Promise.all(servers.map((s) => stopServer(s)));
  }
}

/**
 * One side-by-side run against stock Colyseus: our server and bots, the stock
 * server and stock SDK clients, `players` each, every server on `cpus`.
 * `stockFirst` alternates which server starts (and whose players join) first.
 */
async function compareWithStockOnce(players: number, behaviour: string, holdSeconds: number, cpus: string | undefined, stockFirst: boolean): Promise<CompareRun> {
  let ours: ToolServer | undefined;
  let stock: StockServer | undefined;
  let stockPlayers: StockPlayers | undefined;
  try {
    const startOurs = async () => { ours = await spawnServer({ cpus }); await waitForHealth(ours); };
    const startStock = async () => { stock = await startStockServer(cpus); stockPlayers = await startStockPlayers(stock.endpoint, players); };
    if (stockFirst) await startStock();
    await startOurs();
    const endpoint = ours!.endpoint;
    const rampEnd = players / JOINS_PER_SECOND;
    const lastEnd = rampEnd + JOIN_GRACE_SECONDS + SETTLE_SECONDS + holdSeconds;
    let allInAt: number | undefined;
    const stockReads: Promise<StockReading>[] = [];
    const readStock = () => { stockReads.push(readStockSide(stock!, stockPlayers!)); };
    // Our players join first when stock goes second: stock's clients then join while ours already play.
    const stockJoining = stockFirst ? Promise.resolve() : (async () => {
      await sleep(rampEnd * 1000);
      await startStock();
    })();
    let stockIn = stockFirst;
    void stockJoining.then(() => { stockIn = true; });
    const run = await runLoad({
      endpoints: [endpoint], roomName: "arena", behaviour, workers: 1,
      schedule: [{ at: 0, bots: 0 }, { at: rampEnd, bots: players }, { at: lastEnd, bots: players }],
      durationSeconds: lastEnd + 0.5, link: CLEAN_LINK, stormEverySeconds: 10, steadyFrom: rampEnd,
      onSecond: (second, load) => {
        const scrapes = load.seconds[load.seconds.length - 1].scrapes;
        if (allInAt === undefined && stockIn && scrapes.length === 1 && scrapes[0].ccu >= players) allInAt = second.t;
        if (allInAt === undefined) return undefined;
        // Stock's usage is read in the same seconds as our first and last scrapes of the measured window.
        if (second.t === allInAt + SETTLE_SECONDS || second.t === allInAt + SETTLE_SECONDS + holdSeconds) readStock();
        return second.t >= allInAt + SETTLE_SECONDS + holdSeconds ? "stop" : undefined;
      },
    });
    await stockJoining;
    if (allInAt === undefined || stockReads.length < 2) {
      throw new CompareError(`Not all ${players} players were in play on both servers within ${JOIN_GRACE_SECONDS} s of the ramp; see the servers' logs.`);
    }
    const [oursCost] = sideCosts(run, [endpoint], allInAt + SETTLE_SECONDS, allInAt + SETTLE_SECONDS + holdSeconds);
    const [first, last] = await Promise.all(stockReads);
    const stockCost = costBetween(first, last);
    const oursBots = figuresOf(run, [allInAt + SETTLE_SECONDS, allInAt + SETTLE_SECONDS + holdSeconds]).figures.bot_cpu_ms_per_bot_s;
    return sideBySide(players, oursCost, stockCost, oursBots, clientsCost(first, last, players));
  } finally {
    stockPlayers?.stop();
    stock?.stop();
    if (ours) await stopServer(ours);
  }
}

/**
 * One side-by-side run of the stock room against itself: on this checkout's
 * packages (ours) and on npm's (base), each played by `players` stock SDK
 * clients on its own packages, both servers on `cpus`, both fleets here.
 */
async function compareStockRoomsOnce(players: number, holdSeconds: number, cpus: string | undefined, npmStartsFirst: boolean): Promise<CompareRun> {
  type Side = { modules: string; server?: StockServer; fleet?: StockPlayers };
  const ours: Side = { modules: ourModules() };
  const npm: Side = { modules: stockModules() };
  try {
    for (const side of npmStartsFirst ? [npm, ours] : [ours, npm]) {
      side.server = await startStockServer(cpus, side.modules);
      side.fleet = await startStockPlayers(side.server.endpoint, players, side.modules);
    }
    const read = () => Promise.all([ours, npm].map((side) => readStockSide(side.server!, side.fleet!)));
    await sleep(SETTLE_SECONDS * 1000);
    const [oursStart, npmStart] = await read();
    await sleep(holdSeconds * 1000);
    const [oursEnd, npmEnd] = await read();
    return sideBySide(
      players, costBetween(oursStart, oursEnd), costBetween(npmStart, npmEnd),
      clientsCost(oursStart, oursEnd, players), clientsCost(npmStart, npmEnd, players),
    );
  } finally {
    for (const side of [ours, npm]) { side.fleet?.stop(); side.server?.stop(); }
  }
}

/** A stock server's CPU reading, and its clients' CPU at the same moment. */
type StockReading = CpuReading & { clientsCpuMs: number };

function readStockSide(server: StockServer, fleet: StockPlayers): Promise<StockReading> {
  const clientsCpuMs = fleet.cpuMs();
  return server.usage().then((u) => ({
    endpoint: server.endpoint, at: performance.now(), ccu: u.players, cpuSeconds: (u.cpu.user + u.cpu.system) / 1e6, clientsCpuMs,
  }));
}

/** Stock clients' CPU, ms per client-second, between two readings. */
function clientsCost(first: StockReading, last: StockReading, players: number): number {
  return (last.clientsCpuMs - first.clientsCpuMs) / ((last.at - first.at) / 1000) / players;
}

/** Both sides' costs as one run, refused if either server held too few players for a like-for-like reading. */
function sideBySide(players: number, ours: SideCost, base: SideCost, oursClients: number, baseClients: number): CompareRun {
  for (const [name, side] of [["this checkout", ours], ["stock", base]] as const) {
    if (side.ccu < players * 0.95) throw new CompareError(`${name}'s server held ${side.ccu} players of ${players}: the comparison would not be like for like.`);
  }
  return {
    ours, base, oursOverBase: ours.cpuMsPerCcuS / base.cpuMsPerCcuS,
    bots: { ours: oursClients, base: baseClients, oursOverBase: oursClients / baseClients },
  };
}

export function program(): Command {
  return new Command("compare")
    .description("Server CPU of this checkout against another commit's, both pinned to one core at the same time, one bot fleet over both.")
    .requiredOption("--base <ref>", "the commit to compare against: HEAD~1, a branch, a tag, a hash (HEAD itself gives the noise); or `stock`, a minimal stock Colyseus room with the same moves (move-only)")
    .option("--players <n>", "players on each server (rooms of 16)", int("--players", 16, 1000), 320)
    .option("--hold <seconds>", "seconds measured once everyone has joined", int("--hold", 3, 600), 30)
    .option("--runs <n>", "side-by-side runs; the median ratio is reported", int("--runs", 1, 20), 3)
    .option("--behaviour <name>", `how bots play (${Object.keys(ARENA_BEHAVIOURS).join(", ")})`, "move")
    .option("--ours <side>", "what runs on this checkout's side: `arena` (our server and bots) or, with --base stock, `stock-room` (the stock room and stock SDK clients on this checkout's patched packages: what the patches alone save a room)", "arena")
    .option("-o, --out <dir>", "directory for the JSON result", "loadtest-reports");
}

async function main(): Promise<void> {
  const o = program().parse().opts<{ base: string; players: number; hold: number; runs: number; behaviour: string; ours: string; out: string }>();
  if (!ARENA_BEHAVIOURS[o.behaviour]) {
    console.error(`compare: no behaviour "${o.behaviour}"; known: ${Object.keys(ARENA_BEHAVIOURS).join(", ")}.`);
    process.exit(2);
  }
  const pinning = pinToBotCore(fileURLToPath(import.meta.url));
  if (pinning === "relaunched") return;
  const cpus = pinning === "pinned" ? SERVER_CORE : undefined;
  const againstStock = o.base === "stock";
  if (againstStock && o.behaviour !== "move") {
    console.error(`compare: the stock room has move-only rules; --base stock takes --behaviour move, not "${o.behaviour}".`);
    process.exit(2);
  }
  if (o.ours !== "arena" && o.ours !== "stock-room") {
    console.error(`compare: --ours is "arena" or "stock-room", not "${o.ours}".`);
    process.exit(2);
  }
  const stockRooms = o.ours === "stock-room";
  if (stockRooms && !againstStock) {
    console.error(`compare: --ours stock-room runs the stock room on this checkout's packages against the same room on npm's; it takes --base stock, not "${o.base}".`);
    process.exit(2);
  }
  let base: ReturnType<typeof checkOut> | undefined;
  try {
    if (!againstStock) base = checkOut(o.base);
  } catch (error) {
    console.error(`compare: ${(error as Error).message}`);
    process.exit(2);
  }
  const comparison: Comparison = {
    base: o.base, ours: o.ours, baseCommit: base?.commit ?? "stock Colyseus (bench/stock.ts, unpatched packages)", oursCommit: git(["rev-parse", "HEAD"]), oursDirty: git(["status", "--porcelain"]) !== "",
    players: o.players, behaviour: o.behaviour, holdSeconds: o.hold, runs: [], medianOursOverBase: NaN,
  };
  const baseName = base ? `${o.base} (${base.commit.slice(0, 8)})` : "stock Colyseus with stock SDK clients";
  const oursName = stockRooms ? "the stock room with stock SDK clients on this checkout's packages" : "this checkout";
  const oursClients = stockRooms ? "stock SDK clients on our packages" : "bots";
  const oursCommit = `${comparison.oursCommit.slice(0, 8)}${comparison.oursDirty ? " with uncommitted changes" : ""}`;
  console.log(`Comparing ${oursName} (${oursCommit}) against ${baseName}: ${o.players} ${o.behaviour} players on each, both servers ${cpus ? `on core ${cpus}, bots on the other` : "unpinned"}.`);
  try {
    for (let i = 0; i < o.runs; i++) {
      const r = base ? await compareOnce(base.dir, o.players, o.behaviour, o.hold, cpus, i % 2 === 1)
        : stockRooms ? await compareStockRoomsOnce(o.players, o.hold, cpus, i % 2 === 1)
          : await compareWithStockOnce(o.players, o.behaviour, o.hold, cpus, i % 2 === 1);
      comparison.runs.push(r);
      console.log(`  run ${i + 1}/${o.runs}: ${stockRooms ? "on our packages" : "this checkout"} ${r.ours.cpuMsPerCcuS.toFixed(3)} ms per CCU-s, ${base ? "the base" : "stock"} ${r.base.cpuMsPerCcuS.toFixed(3)}: ratio ${r.oursOverBase.toFixed(3)}` +
        (r.bots ? `; ${oursClients} ${r.bots.ours.toFixed(3)} ms per client-s, stock SDK clients ${r.bots.base.toFixed(3)}: ratio ${r.bots.oursOverBase.toFixed(3)}` : ""));
    }
  } catch (error) {
    console.error(`compare: ${(error as Error).message}`);
    process.exitCode = 2;
    return;
  } finally {
    base?.remove();
  }
  const ratios = comparison.runs.map((r) => r.oursOverBase);
  comparison.medianOursOverBase = median(ratios);
  mkdirSync(resolve(o.out), { recursive: true });
  const file = resolve(o.out, `compare-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(comparison, null, 2));
  const botRatios = comparison.runs.flatMap((r) => (r.bots ? [r.bots.oursOverBase] : []));
  const bots = botRatios.length ? `\n${stockRooms ? "Stock SDK clients on our packages over npm's" : "Our bots over the stock SDK clients"}: median ${median(botRatios).toFixed(3)} (${Math.min(...botRatios).toFixed(3)}–${Math.max(...botRatios).toFixed(3)}).` : "";
  console.log(`${stockRooms ? "The stock room on our packages over npm's" : "This checkout over the base"}: median ${comparison.medianOursOverBase.toFixed(3)} (${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}) over ${ratios.length} run(s). Identical builds read within about ±1.5 %: a difference inside that is noise.${bots}\nJSON: ${file}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

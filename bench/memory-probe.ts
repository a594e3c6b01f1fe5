/**
 * node bench/memory-probe.ts [--bots 480] [--behaviour move] [--allocations] [--snapshots <dir>]
 *
 * What a connection costs the server in memory, and what it leaves behind.
 * Starts the real server (main.ts) with --expose-gc and an inspector on
 * a free local port, joins bots with the project's own fleet (runLoad's
 * LoadRun), and reads the server through its inspector, so the server needs
 * no hook of its own. Two phases, each on a fresh server:
 *
 * 1. As the bench sees it: nothing forced. RSS at 0, N/2 and N connections,
 *    each level held --hold seconds, with V8's physical space sizes beside it.
 *    No collection is forced, because one would change V8's heap sizing from
 *    then on (the first full GC sets the old generation's limit from the live
 *    heap), and the bench never forces one.
 * 2. After a full GC: RSS and V8 heapUsed at 0, N/2 and N, and again once
 *    every bot has left and the rooms are gone (what stays is a leak).
 *    --allocations samples, at N, which functions allocate and which of that
 *    outlives the young generation; --snapshots writes a heap snapshot at each
 *    point and prints which constructors grew between them.
 */
import { execFileSync, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { CLEAN_LINK } from "../shared/link.ts";
import { LoadRun } from "../loadtest/coordinator.ts";
import { spawnServer, TOOL_ADMIN_TOKEN, waitForHealth } from "../tools/process.ts";

interface Options { bots: number; behaviour: string; joinRate: number; hold: number; leave: string; serverCpus?: string; allocations?: boolean; snapshots?: string; phase: string }
interface Memory { rss: number; heapUsed: number; external: number; spaces: Record<string, number> }
interface Point { label: string; ccu: number; memory: Memory; snapshot?: string }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
const kb = (b: number) => (b / 1024).toFixed(1);

/** Just enough of the inspector protocol to evaluate in the server and sample its allocations. */
class Inspector {
  private nextId = 1;
  private waiting = new Map<number, (message: any) => void>();
  private ws: WebSocket;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data));
      this.waiting.get(message.id)?.(message);
      this.waiting.delete(message.id);
    });
  }
  static open(url: string): Promise<Inspector> {
    const ws = new WebSocket(url);
    return new Promise((done, fail) => {
      ws.addEventListener("open", () => done(new Inspector(ws)));
      ws.addEventListener("error", () => fail(new Error(`Cannot reach the server's inspector at ${url}.`)));
    });
  }
  async call(method: string, params: object = {}): Promise<any> {
    const id = this.nextId++;
    const reply = new Promise<any>((done) => this.waiting.set(id, done));
    this.ws.send(JSON.stringify({ id, method, params }));
    const message = await reply;
    if (message.error) throw new Error(`${method} failed: ${JSON.stringify(message.error)}`);
    return message.result;
  }
  async evaluate<T>(expression: string): Promise<T> {
    const result = await this.call("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (result.exceptionDetails) throw new Error(`evaluate failed: ${JSON.stringify(result.exceptionDetails)}`);
    return result.result.value as T;
  }
  close(): void { this.ws.close(); }
}

/** The server as the bench starts it, plus --expose-gc and an inspector on a free port. */
class Server {
  stopping = false;
  readonly endpoint: string;
  readonly child: ChildProcess;
  readonly inspector: Inspector;
  private constructor(endpoint: string, child: ChildProcess, inspector: Inspector) {
    this.endpoint = endpoint;
    this.child = child;
    this.inspector = inspector;
  }

  static async start(cpus: string | undefined): Promise<Server> {
    const spawned = await spawnServer({ cpus, nodeFlags: ["--expose-gc", "--inspect=127.0.0.1:0"], stderr: "pipe" });
    const { child } = spawned;
    const inspectorUrl = await new Promise<string>((done, fail) => {
      let text = "";
      child.stderr!.on("data", (chunk: Buffer) => {
        const m = /Debugger listening on (ws:\/\/\S+)/.exec((text += chunk.toString()));
        if (m) done(m[1]);
        // The inspector's own chatter is noise; anything else the server says is worth seeing.
        for (const line of chunk.toString().split("\n")) {
          if (line && !/Debugger|For help, see|nodejs\.org\/en\/docs\/inspector|Waiting for the debugger/.test(line)) process.stderr.write(line + "\n");
        }
      });
      child.once("exit", (code) => fail(new Error(`The server exited (code ${code}) before its inspector was up.`)));
    });
    const server = new Server(spawned.endpoint, child, await Inspector.open(inspectorUrl));
    child.once("exit", (code, signal) => { if (!server.stopping) console.error(`memory-probe: the server exited (code ${code}, signal ${signal}).`); });
    await waitForHealth(spawned);
    return server;
  }

  async health(): Promise<{ ccu: number; rooms: number }> {
    // The counts are /health's operator details.
    return (await fetch(`${this.endpoint}/health`, { headers: { authorization: `Bearer ${TOOL_ADMIN_TOKEN}` } })).json() as Promise<{ ccu: number; rooms: number }>;
  }

  async waitFor(what: string, ok: (h: { ccu: number; rooms: number }) => boolean, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await this.health();
      if (ok(h)) return;
      if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what} (the server reports ${h.ccu} CCU, ${h.rooms} rooms).`);
      await sleep(250);
    }
  }

  /** RSS, V8 heapUsed and each V8 space's resident size; after full collections when `collect`. */
  memory(collect: boolean): Promise<Memory> {
    // Collections until the heap stops shrinking, with a pause between them for
    // finalizers and weak callbacks; the last one right before the reading.
    return this.inspector.evaluate<Memory>(`(async () => {
      if (${collect}) {
        let last = Infinity;
        for (let i = 0; i < 6; i++) {
          gc();
          const used = process.memoryUsage().heapUsed;
          if (last - used < 64 * 1024) break;
          last = used;
          await new Promise((r) => setTimeout(r, 50));
        }
        gc();
      }
      const m = process.memoryUsage();
      const spaces = {};
      for (const s of process.getBuiltinModule("v8").getHeapSpaceStatistics()) spaces[s.space_name.replace(/_space$/, "")] = s.physical_space_size;
      return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, spaces };
    })()`);
  }

  stop(): Promise<void> {
    this.stopping = true;
    this.inspector.close();
    return new Promise((done) => {
      if (this.child.exitCode !== null) return done();
      const kill = setTimeout(() => this.child.kill("SIGKILL"), 5000);
      this.child.once("exit", () => { clearTimeout(kill); done(); });
      this.child.kill("SIGTERM");
    });
  }
}

/** One fleet: N/2 bots join, hold `holdHalf` s, the rest join, all hold until `stop()`. */
function fleet(server: Server, o: Options, holdHalf: number) {
  const half = Math.floor(o.bots / 2);
  const t1 = half / o.joinRate, t2 = t1 + holdHalf, t3 = t2 + (o.bots - half) / o.joinRate;
  const run = new LoadRun({
    endpoints: [server.endpoint], roomName: "arena", behaviour: o.behaviour, workers: 1,
    schedule: [{ at: 0, bots: 0 }, { at: t1, bots: half }, { at: t2, bots: half }, { at: t3, bots: o.bots }],
    durationSeconds: t3 + 3600, link: CLEAN_LINK, stormEverySeconds: 3600,
  });
  const running = run.run();
  running.catch(() => { /* awaited in stop() */ });
  const secondHalfAt = performance.now() + 300 + t2 * 1000; // the run starts 300 ms after run()
  // Churning bots are out of their room a tenth of the time: a level counts as reached at 85 %.
  const reached = (target: number) => (h: { ccu: number }) => h.ccu >= (o.behaviour === "churn" ? 0.85 : 1) * target;
  return {
    half,
    /** Until the second half starts joining. */
    untilSecondHalf: () => sleep(Math.max(0, secondHalfAt - performance.now())),
    reachHalf: () => server.waitFor(`${half} connections`, reached(half), (t1 + 60) * 1000),
    reachAll: () => server.waitFor(`${o.bots} connections`, reached(o.bots), (t3 + 60) * 1000),
    async stop(drop: boolean) {
      if (drop) {
        // Kill the bot workers (this process's children but the server): sockets die without a close frame.
        const pids = execFileSync("pgrep", ["-P", String(process.pid)], { encoding: "utf8" }).split("\n").map(Number);
        for (const pid of pids) if (pid && pid !== server.child.pid) process.kill(pid, "SIGKILL");
      }
      run.stop();
      await running.catch((error) => { if (!drop) throw new Error(`The bot fleet failed: ${(error as Error).message}`); });
    },
  };
}

function line(label: string, ccu: number, m: Memory): string {
  const s = m.spaces;
  return `${label.padEnd(13)} ${String(ccu).padStart(5)} CCU  rss ${mb(m.rss).padStart(6)} MB  heapUsed ${mb(m.heapUsed).padStart(5)} MB  ` +
    `(resident V8 spaces: new ${mb(s.new)}, old ${mb(s.old)}, code ${mb(s.code)}, large ${mb(s.large_object)} MB)`;
}

function perConnection(what: string, points: Point[], field: "rss" | "heapUsed"): string {
  const [idle, mid, peak] = points;
  const total = (peak.memory[field] - idle.memory[field]) / peak.ccu;
  const slope = (peak.memory[field] - mid.memory[field]) / (peak.ccu - mid.ccu);
  return `  ${what}: (N − idle) / N = ${kb(total)} KB; slope N/2 → N = ${kb(slope)} KB`;
}

/** Phase 1: what the bench reads, nothing forced. */
async function asTheBenchSeesIt(o: Options): Promise<void> {
  console.log(`phase 1, as the bench sees it (nothing forced; each level held ${o.hold} s):`);
  const server = await Server.start(o.serverCpus);
  const points: Point[] = [];
  const read = async (label: string) => {
    const { ccu } = await server.health();
    const memory = await server.memory(false);
    points.push({ label, ccu, memory });
    console.log(line(label, ccu, memory));
  };
  try {
    await sleep(1000);
    await read("idle");
    const bots = fleet(server, o, o.hold + 10);
    await bots.reachHalf();
    await sleep(o.hold * 1000);
    await read("N/2");
    await bots.reachAll();
    await sleep(o.hold * 1000);
    await read("N");
    await bots.stop(false);
  } finally {
    await server.stop();
  }
  console.log(`per connection, nothing forced (N = ${points[2].ccu}):\n${perConnection("RSS", points, "rss")}\n`);
}

/** Phase 2: after full collections, and what stays once everyone has left. */
async function afterFullGc(o: Options): Promise<void> {
  console.log(`phase 2, after a full GC at each point${o.leave === "drop" ? " (bots leave by dropping: 1006, seats held)" : ""}:`);
  const server = await Server.start(o.serverCpus);
  const snapshotDir = o.snapshots ? resolve(o.snapshots) : undefined;
  if (snapshotDir) mkdirSync(snapshotDir, { recursive: true });
  const points: Point[] = [];
  const read = async (label: string) => {
    const { ccu } = await server.health();
    const memory = await server.memory(true);
    let snapshot: string | undefined;
    if (snapshotDir) {
      snapshot = join(snapshotDir, `${label.replace(/\W+/g, "-")}.heapsnapshot`);
      await server.inspector.evaluate(`process.getBuiltinModule("v8").writeHeapSnapshot(${JSON.stringify(snapshot)})`);
    }
    points.push({ label, ccu, memory, snapshot });
    console.log(line(label, ccu, memory));
  };
  const settle = 5;
  try {
    await sleep(1000);
    await read("idle");
    const bots = fleet(server, o, settle + (snapshotDir ? 60 : 20));
    await bots.reachHalf();
    await sleep(settle * 1000);
    await read("N/2");
    let joining: Sampling | undefined;
    if (o.allocations) {
      await bots.untilSecondHalf();
      joining = await sampleAllocations(server.inspector, true, o.bots - points[1].ccu, false);
    }
    await bots.reachAll();
    if (joining) {
      await sleep(1000);
      console.log(`\n  outlived the young generation while the second ${o.bots - points[1].ccu} joined (sampled), per joined connection:\n${await joining.stop()}\n`);
    }
    await sleep(settle * 1000);
    await read("N");
    if (o.allocations) {
      const steady = await sampleAllocations(server.inspector, false, points[2].ccu, true);
      await sleep(10_000);
      console.log(`\n  allocated at ${points[2].ccu} CCU over 10 s, by function (sampled):\n${await steady.stop()}`);
      const promoted = await sampleAllocations(server.inspector, true, points[2].ccu, true);
      await sleep(10_000);
      console.log(`\n  of which outlived the young generation, over another 10 s:\n${await promoted.stop()}\n`);
    }
    await bots.stop(o.leave === "drop");
    await server.waitFor("every bot to leave and every room to close", (h) => h.ccu === 0 && h.rooms === 0, 90_000);
    await sleep(settle * 1000);
    await read("after leave");
  } finally {
    await server.stop();
  }
  const [idle, , peak, left] = points;
  console.log(`per connection, after a full GC (N = ${peak.ccu}):\n${perConnection("RSS", points, "rss")}\n${perConnection("heap", points, "heapUsed")}`);
  console.log(`after all ${peak.ccu} left: heapUsed ${mb(left.memory.heapUsed)} MB against ${mb(idle.memory.heapUsed)} MB idle (${left.memory.heapUsed >= idle.memory.heapUsed ? "+" : "−"}${mb(Math.abs(left.memory.heapUsed - idle.memory.heapUsed))} MB); RSS +${mb(left.memory.rss - idle.memory.rss)} MB over idle`);
  if (snapshotDir) {
    console.log(`\nheap growth by constructor, idle → N (${peak.ccu} CCU):\n${diff(idle.snapshot!, peak.snapshot!, peak.ccu)}`);
    console.log(`\nheap left by constructor, idle → after leave:\n${diff(idle.snapshot!, left.snapshot!, peak.ccu)}`);
  }
}

interface ProfileNode { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: ProfileNode[] }

interface Sampling { stop(): Promise<string> }

/**
 * Start sampling what the server allocates (builtins named by their nearest
 * JavaScript caller). With `survivors`, only what outlives the young
 * generation (promoted, garbage or not, plus what is still young at the end):
 * the churn that fills old space until the next major GC. `stop()` prints the
 * top allocating functions in KB per connection (per second when `perSecond`).
 */
async function sampleAllocations(inspector: Inspector, survivors: boolean, connections: number, perSecond: boolean, top = 15): Promise<Sampling> {
  await inspector.call("HeapProfiler.enable");
  await inspector.call("HeapProfiler.startSampling", { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: !survivors });
  const started = performance.now();
  return {
    async stop() {
      const { profile } = await inspector.call("HeapProfiler.stopSampling");
      const seconds = (performance.now() - started) / 1000;
      if (process.env.PROBE_PROFILE_OUT) writeFileSync(`${process.env.PROBE_PROFILE_OUT}-${survivors ? "survivors" : "all"}.json`, JSON.stringify(profile));
      const bySite = new Map<string, number>();
      const name = (node: ProfileNode) => {
        const { functionName, url, lineNumber } = node.callFrame;
        return `${functionName || "(anonymous)"} ${url.replace(/^.*\/node_modules\//, "").replace(/^file:\/\/.*?\/(?=(server|rooms|loadtest)\/)/, "")}:${lineNumber + 1}`;
      };
      const walk = (node: ProfileNode, caller: string) => {
        const here = node.callFrame.url ? name(node) : `${name(node)} ← ${caller}`;
        if (node.selfSize > 0) bySite.set(here, (bySite.get(here) ?? 0) + node.selfSize);
        for (const child of node.children) walk(child, node.callFrame.url ? name(node) : caller);
      };
      walk(profile.head, "(root)");
      const rows = [...bySite.entries()].sort((a, b) => b[1] - a[1]);
      const total = rows.reduce((sum, [, bytes]) => sum + bytes, 0);
      const unit = perSecond ? "KB/s per connection" : "KB per connection";
      const amount = (bytes: number) => `${(bytes / (perSecond ? seconds : 1) / 1024 / connections).toFixed(2).padStart(7)} ${unit}`;
      return [`    ${amount(total)}  (all)`, ...rows.slice(0, top).map(([where, bytes]) => `    ${amount(bytes)}  ${where}`)].join("\n");
    },
  };
}

/** Self size and count by constructor (strings, code and other V8 internals grouped), from a .heapsnapshot file. */
function summarise(file: string): Map<string, { size: number; count: number }> {
  const snap = JSON.parse(readFileSync(file, "utf8"));
  const fields: string[] = snap.snapshot.meta.node_fields;
  const types: string[] = snap.snapshot.meta.node_types[0];
  const width = fields.length;
  const [iType, iName, iSize] = ["type", "name", "self_size"].map((f) => fields.indexOf(f));
  const byName = new Map<string, { size: number; count: number }>();
  const nodes: number[] = snap.nodes;
  for (let i = 0; i < nodes.length; i += width) {
    const type = types[nodes[i + iType]];
    let name = snap.strings[nodes[i + iName]] as string;
    if (type === "string" || type === "concatenated string" || type === "sliced string") name = "(string)";
    else if (type === "code") name = "(code)";
    else if (type === "closure") name = `closure ${name}`;
    else if (type !== "object" && type !== "native") name = `(${type}) ${name.length > 40 ? name.slice(0, 40) + "…" : name}`;
    const entry = byName.get(name) ?? { size: 0, count: 0 };
    entry.size += nodes[i + iSize];
    entry.count++;
    byName.set(name, entry);
  }
  return byName;
}

function diff(from: string, to: string, per: number, top = 25): string {
  const a = summarise(from), b = summarise(to);
  const rows = [...b.entries()].map(([k, v]) => ({ k, size: v.size - (a.get(k)?.size ?? 0), count: v.count - (a.get(k)?.count ?? 0) }));
  rows.sort((x, y) => y.size - x.size);
  const total = rows.reduce((s, r) => s + r.size, 0);
  const lines = rows.slice(0, top).map((r) => `    ${kb(r.size).padStart(8)} KB ${(r.size / 1024 / per).toFixed(2).padStart(7)} KB/conn ${String(r.count).padStart(7)} objects  ${r.k}`);
  return `    ${kb(total).padStart(8)} KB ${(total / 1024 / per).toFixed(2).padStart(7)} KB/conn  (all)\n${lines.join("\n")}`;
}

const o = new Command("memory-probe")
  .description("Server RSS per connection as the bench sees it, then RSS and heap after a full GC at 0, N/2 and N connections and after every bot has left.")
  .option("--bots <n>", "connections at the peak (a multiple of 32 keeps rooms full)", (v) => Number(v), 480)
  .option("--behaviour <name>", "bot behaviour (move, play, churn, storm)", "move")
  .option("--join-rate <n>", "joins per second (the bench's burst is 160)", (v) => Number(v), 160)
  .option("--hold <s>", "phase 1: seconds each level is held before it is read (the bench holds 480 CCU for 30 s)", (v) => Number(v), 30)
  .option("--leave <how>", "phase 2: bots \"leave\" (consented) or \"drop\" (their processes are killed: 1006, seats held for the reconnection window)", "leave")
  .option("--phase <which>", "1, 2 or both", "both")
  .option("--server-cpus <list>", "run the server under taskset -c <list>, as the bench pins it to core 0")
  .option("--allocations", "phase 2: sample what outlives the young generation while the second half joins; at N, what allocates and what outlives the young generation, 10 s each")
  .option("--snapshots <dir>", "phase 2: write a heap snapshot at each point and print what grew (inflates RSS from then on)")
  .parse()
  .opts() as Options;
if (o.phase !== "2") await asTheBenchSeesIt(o);
if (o.phase !== "1") await afterFullGc(o);

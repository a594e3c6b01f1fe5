/**
 * npm run bench:chat -- [--users 200] [--channel-size 10] [--rate 1] [--size 100] [--hold 30]
 *
 * What does a delivered chat message cost our server, next to Socket.IO?
 * The same fan-out on both: `--users` users in channels of `--channel-size`,
 * each sending `--rate` messages a second of `--size` characters, every
 * message acknowledged to its sender and delivered to every member of its
 * channel (the sender too). One side is a Tickforge server (main.ts, its
 * chat room type, its embedded Store), the other the Socket.IO reference
 * (bench/socketio-chat-server.ts: rooms and emit, nothing stored). Both
 * servers run at once pinned to core 0, both sets of users
 * (bench/chat-fanout.ts) on core 1, over the same seconds, so the host's
 * drift moves both alike. Each server's CPU is read from /proc over the
 * held seconds and divided by the lines its users received; the same less
 * what it spent over `--idle` seconds with every user connected and silent
 * is the cost of the messages alone.
 * Writes loadtest-reports/chat-socketio-<time>.json.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { Command } from "commander";
import { mergeInto, newHistogram, percentilesMs } from "../loadtest/histogram.ts";
import { num, int } from "../tools/args.ts";
import { spawnServer, stopServer, waitForHealth } from "../tools/process.ts";
import type { FanoutPlan, FanoutSide, FromFanout, ToFanout } from "./chat-fanout.ts";
import { pinToBotCore, SERVER_CORE, startHelper } from "./pinning.ts";

const SCRIPT = fileURLToPath(import.meta.url);
const FANOUT = fileURLToPath(new URL("./chat-fanout.ts", import.meta.url));
const SOCKETIO_SERVER = fileURLToPath(new URL("./socketio-chat-server.ts", import.meta.url));

/** A process's CPU time so far, s, from /proc (any process, not only ours). */
function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // utime and stime are fields 14 and 15 of stat(5); fields here start at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

interface Users {
  child: ChildProcess;
  next(type: FromFanout["type"]): Promise<FromFanout>;
  send(message: ToFanout): void;
}

function forkUsers(): Users {
  const child = fork(FANOUT, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting: ((message: FromFanout) => void)[] = [];
  child.on("message", (message: FromFanout) => {
    if (message.type === "error") throw new Error(`chat users failed: ${message.message}`);
    waiting.shift()?.(message);
  });
  return {
    child,
    next: () => new Promise((resolve) => waiting.push(resolve)),
    send: (message) => child.send(message),
  };
}

export interface SideFigures {
  side: FanoutSide;
  sentPerS: number;
  ackedPerS: number;
  deliveredPerS: number;
  serverCpuPercent: number;
  /** Server CPU per delivered line, µs. */
  serverCpuUsPerDelivered: number;
  /** The server's CPU with its users connected and silent, % of a core. */
  serverIdleCpuPercent: number;
  /** Server CPU per delivered line above that idle cost, µs. */
  serverCpuUsPerDeliveredAboveIdle: number;
  clientCpuUsPerDelivered: number;
  deliveryP50Ms: number;
  deliveryP99Ms: number;
}

async function main(): Promise<void> {
  const pinning = pinToBotCore(SCRIPT);
  if (pinning === "relaunched") return;
  const o = new Command("bench:chat")
    .description("Chat fan-out: server CPU per delivered message, Tickforge's chat room beside Socket.IO rooms, one core each run at once.")
    .option("--users <n>", "users per side", int("--users", 2, 5000), 200)
    .option("--channel-size <n>", "users per channel", int("--channel-size", 1, 1000), 10)
    .option("--rate <per-second>", "messages each user sends a second (at most 5: the chat budget)", num("--rate", 0.01, 5), 1)
    .option("--size <chars>", "characters per message", int("--size", 32, 500), 100)
    .option("--idle <s>", "seconds with every user connected and silent, for each server's fixed cost", num("--idle", 1, 600), 5)
    .option("--warmup <s>", "seconds of sending before the held seconds", num("--warmup", 0, 600), 5)
    .option("--hold <s>", "seconds measured", num("--hold", 1, 3600), 30)
    .option("-o, --out <dir>", "directory for the JSON report", "loadtest-reports")
    .parse()
    .opts<{ users: number; channelSize: number; rate: number; size: number; idle: number; warmup: number; hold: number; out: string }>();
  const cpus = pinning === "pinned" ? SERVER_CORE : undefined;

  const dataDir = mkdtempSync(join(tmpdir(), "tickforge-chat-bench-"));
  const ours = await spawnServer({ cpus, env: { DATA_DIR: dataDir } });
  const reference = await startHelper("the Socket.IO chat server", SOCKETIO_SERVER, ["--port", "0"], { cpus });
  const sides: { side: FanoutSide; pid: number; endpoint: string; users: Users }[] = [];
  try {
    await waitForHealth(ours);
    const referencePort = Number(reference.line.split(" ")[1]);
    sides.push(
      { side: "tickforge", pid: ours.child.pid!, endpoint: ours.endpoint, users: forkUsers() },
      { side: "socketio", pid: reference.child.pid!, endpoint: `http://127.0.0.1:${referencePort}`, users: forkUsers() },
    );
    const plan = (side: (typeof sides)[number]): FanoutPlan => ({ side: side.side, endpoint: side.endpoint, users: o.users, channelSize: o.channelSize, rate: o.rate, size: o.size });
    console.error(`bench:chat: ${o.users} users a side, channels of ${o.channelSize}, ${o.rate} msg/s each, ${o.size} chars; servers ${cpus ? `pinned to core ${cpus}` : "unpinned"}`);
    await Promise.all(sides.map(async (s) => {
      const ready = s.users.next("ready");
      s.users.send({ type: "start", plan: plan(s) });
      const message = await ready;
      if (message.type !== "ready" || message.connected !== o.users) throw new Error(`${s.side}: only ${message.type === "ready" ? message.connected : 0} of ${o.users} users connected.`);
    }));
    // What each server spends with its users connected and silent: its fixed cost, apart from the messages.
    const idleFrom = sides.map((s) => ({ cpu: cpuSecondsOf(s.pid), at: performance.now() }));
    await sleep(o.idle * 1000);
    const idlePerS = sides.map((s, i) => (cpuSecondsOf(s.pid) - idleFrom[i].cpu) / ((performance.now() - idleFrom[i].at) / 1000));
    for (const s of sides) s.users.send({ type: "go" });
    await sleep(o.warmup * 1000);
    const read = () => Promise.all(sides.map(async (s) => {
      const counts = s.users.next("counts");
      s.users.send({ type: "read" });
      return { cpu: cpuSecondsOf(s.pid), at: performance.now(), counts: await counts };
    }));
    const before = await read();
    await sleep(o.hold * 1000);
    const after = await read();

    const figures: SideFigures[] = sides.map((s, i) => {
      const seconds = (after[i].at - before[i].at) / 1000;
      const c = after[i].counts;
      if (c.type !== "counts") throw new Error("unexpected reply");
      const serverCpu = after[i].cpu - before[i].cpu;
      const h = newHistogram();
      mergeInto(h, c.delivery);
      const p = percentilesMs(h);
      h.destroy();
      return {
        side: s.side,
        sentPerS: round(c.sent / seconds),
        ackedPerS: round(c.acked / seconds),
        deliveredPerS: round(c.delivered / seconds),
        serverCpuPercent: round((serverCpu / seconds) * 100),
        serverCpuUsPerDelivered: round((serverCpu * 1e6) / Math.max(1, c.delivered)),
        serverIdleCpuPercent: round(idlePerS[i] * 100),
        serverCpuUsPerDeliveredAboveIdle: round(((serverCpu - idlePerS[i] * seconds) * 1e6) / Math.max(1, c.delivered)),
        clientCpuUsPerDelivered: round(c.cpuUs / Math.max(1, c.delivered)),
        deliveryP50Ms: p.p50,
        deliveryP99Ms: p.p99,
      };
    });
    const [tf, sio] = figures;
    const ratio = round(tf.serverCpuUsPerDelivered / sio.serverCpuUsPerDelivered, 3);
    const ratioAboveIdle = round(tf.serverCpuUsPerDeliveredAboveIdle / sio.serverCpuUsPerDeliveredAboveIdle, 3);
    console.table(Object.fromEntries(figures.map(({ side, ...rest }) => [side, rest])));
    console.log(`server CPU per delivered message, Tickforge ÷ Socket.IO: ${ratio} (above each server's idle cost: ${ratioAboveIdle})`);
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    const report = { tool: "tickforge-bench-chat", at: new Date().toISOString(), loadAverage: load, pinned: cpus !== undefined, options: o, figures, ratio, ratioAboveIdle };
    const path = resolve(o.out, `chat-socketio-${report.at.replace(/[:.]/g, "-")}.json`);
    mkdirSync(o.out, { recursive: true });
    writeFileSync(path, JSON.stringify(report, null, 2));
    console.log(`load average ${load}\nJSON: ${path}`);
  } finally {
    for (const s of sides) if (s.users.child.connected) s.users.send({ type: "stop" });
    reference.child.kill("SIGTERM");
    await stopServer(ours);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const round = (v: number, digits = 2) => Math.round(v * 10 ** digits) / 10 ** digits;

await main();

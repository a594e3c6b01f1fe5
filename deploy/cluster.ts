/**
 * `npm run cluster -- --processes 3`: N game processes on this machine sharing
 * Redis, run and restarted by pm2 (pm2-runtime, in the foreground; Ctrl-C
 * drains them all). `npm run cluster -- --rolling-restart`, from another
 * terminal, restarts them one at a time (a deploy): each drains, its durable
 * rooms move to the others, and the next waits until its replacement answers.
 *
 * Without --proxy, players use one entry point, process 1 at
 * http://localhost:<port>: it serves the client and matchmaking. Each process
 * listens on its own port (<port>, <port>+1, …) and advertises it as
 * PUBLIC_ADDRESS, so a player matched into a room on process 3 opens its
 * socket straight to process 3.
 *
 * With `--proxy <port>`, HAProxy runs deploy/haproxy.cfg in front of them:
 * players use http://localhost:<proxy port> for everything, process N
 * advertises localhost:<proxy port>/pN, and no single process is every
 * player's address (docs/scaling.md, "Rolling deploys").
 */
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { HARD_DEADLINE_GRACE_MS } from "../server/ops/shutdown.ts";
import { SERVER_ENTRY, SERVER_NODE_FLAGS, serverEnv } from "../server/launch.ts";
import { int } from "../tools/args.ts";
import { isAlive } from "../tools/process.ts";
import { ROOT } from "../tools/process.ts";

const program = new Command("cluster")
  .description("Run N Tickforge processes against Redis under pm2, with process 1, or HAProxy in front of them all (--proxy), as the players' entry point.")
  .option("-n, --processes <n>", "how many game processes", int("--processes", 1, 64), 3)
  .option("-p, --port <port>", "port of process 1; process k listens on port + k - 1", int("--port", 1, 65535 - 64), 2567)
  .option("--public-host <host>", "host name players use to reach this machine", "localhost")
  .option("--redis <url>", "Redis shared by the processes", process.env.REDIS_URL || "redis://127.0.0.1:6379")
  .option("--drain-seconds <s>", "DRAIN_SECONDS for each process", int("--drain-seconds", 0, 3600), Number(process.env.DRAIN_SECONDS ?? 20))
  .option("--proxy <port>", "put HAProxy (deploy/haproxy.cfg) in front, listening on this port: players use it alone, process N advertises <public host>:<port>/pN", int("--proxy", 1, 65535))
  .option("--rolling-restart", "restart the processes of the cluster already running on --port one at a time, then exit")
  .parse();

const options = program.opts<{ processes: number; port: number; publicHost: string; redis: string; drainSeconds: number; proxy?: number; rollingRestart?: boolean }>();

/** The pm2 home of each cluster is tickforge-pm2-<port>-<random> under the temp folder. */
const HOME_PREFIX = `tickforge-pm2-${options.port}-`;
const PM2 = join(ROOT, "node_modules/.bin/pm2");
/** How long a restarted process may take to answer /health (ms), beyond its drain. */
const STARTUP_MS = 60_000;
const PROXY_CONFIG = "deploy/haproxy.cfg";
/** The address the proxy's connections to the processes come from (P<n>_ADDR are on loopback). */
const PROXY_SOURCE = "127.0.0.1";
/** In the pm2 home, while the cluster runs: the HAProxy's pid. */
const PROXY_PID_FILE = "haproxy.pid";

if (options.rollingRestart) process.exit(await rollingRestart());

const proxy = options.proxy === undefined ? undefined : proxySettings(options.proxy);
await assertRedisReachable(options.redis);

// Build the browser client once, not once per process.
const build = spawnSync(process.execPath, ["game-client/build.ts", "--if-stale"], { cwd: ROOT, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);

// Every process must verify every other's guest tokens: one secret for all of them.
const authSecret = process.env.AUTH_SECRET || randomBytes(48).toString("base64url");
if (!process.env.AUTH_SECRET) console.warn("AUTH_SECRET is unset: the cluster shares a secret generated for this run; players' tokens die with it.");

const apps = Array.from({ length: options.processes }, (_, i) => {
  const port = options.port + i;
  return {
    name: `tickforge-${i + 1}`,
    script: SERVER_ENTRY,
    interpreter: process.execPath, // Node 22 from node_modules, whatever `node` is on PATH
    node_args: [...SERVER_NODE_FLAGS],
    cwd: ROOT,
    exec_mode: "fork",
    autorestart: true,
    // pm2 sends SIGINT, then SIGKILL after this: leave room for the whole bounded drain.
    kill_timeout: options.drainSeconds * 1000 + HARD_DEADLINE_GRACE_MS + 1000,
    env: {
      ...process.env,
      ...serverEnv(),
      PORT: String(port),
      PUBLIC_ADDRESS: proxy ? `${options.publicHost}:${proxy.port}/p${i + 1}` : `${options.publicHost}:${port}`,
      // Behind the proxy every connection comes from it: the per-address limits read X-Forwarded-For instead.
      ...(proxy ? { TRUSTED_PROXIES: PROXY_SOURCE } : {}),
      REDIS_URL: options.redis,
      DRAIN_SECONDS: String(options.drainSeconds),
      AUTH_SECRET: authSecret,
    },
  };
});

// A private pm2 home per run: two clusters (or a test and a developer) never share pm2's sockets. Removed on exit.
const home = mkdtempSync(join(tmpdir(), HOME_PREFIX));
const ecosystem = join(home, "ecosystem.json");
writeFileSync(ecosystem, JSON.stringify({ apps }, null, 2));

console.log(`Tickforge cluster: ${options.processes} processes on ports ${options.port}-${options.port + options.processes - 1}, Redis ${options.redis}`);
if (proxy) {
  console.log(`Players: http://${options.publicHost}:${proxy.port}   (HAProxy, deploy/haproxy.cfg; process N is ${options.publicHost}:${proxy.port}/pN)`);
  console.log(`Metrics (the proxy refuses /metrics): http://127.0.0.1:${options.port}/metrics/targets lists every process`);
} else {
  console.log(`Players: http://${options.publicHost}:${options.port}`);
}
console.log("Ctrl-C drains and stops every process" + (proxy ? ", then the proxy" : ""));
console.log(`Deploy: npm run cluster -- --rolling-restart --port ${options.port}   (restarts them one at a time)`);

// pm2 and the proxy run in process groups of their own, and get only the signals this launcher passes on:
// Ctrl-C reaching pm2 from the terminal as well would be a second signal, which ends the drain at once.
const pm2 = spawn(join(ROOT, "node_modules/.bin/pm2-runtime"), ["start", ecosystem, "--raw"], {
  cwd: ROOT,
  env: { ...process.env, PM2_HOME: home },
  stdio: "inherit",
  detached: true,
});
let stopping = false;
let exitCode: number | undefined;
// The proxy is stopped only once the processes have exited: players keep their sockets through the drain.
const haproxy = proxy && spawn(proxy.binary, ["-db", "-f", PROXY_CONFIG], { cwd: ROOT, env: proxy.env, stdio: ["ignore", "inherit", "inherit"], detached: true });
if (haproxy) {
  // Whoever must clean up after a launcher killed outright (a spec) finds the proxy here.
  writeFileSync(join(home, PROXY_PID_FILE), String(haproxy.pid));
  haproxy.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`HAProxy exited (${code ?? signal}) while the cluster ran: is port ${proxy!.port} taken? Stopping the processes.`);
    exitCode = 1;
    pm2.kill("SIGINT");
  });
  process.once("exit", () => { if (haproxy.exitCode === null) haproxy.kill("SIGKILL"); });
}
// A second Ctrl-C is passed on as well: pm2 signals the processes again, and they exit without waiting out the drain.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => pm2.kill(signal));
}
// The terminal closed: drain and stop, as for Ctrl-C, rather than leave the cluster running without its launcher.
process.on("SIGHUP", () => pm2.kill("SIGINT"));
process.once("exit", () => { if (pm2.exitCode === null && pm2.signalCode === null) pm2.kill("SIGINT"); });
pm2.on("exit", async (code, signal) => {
  stopping = true;
  if (haproxy && haproxy.exitCode === null && haproxy.signalCode === null) {
    const exited = new Promise((resolve) => haproxy.once("exit", resolve));
    haproxy.kill("SIGTERM");
    await exited;
  }
  rmSync(home, { recursive: true, force: true });
  process.exit(exitCode ?? code ?? (signal ? 1 : 0));
});

/**
 * What --proxy needs, checked before anything starts: HAProxy installed,
 * enough pN backends in deploy/haproxy.cfg for --processes, and the file
 * valid with this cluster's addresses. Exits with what to do otherwise.
 */
function proxySettings(port: number): { port: number; binary: string; env: NodeJS.ProcessEnv } {
  const refuse = (message: string): never => {
    console.error(message);
    process.exit(1);
  };
  const binary = findHaproxy();
  if (!binary) refuse("--proxy runs HAProxy, which is not installed (not on PATH, nor in /usr/sbin or /usr/local/sbin). On Debian/Ubuntu: apt-get install -y haproxy");
  const routed = [...readFileSync(join(ROOT, PROXY_CONFIG), "utf8").matchAll(/^backend p(\d+)$/gm)].length;
  if (options.processes > routed) {
    refuse(`${PROXY_CONFIG} routes at most ${routed} processes (backends p1 to p${routed}); run --processes ${routed} or fewer, or add a pN route, server line and backend to it (docs/scaling.md, "Many machines").`);
  }
  if (port >= options.port && port < options.port + options.processes) {
    refuse(`--proxy ${port} is one of the processes' ports (${options.port}-${options.port + options.processes - 1}); give the proxy a port of its own.`);
  }
  const env: NodeJS.ProcessEnv = { ...process.env, LB_BIND: `:${port}` };
  for (let i = 1; i <= routed; i++) {
    if (i <= options.processes) env[`P${i}_ADDR`] = `127.0.0.1:${options.port + i - 1}`;
    else delete env[`P${i}_ADDR`];
  }
  const check = spawnSync(binary!, ["-c", "-f", PROXY_CONFIG], { cwd: ROOT, env, encoding: "utf8" });
  if (check.status !== 0) refuse(`HAProxy refuses ${PROXY_CONFIG} with this cluster's addresses:\n${check.stderr}${check.stdout}`);
  return { port, binary: binary!, env };
}

/** HAProxy on PATH, or where Debian and source builds put it (/usr/sbin is not on every user's PATH). */
function findHaproxy(): string | undefined {
  const onPath = spawnSync("sh", ["-c", "command -v haproxy"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  return ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"].find((path) => existsSync(path));
}

/**
 * Restart every process of the running cluster in turn through its pm2
 * (`pm2 restart` sends SIGINT, waits for the drain, starts the new one), and
 * go on to the next only once the new one answers /health with 200: there
 * is always every process but one taking players. Durable rooms leave the
 * draining process at once and are restored on the others (docs/scaling.md).
 */
async function rollingRestart(): Promise<number> {
  const home = readdirSync(tmpdir()).filter((name) => name.startsWith(HOME_PREFIX)).map((name) => join(tmpdir(), name))
    .find((dir) => existsSync(join(dir, "pm2.pid")) && isAlive(Number(readFileSync(join(dir, "pm2.pid"), "utf8"))));
  if (!home) {
    console.error(`No cluster runs on port ${options.port} (no live pm2 home ${join(tmpdir(), HOME_PREFIX)}*). Start one with npm run cluster -- --port ${options.port}.`);
    return 1;
  }
  const env = { ...process.env, PM2_HOME: home };
  const list = spawnSync(PM2, ["jlist"], { env, encoding: "utf8" });
  const apps = (JSON.parse(list.stdout || "[]") as { name: string; pm2_env: { env?: { PORT?: string } } }[])
    .map((app) => ({ name: app.name, port: Number(app.pm2_env.env?.PORT) }))
    .sort((a, b) => a.port - b.port);
  for (const app of apps) {
    const started = Date.now();
    console.log(`${app.name} (port ${app.port}): draining and restarting…`);
    const restart = spawnSync(PM2, ["restart", app.name], { env, stdio: "ignore" });
    if (restart.status !== 0) {
      console.error(`pm2 could not restart ${app.name} (exit ${restart.status}); stopping the rolling restart with the others untouched.`);
      return 1;
    }
    if (!(await answersHealth(app.port, STARTUP_MS))) {
      console.error(`${app.name} did not answer http://127.0.0.1:${app.port}/health within ${STARTUP_MS / 1000} s of its restart; stopping the rolling restart with the others untouched.`);
      return 1;
    }
    console.log(`${app.name}: back in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  console.log(`Rolling restart done: ${apps.length} processes.`);
  return 0;
}


async function answersHealth(port: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function assertRedisReachable(url: string) {
  const { hostname, port } = new URL(url);
  await new Promise<void>((resolve) => {
    const socket = createConnection({ host: hostname || "127.0.0.1", port: Number(port || 6379) });
    socket.setTimeout(2000);
    const fail = () => {
      socket.destroy();
      console.error(`Cannot reach Redis at ${url}. Start one (redis-server --daemonize yes) or pass --redis redis://host:port.`);
      process.exit(1);
    };
    socket.once("connect", () => { socket.end(); resolve(); });
    socket.once("error", fail);
    socket.once("timeout", fail);
  });
}

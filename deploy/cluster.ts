/**
 * `npm run cluster -- --processes 3`: N game processes on this machine sharing
 * Redis, run and restarted by pm2 (pm2-runtime, in the foreground; Ctrl-C
 * drains them all). `npm run cluster -- --rolling-restart`, from another
 * terminal, restarts them one at a time (a deploy): each drains, its durable
 * rooms move to the others, and the next waits until its replacement answers.
 *
 * Players use one entry point, process 1 at http://localhost:<port>: it serves
 * the client and matchmaking. Each process listens on its own port
 * (<port>, <port>+1, …) and advertises it as PUBLIC_ADDRESS, so a player
 * matched into a room on process 3 opens its socket straight to process 3.
 * For one address in front of everything, put deploy/haproxy.cfg before them
 * (docs/scaling.md).
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
  .description("Run N Tickforge processes against Redis under pm2, with process 1 as the players' entry point.")
  .option("-n, --processes <n>", "how many game processes", int("--processes", 1, 64), 3)
  .option("-p, --port <port>", "port of process 1; process k listens on port + k - 1", int("--port", 1, 65535 - 64), 2567)
  .option("--public-host <host>", "host name players use to reach this machine", "localhost")
  .option("--redis <url>", "Redis shared by the processes", process.env.REDIS_URL || "redis://127.0.0.1:6379")
  .option("--drain-seconds <s>", "DRAIN_SECONDS for each process", int("--drain-seconds", 0, 3600), Number(process.env.DRAIN_SECONDS ?? 20))
  .option("--rolling-restart", "restart the processes of the cluster already running on --port one at a time, then exit")
  .parse();

const options = program.opts<{ processes: number; port: number; publicHost: string; redis: string; drainSeconds: number; rollingRestart?: boolean }>();

/** The pm2 home of each cluster is tickforge-pm2-<port>-<random> under the temp folder. */
const HOME_PREFIX = `tickforge-pm2-${options.port}-`;
const PM2 = join(ROOT, "node_modules/.bin/pm2");
/** How long a restarted process may take to answer /health (ms), beyond its drain. */
const STARTUP_MS = 60_000;

if (options.rollingRestart) process.exit(await rollingRestart());

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
      PUBLIC_ADDRESS: `${options.publicHost}:${port}`,
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
console.log(`Players: http://${options.publicHost}:${options.port}   (Ctrl-C drains and stops every process)`);
console.log(`Deploy: npm run cluster -- --rolling-restart --port ${options.port}   (restarts them one at a time)`);

const pm2 = spawn(join(ROOT, "node_modules/.bin/pm2-runtime"), ["start", ecosystem, "--raw"], {
  cwd: ROOT,
  env: { ...process.env, PM2_HOME: home },
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => pm2.kill(signal));
}
pm2.on("exit", (code, signal) => {
  rmSync(home, { recursive: true, force: true });
  process.exit(code ?? (signal ? 1 : 0));
});

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

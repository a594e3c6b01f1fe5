/**
 * The real entry point as a child process, with the runtime settings every
 * launcher uses (server/launch.ts), ready once its JSON log line says
 * "Tickforge listening".
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SERVER_ENTRY, serverArgv, serverEnv } from "../server/launch.ts";

export const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A free TCP port on loopback (the OS picks it; the caller binds it right after). */
/** Whether a process with this pid is running (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** ADMIN_TOKEN of the servers tools start: the operator token that /health's details need. */
export const TOOL_ADMIN_TOKEN = "tickforge-tool-operator-token";

/** AUTH_SECRET of the processes tests and tools start (they all share it, as a deployment's processes do). */
export const TEST_AUTH_SECRET = "tickforge-test-secret-shared-by-every-process";

export interface ToolRun { code: number | null; stdout: string; stderr: string }

/** Run one of the repository's command-line tools as a user would: its own Node process, output collected. */
export function runTool(script: string, args: string[]): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

export interface LogLine { msg: string; level: number; [key: string]: unknown }

export interface GameProcess {
  name: string;
  port: number;
  /** Where players (and this test) reach its HTTP and matchmaking. */
  endpoint: string;
  processId: string;
  pid: number;
  logs: LogLine[];
  /** Resolve with the first log line (past or future) matching `predicate`. */
  waitForLog(predicate: (line: LogLine) => boolean, timeoutMs?: number, what?: string): Promise<LogLine>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
}

const processes = new Set<{ kill(signal: NodeJS.Signals): unknown }>();

/** Have killAll() stop this child too (a test's private redis-server, say). */
export function killWithAll(child: { kill(signal: NodeJS.Signals): unknown }): void {
  processes.add(child);
}

/** SIGKILL everything this file started; for afterAll. */
export function killAll(): void {
  for (const p of processes) p.kill("SIGKILL");
  processes.clear();
}

export interface ProcessOptions {
  name: string;
  /** With it, the process uses Redis and advertises PUBLIC_ADDRESS=127.0.0.1:<port>; without, it runs alone. */
  redisUrl?: string;
  env?: Record<string, string>;
  /** Defaults to a free port; PUBLIC_ADDRESS defaults to 127.0.0.1:<port>. */
  port?: number;
  /**
   * "settings" (the default) passes the runtime settings up front, as the
   * bench and pm2 do; "plain" is `node main.ts` typed by hand, which
   * relaunches itself to get them.
   */
  launch?: "settings" | "plain";
}

/**
 * A Store of the process's own unless the caller names a DATA_DIR (a restart spec sharing one, say): durable rooms
 * left in the repository's data/ by one run would otherwise be restored into the next. Removed when the process exits.
 */
function ownDataDir(env: Record<string, string> | undefined, child: () => ChildProcess): Record<string, string> {
  if (env?.DATA_DIR || process.env.DATA_DIR) return {};
  const dir = mkdtempSync(join(tmpdir(), "tickforge-data-"));
  queueMicrotask(() => child().once("exit", () => rmSync(dir, { recursive: true, force: true })));
  return { DATA_DIR: dir };
}

export async function startProcess(options: ProcessOptions): Promise<GameProcess> {
  const port = options.port ?? await freePort();
  const plain = options.launch === "plain";
  let spawned: ChildProcess | undefined;
  const dataDir = ownDataDir(options.env, () => spawned!);
  const child = spawned = spawn(process.execPath, plain ? [SERVER_ENTRY] : serverArgv(), {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      ...dataDir,
      ...(plain ? {} : serverEnv(options.env ?? {})),
      PORT: String(port),
      HOST: "127.0.0.1",
      ...(options.redisUrl ? { REDIS_URL: options.redisUrl, PUBLIC_ADDRESS: `127.0.0.1:${port}` } : {}),
      LOG_LEVEL: "info",
      // One secret for every process a test starts, as a deployment has: a token from one is good on all.
      AUTH_SECRET: TEST_AUTH_SECRET,
      // Every test client comes from 127.0.0.1 (see tools/server.ts); test/edge/ turns the limits back on.
      UNLIMITED_ADDRESSES: "127.0.0.1",
      ...options.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  processes.add(child);

  const logs: LogLine[] = [];
  const waiters = new Set<(line: LogLine) => void>();
  let buffered = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    buffered += chunk.toString();
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const text = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      let line: LogLine;
      try { line = JSON.parse(text); } catch { continue; }
      logs.push(line);
      for (const waiter of waiters) waiter(line);
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once("exit", (code, signal) => { processes.delete(child); resolve({ code, signal, at: Date.now() }); });
  });

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000, what = "a log line") =>
    new Promise<LogLine>((resolve, reject) => {
      const past = logs.find(predicate);
      if (past) return resolve(past);
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`${options.name}: timed out after ${timeoutMs} ms waiting for ${what}. stderr:\n${stderr}`));
      }, timeoutMs);
      const check = (line: LogLine) => {
        if (!predicate(line)) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(line);
      };
      waiters.add(check);
      void exited.then(({ code, signal }) => {
        if (!waiters.has(check)) return;
        clearTimeout(timer);
        waiters.delete(check);
        reject(new Error(`${options.name} exited (${code ?? signal}) while waiting for ${what}. stderr:\n${stderr}`));
      });
    });

  const ready = await waitForLog((l) => l.msg.startsWith("Tickforge listening"), 30_000, "Tickforge listening (LOG_LEVEL must be info or lower)")
    .catch((error: unknown) => { child.kill("SIGKILL"); throw error; });
  return {
    name: options.name,
    port,
    endpoint: `http://127.0.0.1:${port}`,
    processId: String(ready.processId),
    pid: child.pid!,
    logs,
    waitForLog,
    kill: (signal) => child.kill(signal),
    exited,
  };
}


export interface ToolServer {
  child: ChildProcess;
  port: number;
  endpoint: string;
}

/**
 * A server for a measuring tool (the bench, the probes, the client
 * measurement): the runtime settings, loopback, warn-level logs, its stderr
 * shown unless the tool reads it. Wait for it with waitForHealth().
 */
export async function spawnServer(options: {
  port?: number;
  /** The checkout to run it from (a worktree of another commit, say); default: this one. */
  root?: string;
  /** Run it under `taskset -c <cpus>`, pinned as the bench pins it. */
  cpus?: string;
  /** Node flags before the server's own: an inspector, --expose-gc. */
  nodeFlags?: string[];
  stderr?: "inherit" | "pipe";
  /** Extra settings for the server (COMPRESSION_THRESHOLD_BYTES, say). */
  env?: Record<string, string>;
} = {}): Promise<ToolServer> {
  const port = options.port ?? await freePort();
  const node = [process.execPath, ...serverArgv(...(options.nodeFlags ?? []))];
  const [command, ...args] = options.cpus ? ["taskset", "-c", options.cpus, ...node] : node;
  let spawned: ChildProcess | undefined;
  const dataDir = ownDataDir(options.env, () => spawned!);
  const child = spawned = spawn(command, args, {
    cwd: options.root ?? ROOT,
    env: { AUTH_SECRET: TEST_AUTH_SECRET, UNLIMITED_ADDRESSES: "127.0.0.1", ...process.env, ...serverEnv(), ...dataDir, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "warn", ADMIN_TOKEN: TOOL_ADMIN_TOKEN, ...options.env },
    stdio: ["ignore", "ignore", options.stderr ?? "inherit"],
  });
  return { child, port, endpoint: `http://127.0.0.1:${port}` };
}

/** SIGTERM (the graceful shutdown), then SIGKILL if it has not exited within 5 s. */
export function stopServer(server: ToolServer): Promise<void> {
  const { child } = server;
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill("SIGKILL"), 5000);
    child.once("exit", () => { clearTimeout(kill); resolve(); });
    child.kill("SIGTERM");
  });
}

/** Resolve once the server answers /health; reject if it exits first, or kill it and reject after `timeoutMs`. */
export async function waitForHealth(server: ToolServer, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null) throw new Error(`The server exited (code ${server.child.exitCode}) before answering /health.`);
    try {
      if ((await fetch(`${server.endpoint}/health`)).ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  server.child.kill("SIGKILL");
  throw new Error(`The server on ${server.endpoint} did not answer /health within ${timeoutMs / 1000} s.`);
}

/**
 * Real processes against real Redis, for the scaling specs and the join benchmark.
 *
 * Every test file gets its own redis-server on a free port: Colyseus's pub/sub
 * channels are global to a Redis server (DB numbers do not separate them), so a
 * shared one would mix these processes with other runs'. Each game process is
 * `node server/main.ts`, exactly what the Procfile runs, and reports readiness
 * through its JSON log line "Tickforge listening".
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { Client, type Room } from "@colyseus/sdk";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** A free TCP port on loopback (the OS picks it; the caller binds it right after). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function hasBinary(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`]).status === 0;
}

// ---------------------------------------------------------------- Redis

export interface TestRedis {
  url: string;
  port: number;
  /** Stop the server (SIGTERM, no save) and wait for it to exit. */
  stop(): Promise<void>;
  /** Start it again on the same port, empty, as a crashed Redis without persistence comes back. */
  start(): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  if (!hasBinary("redis-server")) {
    throw new Error(
      "The scaling tests start private Redis servers and need the redis-server binary: apt-get install -y redis-server " +
      "(a shared Redis would mix these processes' pub/sub channels with other runs').",
    );
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    await waitForOutput(child, /Ready to accept connections/, 10_000, "redis-server to start");
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    await exited;
  };
  await start();
  processes.add({ kill: (signal) => child?.kill(signal) });
  return { url: `redis://127.0.0.1:${port}`, port, stop, start };
}

function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = "";
    const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Output:\n${seen}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => { clearTimeout(timer); reject(new Error(`${what} failed: exited with ${code}. Output:\n${seen}`)); });
  });
}

// ---------------------------------------------------------------- game processes

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

/** SIGKILL everything this file started; for afterAll. */
export function killAll(): void {
  for (const p of processes) p.kill("SIGKILL");
  processes.clear();
}

export interface ProcessOptions {
  name: string;
  redisUrl: string;
  env?: Record<string, string>;
  /** Defaults to a free port; PUBLIC_ADDRESS defaults to 127.0.0.1:<port>. */
  port?: number;
}

export async function startProcess(options: ProcessOptions): Promise<GameProcess> {
  const port = options.port ?? await freePort();
  const child = spawn(process.execPath, ["server/main.ts"], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      HOST: "127.0.0.1",
      REDIS_URL: options.redisUrl,
      PUBLIC_ADDRESS: `127.0.0.1:${port}`,
      LOG_LEVEL: "info",
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

/** Start several processes at once against one Redis. */
export function startProcesses(count: number, redisUrl: string, env: Record<string, string> = {}): Promise<GameProcess[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => startProcess({ name: `p${i + 1}`, redisUrl, env })));
}

/** Resolve once every process has published a load report, so placement sees them all. */
export async function waitForPeers(processes: { processId: string }[], redisPort: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const wanted = processes.map((p) => p.processId);
  for (;;) {
    const fields = await redisCommand(redisPort, ["HKEYS", "tickforge:load"]) as string[];
    if (wanted.every((id) => fields.includes(id))) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for load reports from ${wanted.join(", ")}; have ${fields.join(", ")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolve once `processId`'s published load (tickforge:load, refreshed every second) satisfies `predicate`. */
export async function waitForReportedLoad(
  redisPort: number, processId: string, predicate: (load: { ccu: number; rooms: number }) => boolean, timeoutMs = 10_000,
): Promise<void> {
  await eventually(async () => {
    const raw = await redisCommand(redisPort, ["HGET", "tickforge:load", processId]) as string | null;
    if (!raw || !predicate(JSON.parse(raw))) throw new Error(`load of ${processId} is ${raw}`);
  }, timeoutMs, `the load report of ${processId}`);
}

// ---------------------------------------------------------------- matchmaking

export interface Reservation {
  name: string;
  roomId: string;
  processId: string;
  sessionId: string;
  publicAddress?: string;
}

export class MatchmakingError extends Error {
  status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** Ask one process's matchmaker for a seat, as the SDK does, and return the reservation itself. */
export async function reserve(endpoint: string, method: string, roomName: string, options: object = {}): Promise<Reservation> {
  const response = await fetch(`${endpoint}/matchmake/${method}/${roomName}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(options),
  });
  const body = await response.json().catch(() => ({})) as Reservation & { error?: string };
  if (!response.ok || body.error) throw new MatchmakingError(response.status, body.error ?? `HTTP ${response.status}`);
  return body;
}

export interface Seat { room: Room<any>; reservation: Reservation }

/** Matchmake through `endpoint`, then connect where the reservation says (the room's process). */
export async function joinThrough(endpoint: string, method: string, roomName: string, options: object = {}): Promise<Seat> {
  const reservation = await reserve(endpoint, method, roomName, options);
  const room = await new Client(endpoint).consumeSeatReservation(reservation as any);
  return { room, reservation };
}

/** Retry `attempt` until it resolves; fail with the last error after `timeoutMs`. */
export async function eventually<T>(attempt: () => Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      return await attempt();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`Timed out after ${timeoutMs} ms: ${what}. Last error: ${(last as Error)?.message ?? last}`);
}

/** Resolve with the payload of the next room message of `type`. */
export function nextMessage<T = any>(room: Room<any>, type: string, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for room message "${type}"`)), timeoutMs);
    const unsubscribe = room.onMessage(type, (payload: T) => {
      clearTimeout(timer);
      unsubscribe?.();
      resolve(payload);
    });
  });
}

/** One RESP command over a raw socket: enough to peek at Redis without another client library. */
export function redisCommand(port: number, args: string[]): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let data = "";
    socket.setTimeout(5000, () => { socket.destroy(); reject(new Error("redis command timed out")); });
    socket.on("error", reject);
    socket.connect(port, "127.0.0.1", () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`);
    });
    socket.on("data", (chunk) => {
      data += chunk.toString();
      const parsed = parseResp(data);
      if (parsed === undefined) return;
      socket.end();
      resolve(parsed);
    });
  });
}

function parseResp(text: string): unknown {
  const lines = text.split("\r\n");
  const head = lines[0];
  if (head.startsWith("+") || head.startsWith(":")) return head.slice(1);
  if (head.startsWith("-")) return new Error(head.slice(1));
  if (head.startsWith("$")) return head === "$-1" ? null : lines.length > 2 ? lines[1] : undefined;
  if (head.startsWith("*")) {
    const count = Number(head.slice(1));
    const items: string[] = [];
    for (let i = 1; i < lines.length && items.length < count; i += 2) {
      if (lines[i + 1] === undefined) return undefined;
      items.push(lines[i + 1]);
    }
    return items.length === count ? items : undefined;
  }
  return undefined;
}

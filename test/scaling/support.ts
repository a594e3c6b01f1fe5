/**
 * Real processes against real Redis, for the scaling specs and the join benchmark.
 *
 * Every test file gets its own redis-server on a free port: Colyseus's pub/sub
 * channels are global to a Redis server (DB numbers do not separate them), so a
 * shared one would mix these processes with other runs'. Each game process is
 * main.ts with the runtime settings (server/launch.ts), and reports readiness
 * through its JSON log line "Tickforge listening".
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { Socket } from "node:net";
import { Client, type Room } from "@colyseus/sdk";

export { freePort, killAll, ROOT, startProcess, type GameProcess, type LogLine, type ProcessOptions } from "../../tools/process.ts";
import { freePort, killWithAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { guestToken } from "../../tools/identity.ts";

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
  killWithAll({ kill: (signal) => child?.kill(signal) });
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

/** Ask one process's matchmaker for a seat, as the SDK does (signed in as a guest), and return the reservation itself. */
export async function reserve(endpoint: string, method: string, roomName: string, options: object = {}, token?: string): Promise<Reservation> {
  token ??= await guestToken(endpoint);
  const response = await fetch(`${endpoint}/matchmake/${method}/${roomName}`, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify(options),
  });
  const body = await response.json().catch(() => ({})) as Reservation & { error?: string };
  if (!response.ok || body.error) throw new MatchmakingError(response.status, body.error ?? `HTTP ${response.status}`);
  return body;
}

export interface Seat { room: Room<any>; reservation: Reservation; /** The player's identity token, for resuming its seat through another process. */ token: string }

/** Matchmake through `endpoint` as a new guest, then connect where the reservation says (the room's process). */
export async function joinThrough(endpoint: string, method: string, roomName: string, options: object = {}): Promise<Seat> {
  const token = await guestToken(endpoint);
  const reservation = await reserve(endpoint, method, roomName, options, token);
  const client = new Client(endpoint);
  client.auth.token = token; // its reconnections prove the same identity
  const room = await client.consumeSeatReservation(reservation as any);
  room.onMessage("*", () => undefined); // broadcasts a spec does not wait for (nextMessage listens by type)
  return { room, reservation, token };
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

/** A chat socket for `token` in a channel whose room lives on `process` (placement decides; channels `<prefix>-<n>` are tried until one lands there). */
export async function chatSocketOn(process: GameProcess, token: string, prefix: string): Promise<Room> {
  for (let i = 0; i < 20; i++) {
    const reservation = await reserve(process.endpoint, "joinOrCreate", "chat", { channel: `${prefix}-${i}` }, token);
    if (reservation.processId !== process.processId) continue;
    const client = new Client(process.endpoint);
    client.auth.token = token;
    const room = await client.consumeSeatReservation(reservation as any);
    room.onMessage("*", () => undefined);
    return room;
  }
  throw new Error(`no chat room landed on ${process.name}`);
}

/** The user id a guest token names (its `sub`). */
export function userIdOf(token: string): string {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub as string;
}

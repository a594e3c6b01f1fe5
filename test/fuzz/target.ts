/**
 * What the protocol fuzzer and the protocol-error specs play against: a real
 * server process (the production entry, default logging), a victim who plays
 * in the attacked room through the SDK, and attackers who take seats through
 * matchmaking like anyone else and then write raw frames on their socket.
 */
import { fork, spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { Client, type Room } from "@colyseus/sdk";
import { WebSocket } from "ws";
import { Protocol, PROTOCOL_CODE_MASK } from "@colyseus/shared-types";
import { mover, seededRng } from "../../rooms/arena/bots.ts";
import { ArenaInput } from "../../rooms/arena/state.ts";
import { serverArgv, serverEnv } from "../../server/launch.ts";
import { IdentityRequestError, requestGuestToken } from "../../shared/guest-api.ts";
import { freePort, ROOT, TEST_AUTH_SECRET } from "../../tools/process.ts";

export interface Target {
  endpoint: string;
  pid: number;
  /** Bytes the process has written to stdout and stderr (its log) so far. */
  logBytes(): number;
  /** Resident set size now, from /proc. */
  rssBytes(): number;
  /** Set once the process has exited. */
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** The last few KB of its output, for a report. */
  tail(): string;
  stop(): Promise<void>;
}

/**
 * Start the server as `npm start` runs it, at LOG_LEVEL=info, on a free port;
 * from `root`, another checkout (an older commit, a build on stock packages),
 * when given. Every attacker and victim comes from 127.0.0.1, so that address
 * is exempt from the per-address limits, as for the other tools; the fuzzer
 * measures the frame decoders, not the edge (test/edge/ and `npm run attack` do).
 */
export async function startTarget(env: Record<string, string> = {}, root = ROOT): Promise<Target> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, serverArgv(), {
    cwd: root,
    env: { PATH: process.env.PATH, ...serverEnv(), PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "info", AUTH_SECRET: TEST_AUTH_SECRET, UNLIMITED_ADDRESSES: "127.0.0.1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let bytes = 0;
  let tail = "";
  const listening = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      tail = (tail + chunk.toString()).slice(-4096);
      if (tail.includes("Tickforge listening")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code, signal) => reject(new Error(`The server exited (${code ?? signal}) before listening:\n${tail}`)));
  });
  const target: Target = {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    logBytes: () => bytes,
    rssBytes: () => {
      const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"))?.[1];
      return Number(kb) * 1024;
    },
    exit: undefined,
    tail: () => tail,
    stop: async () => {
      if (target.exit) return;
      const exited = once(child, "exit");
      child.kill("SIGKILL");
      await exited;
    },
  };
  // However the run ends (a failed test, ^C), the server goes with it: a hung one would spin on.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", (code, signal) => { target.exit = { code, signal }; process.removeListener("exit", killOnExit); });
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  try {
    await listening;
  } finally {
    clearTimeout(deadline);
  }
  return target;
}

/** GET /health; resolves with its latency in ms, or rejects when it does not answer OK within `boundMs`. */
export async function health(target: Target, boundMs: number): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${target.endpoint}/health`, { signal: AbortSignal.timeout(boundMs) });
  await response.body?.cancel();
  if (!response.ok) throw new Error(`/health answered ${response.status}`);
  return performance.now() - started;
}

/** A player in the attacked room, moving every step, counting the patches it receives per second. */
export interface Victim {
  room: Room;
  roomId: string;
  /** Patches received so far. */
  patches(): number;
  /** Patch counts of each whole second since `markFrom()` (or since joining), by this process's clock: what the victim received. */
  perSecond(): number[];
  /**
   * Patch counts of each whole second of the room's clock (each patch is
   * stamped with it) since `markFrom()`: what the server sent. Where this
   * stays at 20 and perSecond() dips, the dip is this process falling behind,
   * not the server.
   */
  perServerSecond(): number[];
  /** Start the per-second record afresh. */
  markFrom(): void;
  leave(): Promise<void>;
}

/**
 * A guest token from the target, as every player signs in; undefined from a
 * server without the identity routes (an older checkout given as `root`).
 */
export async function signIn(endpoint: string, name: string): Promise<string | undefined> {
  try {
    return (await requestGuestToken(endpoint, name)).token;
  } catch (error) {
    if (error instanceof IdentityRequestError && error.code === 404) return undefined;
    throw error;
  }
}

/** A victim in the fuzzer's own process; spawnVictim() puts it in one of its own. */
export async function joinVictim(target: Pick<Target, "endpoint">, roomId?: string): Promise<Victim> {
  const client = new Client(target.endpoint);
  const token = await signIn(target.endpoint, "Victim");
  if (token) client.auth.token = token;
  const room = roomId ? await client.joinById(roomId, { name: "Victim" }) : await client.create("arena", { name: "Victim" });
  room.reconnection.enabled = false;
  room.onMessage("*", () => undefined); // the attackers' chat and the like: not the victim's concern
  const input = room.input({ type: ArenaInput });
  if (!input.stepMs) throw new Error("The arena advertised no fixed step in its join.");
  const player = mover(input as never, room, seededRng(1));
  const stepper = setInterval(() => player.step(), input.stepMs); // the step the room advertised in the join
  let patches = 0;
  let seconds: number[] = [];
  let secondStartedAt = performance.now();
  let inSecond = 0;
  // Every patch the server sends a room with inputs carries its clock: [code|TIMED][uint32 ms since room start]…
  const byServerSecond = new Map<number, number>();
  let serverSecondsFrom = 0;
  (room.connection.transport as unknown as { ws: globalThis.WebSocket }).ws.addEventListener("message", (event: { data: unknown }) => {
    const bytes = new Uint8Array(event.data as ArrayBuffer);
    if ((bytes[0] & PROTOCOL_CODE_MASK) !== Protocol.ROOM_STATE_PATCH || bytes.length < 5) return;
    const second = Math.floor(new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0, true) / 1000);
    byServerSecond.set(second, (byServerSecond.get(second) ?? 0) + 1);
  });
  room.onStateChange(() => {
    patches++;
    const now = performance.now();
    while (now - secondStartedAt >= 1000) {
      seconds.push(inSecond);
      inSecond = 0;
      secondStartedAt += 1000;
    }
    inSecond++;
  });
  return {
    room,
    roomId: room.roomId,
    patches: () => patches,
    perSecond: () => {
      // Whole seconds with no patch at all count too: a stalled victim receives nothing to close them.
      const now = performance.now();
      const closed = [...seconds];
      let at = secondStartedAt, pending = inSecond;
      while (now - at >= 1000) { closed.push(pending); pending = 0; at += 1000; }
      return closed;
    },
    perServerSecond: () => {
      // Whole seconds only: the first and the current one are partial.
      const keys = [...byServerSecond.keys()].filter((k) => k > serverSecondsFrom);
      if (keys.length < 2) return [];
      const last = Math.max(...keys);
      const out: number[] = [];
      for (let k = Math.min(...keys); k < last; k++) out.push(byServerSecond.get(k) ?? 0);
      return out;
    },
    markFrom: () => {
      seconds = []; inSecond = 0; secondStartedAt = performance.now();
      serverSecondsFrom = Math.max(-1, ...byServerSecond.keys()) - 1; // keep the current second, which is still filling
      for (const k of [...byServerSecond.keys()]) if (k <= serverSecondsFrom) byServerSecond.delete(k);
    },
    leave: async () => {
      clearInterval(stepper);
      // A server that stopped answering never confirms the leave.
      const gaveUp = new Promise((resolve) => setTimeout(resolve, 2000).unref());
      await Promise.race([room.leave().catch(() => undefined), gaveUp]);
    },
  };
}

export interface Closed { code: number; reason: string }

const PING_FRAME = new Uint8Array([Protocol.PING]);

/** A seat taken through matchmaking, held on a bare socket that writes whatever it is given. */
export interface Attacker {
  sessionId: string;
  /** Resolves when the socket closes (by either side). */
  closed: Promise<Closed>;
  isOpen(): boolean;
  send(frame: Uint8Array): void;
  /**
   * Write each frame followed by a PING, all at once; resolve with how many
   * frames were read with the socket kept open (PONGs back, in order) once
   * all are answered, the socket closes, or `timeoutMs` passes.
   */
  sendWindow(frames: Uint8Array[], timeoutMs: number): Promise<number>;
  /** Leave as the SDK does (a LEAVE frame, then the close). */
  leave(): void;
  /** Cut the connection without a close frame. */
  hangUp(): void;
  /** Close with `code` (or none) at once, as a hostile client answers the server's close with a code of its choosing. */
  closeWith(code?: number): void;
  /** Stop reading the socket (frames can still be written): the server's close frame is never answered. */
  stopReading(): void;
}

/** Take a seat in `roomId` as a signed-in guest (HTTP matchmaking, then the WebSocket) and acknowledge the join as the SDK does; reject after `timeoutMs`. */
export async function joinAttacker(target: Target, roomId: string, timeoutMs = 10_000): Promise<Attacker> {
  const token = await signIn(target.endpoint, "Attacker");
  const response = await fetch(`${target.endpoint}/matchmake/joinById/${roomId}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ name: "Attacker" }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const seat = await response.json() as { sessionId?: string; processId?: string; roomId?: string; error?: string; code?: number };
  if (!seat.sessionId) throw new Error(`No seat in room ${roomId}: ${seat.error ?? JSON.stringify(seat)} (${seat.code ?? response.status})`);
  const url = `${target.endpoint.replace("http", "ws")}/${seat.processId}/${roomId}?sessionId=${seat.sessionId}`;
  const socket = new WebSocket(url, { maxPayload: 1 << 20 });
  const closed = new Promise<Closed>((resolve) => {
    socket.once("close", (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  socket.on("error", () => undefined); // a refused or reset socket is reported through "close"
  let pongs = 0;
  let onPong: (() => void) | undefined;
  const joined = new Promise<void>((resolve, reject) => {
    socket.on("message", (data: Buffer) => {
      if (data[0] === Protocol.JOIN_ROOM) {
        socket.send(new Uint8Array([Protocol.JOIN_ROOM]));
        resolve();
      } else if (data[0] === Protocol.PING) {
        pongs++;
        onPong?.();
      }
    });
    void closed.then(({ code, reason }) => reject(new Error(`closed (${code} ${reason}) before the join`)));
  });
  const timer = setTimeout(() => socket.terminate(), timeoutMs); // a server that stopped answering never sends the join
  await joined.finally(() => clearTimeout(timer));
  return {
    sessionId: seat.sessionId,
    closed,
    isOpen: () => socket.readyState === WebSocket.OPEN,
    send: (frame) => { if (socket.readyState === WebSocket.OPEN) socket.send(frame); },
    sendWindow: (frames, timeoutMs) => new Promise<number>((resolve) => {
      if (socket.readyState !== WebSocket.OPEN) return resolve(0);
      // A frame that is itself a PING is answered too: the PONGs owed after frame i.
      const owed: number[] = [];
      let total = 0;
      for (const frame of frames) {
        total += (frame.length === 1 && frame[0] === Protocol.PING ? 1 : 0) + 1;
        owed.push(total);
      }
      const base = pongs;
      const readSoFar = () => {
        let read = 0;
        while (read < owed.length && pongs - base >= owed[read]) read++;
        return read;
      };
      const finish = () => { clearTimeout(timer); onPong = undefined; resolve(readSoFar()); };
      const timer = setTimeout(finish, timeoutMs);
      onPong = () => { if (pongs - base >= total) finish(); };
      void closed.then(finish);
      for (const frame of frames) {
        socket.send(frame);
        socket.send(PING_FRAME);
      }
    }),
    leave: () => {
      if (socket.readyState === WebSocket.OPEN) socket.send(new Uint8Array([Protocol.LEAVE_ROOM]));
    },
    hangUp: () => socket.terminate(),
    closeWith: (code) => socket.close(code),
    stopReading: () => (socket as unknown as { _socket: { pause(): void } })._socket.pause(),
  };
}

/** What the victim process measured since the last mark (test/fuzz/victim.ts). */
export interface VictimCounts { patches: number; perSecond: number[]; perServerSecond: number[] }

export interface RemoteVictim {
  roomId: string;
  counts(): Promise<VictimCounts>;
  markFrom(): void;
  leave(): Promise<void>;
}

/** A victim in a process of its own (test/fuzz/victim.ts), so that the attackers' load on this one does not stall its play or its clock. */
export async function spawnVictim(target: Target, roomId?: string): Promise<RemoteVictim> {
  const child = fork(new URL("./victim.ts", import.meta.url), [target.endpoint, roomId ?? ""], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  const joined = await new Promise<string>((resolve, reject) => {
    child.once("message", (message: { roomId: string }) => resolve(message.roomId));
    child.once("exit", (code) => reject(new Error(`The victim process exited (${code}) before joining.`)));
  });
  return {
    roomId: joined,
    counts: () => new Promise<VictimCounts>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("The victim process did not answer within 10 s.")), 10_000);
      child.once("message", (counts: VictimCounts) => { clearTimeout(timer); resolve(counts); });
      child.send("report");
    }),
    markFrom: () => { child.send("mark"); },
    leave: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.send("leave");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

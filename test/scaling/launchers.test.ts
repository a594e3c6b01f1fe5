/**
 * How processes get started: the Procfile's web line, as a platform runs it,
 * and `npm run cluster`, N processes under pm2 with one entry point (process 1,
 * or HAProxy in front of them all), and its rolling restart.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HARD_DEADLINE_GRACE_MS } from "../../server/ops/shutdown.ts";
import { waitForState } from "../../tools/wait.ts";
import { Client, type Room } from "@colyseus/sdk";
import { followSeat, resumeSeat, type Following } from "../../shared/resume.ts";
import { guestToken } from "../../tools/identity.ts";
import { runTool } from "../../tools/process.ts";
import { eventually, freePort, joinThrough, killAll, reserve, ROOT, startRedis, waitForPeers, type Seat } from "./support.ts";

const started: ChildProcess[] = [];
const clusterPorts: number[] = [];
const seats: Seat[] = [];

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  // The launcher (npm and node) is a process group of its own; pm2, its processes and the proxy are found below.
  for (const child of started) if (child.exitCode === null) { try { process.kill(-child.pid!, "SIGKILL"); } catch { /* gone */ } }
  killAll();
  // A launcher killed before it cleaned up leaves its pm2 home behind, and pm2, its processes and the proxy (each in a
  // process group of its own) running: the home has their pids.
  for (const port of clusterPorts) {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith(`tickforge-pm2-${port}-`)) continue;
      const home = join(tmpdir(), name);
      const pidFiles = ["pm2.pid", "haproxy.pid", ...(existsSync(join(home, "pids")) ? readdirSync(join(home, "pids")).map((f) => join("pids", f)) : [])];
      for (const file of pidFiles.map((f) => join(home, f)).filter((f) => existsSync(f))) {
        try { process.kill(Number(readFileSync(file, "utf8")), "SIGKILL"); } catch { /* gone */ }
      }
      rmSync(home, { recursive: true, force: true });
    }
  }
});

/** The cluster's operator token: /health's details (the process id) need it. */
const ADMIN_TOKEN = "launchers-spec-operator-token";

async function health(port: number): Promise<{ status: string; processId: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/health`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json() as Promise<{ status: string; processId: string }>;
}

/**
 * Two consecutive free ports, for a cluster of two, taken below the kernel's ephemeral range:
 * there no other spec's `freePort()` (port 0) can be handed the second port while pm2 starts.
 */
async function freePortPair(): Promise<number> {
  for (;;) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 5_000);
    if (await isFree(port) && await isFree(port + 1)) return port;
  }
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

describe("the Procfile", () => {
  it("runs the web process the way a Procfile platform does: its command in a shell, PORT from the environment", async () => {
    const web = /^web:\s*(.+)$/m.exec(readFileSync(join(ROOT, "Procfile"), "utf8"))?.[1];
    expect(web, "Procfile has a web line").toBeDefined();
    const port = await freePort();
    // Heroku-style platforms run `bash -c "<command>"` and send SIGTERM to it.
    const child = spawn("bash", ["-c", web!], { cwd: ROOT, env: { PATH: process.env.PATH, PORT: String(port), LOG_LEVEL: "warn" }, stdio: "ignore", detached: true });
    started.push(child);
    const answer = await eventually(() => health(port), 20_000, "the web process to answer /health");
    expect(answer.status).toBe("ok");
    process.kill(-child.pid!, "SIGTERM");
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });
});

/** `npm run cluster` with two processes from `port` on `redisUrl`, in a process group of its own (as from a terminal), cleaned up after the file. */
function launchCluster(port: number, redisUrl: string, args: string[]): ChildProcess {
  clusterPorts.push(port);
  const launcher = spawn("npm", ["run", "cluster", "--", "--processes", "2", "--port", String(port), "--redis", redisUrl, ...args], {
    cwd: ROOT, env: { ...process.env, LOG_LEVEL: "warn", ADMIN_TOKEN }, stdio: "ignore", detached: true,
  });
  started.push(launcher);
  return launcher;
}

describe("npm run cluster", () => {
  it("runs two processes under pm2 that share matchmaking through one entry point, and stops them on Ctrl-C", async () => {
    const redis = await startRedis();
    const port = await freePortPair();
    const launcher = launchCluster(port, redis.url, ["--drain-seconds", "1"]);

    const [first, second] = await Promise.all([
      eventually(() => health(port), 45_000, "process 1 to answer"),
      eventually(() => health(port + 1), 45_000, "process 2 to answer"),
    ]);
    expect(first.processId).not.toBe(second.processId);
    await waitForPeers([first, second], redis.port);

    // Every player goes through process 1; rooms still spread over both processes.
    const entry = `http://127.0.0.1:${port}`;
    const hosts = new Set<string>();
    for (let i = 0; hosts.size < 2 && i < 20; i++) {
      const s = await joinThrough(entry, "create", "arena", { mode: "duel" });
      seats.push(s);
      hosts.add(s.reservation.processId);
      await waitForState(s.room, (state) => state.players?.has(s.room.sessionId), 10_000, "the player in its room");
    }
    expect(hosts).toEqual(new Set([first.processId, second.processId]));

    process.kill(-launcher.pid!, "SIGINT"); // what Ctrl-C sends to the terminal's process group
    // Both drain (1 s with players in them) and exit: nothing answers on their ports any more.
    await eventually(async () => {
      for (const p of [port, port + 1]) {
        const answered = await fetch(`http://127.0.0.1:${p}/health`).then(() => true, () => false);
        if (answered) throw new Error(`port ${p} still answers`);
      }
    }, 1000 + HARD_DEADLINE_GRACE_MS, "every process to exit");
    if (launcher.exitCode === null) await once(launcher, "exit");
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`tickforge-pm2-${port}-`))).toEqual([]);
  }, 90_000);
});

describe("npm run cluster -- --rolling-restart", () => {
  it("restarts every process in turn, and the players of each durable room resume their seats on the processes left", async () => {
    const redis = await startRedis();
    const port = await freePortPair();
    const launcher = launchCluster(port, redis.url, ["--drain-seconds", "5"]);
    const before = await Promise.all([port, port + 1].map((p) => eventually(() => health(p), 30_000, `port ${p} to answer`)));
    await waitForPeers(before, redis.port);

    // One arena on each process, one player in each, who resume by themselves when their room moves.
    const entry = `http://127.0.0.1:${port}`;
    const players: { room: Room<any>; resumed: Promise<Room<any>>; seat: Omit<Seat, "room"> }[] = [];
    const hosts = new Set<string>();
    for (let i = 0; hosts.size < 2 && i < 20; i++) {
      const token = await guestToken(entry, `Player ${i}`);
      const reservation = await reserve(entry, "create", "arena", { mode: "duel" }, token);
      const client = new Client(entry);
      client.auth.token = token; // its resume proves the same identity
      const room = await client.consumeSeatReservation<any>(reservation as never);
      room.reconnection.enabled = false; // resumeSeat asks matchmaking where the room went
      await waitForState(room, (state) => state.players?.has(room.sessionId), 10_000, "the player in its room");
      const resumed = new Promise<Room<any>>((resolve, reject) => {
        room.onLeave(() => resumeSeat(client, room.reconnectionToken).then(resolve, reject));
      });
      resumed.catch(() => undefined); // awaited below; a spec that fails earlier must not leave it unhandled
      hosts.add(reservation.processId);
      players.push({ room, resumed, seat: { reservation, token } });
    }
    expect(hosts.size).toBe(2);

    const restart = await runTool(join(ROOT, "deploy/cluster.ts"), ["--rolling-restart", "--port", String(port)]);
    expect(restart.code, restart.stdout + restart.stderr).toBe(0);
    expect(restart.stdout).toContain("Rolling restart done: 2 processes.");
    const after = await Promise.all([port, port + 1].map((p) => health(p)));
    expect(after.map((a) => a.processId).filter((id) => before.some((b) => b.processId === id))).toEqual([]);

    for (const { room, resumed, seat } of players) {
      const back = await resumed;
      expect(back.roomId).toBe(room.roomId);
      expect(back.sessionId).toBe(room.sessionId);
      await waitForState(back, (state) => state.players?.get(back.sessionId)?.connected, 10_000, "the player back in play");
      seats.push({ room: back, ...seat });
    }
  }, 150_000);
});

describe("npm run cluster -- --proxy", () => {
  it("refuses more processes than deploy/haproxy.cfg routes, saying how many it routes", async () => {
    const routed = [...readFileSync(join(ROOT, "deploy/haproxy.cfg"), "utf8").matchAll(/^backend p\d+$/gm)].length;
    const run = await runTool(join(ROOT, "deploy/cluster.ts"), ["--processes", String(routed + 1), "--proxy", String(await freePort())]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`deploy/haproxy.cfg routes at most ${routed} processes`);
  });

  describe("a cluster of two behind HAProxy", () => {
    let launcher: ChildProcess;
    let port: number;
    let proxyPort: number;

    beforeAll(async () => {
      const redis = await startRedis();
      port = await freePortPair();
      proxyPort = await freePort();
      launcher = launchCluster(port, redis.url, ["--proxy", String(proxyPort), "--public-host", "127.0.0.1", "--drain-seconds", "1"]);
      const processes = await Promise.all([port, port + 1].map((p) => eventually(() => health(p), 45_000, `port ${p} to answer`)));
      await waitForPeers(processes, redis.port);
      await eventually(() => health(proxyPort), 15_000, "the proxy to answer /health");
    });

    it("keeps a durable arena player's session id and seat through a rolling restart, every request and socket through the proxy", async () => {
      const proxy = `http://127.0.0.1:${proxyPort}`;
      const token = await guestToken(proxy, "Pat");
      const reservation = await reserve(proxy, "create", "arena", { mode: "duel" }, token);
      expect(reservation.publicAddress).toMatch(new RegExp(`^127\\.0\\.0\\.1:${proxyPort}/p[12]$`));
      const client = new Client(proxy);
      client.auth.token = token; // its resumes prove the same identity
      const first = await client.consumeSeatReservation<any>(reservation as never);
      first.onMessage("*", () => undefined);
      const seat = await waitForState(first, (state) => state.players?.get(first.sessionId), 10_000, "the player in its room");
      const before = { name: seat.name, color: seat.color };

      // The player follows its seat as the page does: each drain moves its room, and it resumes through the proxy.
      const rooms = [first];
      const lost: Error[] = [];
      let following: Following;
      const follow = (room: Room<any>) => {
        following = followSeat(client, room, {
          onResumed: (next) => { next.onMessage("*", () => undefined); rooms.push(next); follow(next); },
          onLost: (error) => lost.push(error),
        });
      };
      follow(first);

      const restart = await runTool(join(ROOT, "deploy/cluster.ts"), ["--rolling-restart", "--port", String(port)]);
      expect(restart.code, restart.stdout + restart.stderr).toBe(0);
      expect(restart.stdout).toContain("Rolling restart done: 2 processes.");

      // Both processes are new: the room moved at least once, and its last move is over once the player is back in play.
      const back = await eventually(async () => {
        const room = rooms.at(-1)!;
        if (lost.length) throw new Error(`seat lost: ${lost[0].message}`);
        if (room === first || !room.connection.isOpen || !room.state.players?.get(room.sessionId)?.connected) throw new Error("not back in play yet");
        return room;
      }, 30_000, "the player back in play after the restart");
      expect(lost).toEqual([]);
      expect(rooms.map((r) => r.roomId)).toEqual(rooms.map(() => first.roomId));
      expect(rooms.map((r) => r.sessionId)).toEqual(rooms.map(() => first.sessionId));
      const mine = back.state.players.get(back.sessionId);
      expect({ name: mine.name, color: mine.color }).toEqual(before);

      following!.stop();
      await back.leave();
    }, 90_000);

    it("stops the processes and the proxy on Ctrl-C", async () => {
      process.kill(-launcher.pid!, "SIGINT"); // what Ctrl-C sends to the terminal's process group
      await eventually(async () => {
        for (const p of [port, port + 1, proxyPort]) {
          const answered = await fetch(`http://127.0.0.1:${p}/health`).then(() => true, () => false);
          if (answered) throw new Error(`port ${p} still answers`);
        }
      }, 1000 + HARD_DEADLINE_GRACE_MS + 5000, "every process and the proxy to exit");
      if (launcher.exitCode === null) await once(launcher, "exit");
      expect(readdirSync(tmpdir()).filter((name) => name.startsWith(`tickforge-pm2-${port}-`))).toEqual([]);
    }, 30_000);
  });
});

/**
 * deploy/haproxy.cfg, run as is: three processes behind one public address.
 * Players only ever talk to the proxy; it routes each room socket to the
 * process holding the room by the path prefix that process advertises.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Protocol } from "@colyseus/core";
import WebSocket from "ws";
import { waitForState } from "../../tools/wait.ts";
import { httpsJson, selfSignedCertificate, type SelfSigned } from "../../tools/tls.ts";
import {
  eventually, freePort, hasBinary, joinThrough, killAll, ROOT, startProcess, startRedis, waitForPeers,
  type GameProcess, type Seat,
} from "./support.ts";

const CONFIG = "deploy/haproxy.cfg";
let lbPort: number;
let tlsPort: number;
let tls: SelfSigned;
let lb: ChildProcess | undefined;
let lbEnv: Record<string, string>;
let cluster: GameProcess[];
const seats: Seat[] = [];

async function seat(method: string, options: object = {}) {
  const s = await joinThrough(`http://127.0.0.1:${lbPort}`, method, "arena", options);
  seats.push(s);
  return s;
}

beforeAll(async () => {
  if (!hasBinary("haproxy")) {
    throw new Error("This test runs deploy/haproxy.cfg with Debian's HAProxy, which is not installed: apt-get install -y haproxy");
  }
  const redis = await startRedis();
  lbPort = await freePort();
  tlsPort = await freePort();
  tls = selfSignedCertificate();
  const ports = [await freePort(), await freePort(), await freePort()];
  cluster = await Promise.all(ports.map((port, i) => startProcess({
    name: `p${i + 1}`,
    redisUrl: redis.url,
    port,
    env: { PUBLIC_ADDRESS: `127.0.0.1:${lbPort}/p${i + 1}`, TRUSTED_PROXIES: "127.0.0.1" },
  })));
  await waitForPeers(cluster, redis.port);

  lbEnv = {
    PATH: process.env.PATH ?? "",
    LB_BIND: `127.0.0.1:${lbPort}`,
    LB_TLS_BIND: `127.0.0.1:${tlsPort}`,
    LB_TLS_CERT: tls.pemPath,
    P1_ADDR: `127.0.0.1:${ports[0]}`,
    P2_ADDR: `127.0.0.1:${ports[1]}`,
    P3_ADDR: `127.0.0.1:${ports[2]}`,
  };
  lb = spawn("haproxy", ["-db", "-f", CONFIG], { cwd: ROOT, env: lbEnv, stdio: ["ignore", "ignore", "pipe"] });
  let lbErrors = "";
  lb.stderr!.on("data", (chunk: Buffer) => { lbErrors += chunk.toString(); });
  lb.once("exit", (code) => { if (code) console.error(`haproxy exited with ${code}:\n${lbErrors}`); });
  // Ready once the proxy answers and has seen every process healthy.
  await eventually(async () => {
    for (let i = 0; i < cluster.length; i++) {
      const health = await (await fetch(`http://127.0.0.1:${lbPort}/health`)).json() as { status: string };
      if (health.status !== "ok") throw new Error(`proxy answered ${JSON.stringify(health)}`);
    }
  }, 15_000, "HAProxy to serve /health");
});

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  lb?.kill("SIGKILL");
  killAll();
});

describe("HAProxy in front of three processes", () => {
  it("terminates TLS: sign-in, matchmaking and the room socket over https and wss, routed to the room's process", async () => {
    const base = `https://127.0.0.1:${tlsPort}`;
    const guest = await httpsJson(`${base}/auth/guest`, tls.cert, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Secure"}' });
    expect(guest.status).toBe(201);
    const seat = await httpsJson(`${base}/matchmake/create/arena`, tls.cert, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${guest.body.token}` }, body: '{"mode":"duel"}',
    });
    expect(seat.status).toBe(200);
    // The process advertises the proxy's plain address; a page on https uses the same host and path over wss.
    const prefix = /\/p\d$/.exec(seat.body.publicAddress)![0];
    const ws = new WebSocket(`wss://127.0.0.1:${tlsPort}${prefix}/${seat.body.processId}/${seat.body.roomId}?sessionId=${seat.body.sessionId}`, { ca: tls.cert });
    const first = await new Promise<Buffer>((resolve, reject) => { ws.once("message", resolve); ws.once("error", reject); });
    expect(first[0]).toBe(Protocol.JOIN_ROOM);
    ws.terminate();
  });

  it("accepts the configuration in deploy/haproxy.cfg", () => {
    const check = spawnSync("haproxy", ["-c", "-f", CONFIG], { cwd: ROOT, env: lbEnv, encoding: "utf8" });
    expect(check.status, check.stderr + check.stdout).toBe(0);
  });

  it("refuses /metrics to players, at the root and under each process's route", async () => {
    for (const path of ["/metrics", "/metrics/targets", "/p1/metrics", "/p2/metrics/targets"]) {
      const answer = await fetch(`http://127.0.0.1:${lbPort}${path}`);
      await answer.arrayBuffer();
      expect(answer.status, path).toBe(404);
    }
  });

  it("seats players who all ask the proxy for the same options in one room, whichever process answered", async () => {
    const players: Seat[] = [];
    // Round-robin spreads these requests over all three processes.
    for (let i = 0; i < 4; i++) players.push(await seat("joinOrCreate", { mode: "ffa" }));
    expect(new Set(players.map((p) => p.reservation.roomId)).size).toBe(1);
    await waitForState(players[3].room, (state) => state.players?.size === 4, 10_000, "all four players in the room");
  });

  it("routes each room's socket to the process that holds it, by the path prefix in its public address", async () => {
    const rooms: Seat[] = [];
    const hosts = () => new Set(rooms.map((s) => s.reservation.processId));
    for (let i = 0; hosts().size < cluster.length && i < 40; i++) rooms.push(await seat("create", { mode: "duel" }));
    expect(hosts().size).toBe(cluster.length);

    for (const room of rooms) {
      const index = cluster.findIndex((p) => p.processId === room.reservation.processId);
      expect(room.reservation.publicAddress).toBe(`127.0.0.1:${lbPort}/p${index + 1}`);
      // Connected through the proxy to the right process: the room's state includes this player.
      await waitForState(room.room, (state) => state.players?.has(room.room.sessionId), 10_000, "the player in its room");
    }
  });
});

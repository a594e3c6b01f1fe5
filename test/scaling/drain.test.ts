/**
 * SIGTERM: a bounded drain. The process takes no new rooms, warns its players,
 * lets them play for DRAIN_SECONDS, then saves each durable room and closes
 * its players with ROOM_MOVING, and exits; a survivor restores the room and
 * its players resume their seats there. When the room cannot be saved (Redis
 * is down), its players are closed with 4001 and find a new game instead.
 */
import { Client } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CloseCode } from "../../shared/protocol.ts";
import { resumeSeat } from "../../shared/resume.ts";
import { nextSignal } from "../../tools/wait.ts";
import { HARD_DEADLINE_GRACE_MS } from "../../server/ops/shutdown.ts";
import {
  joinThrough, killAll, nextMessage, redisCommand, startProcess, startProcesses, startRedis, waitForPeers,
  type GameProcess, type Seat,
} from "./support.ts";

const DRAIN_SECONDS = 2;
const seats: Seat[] = [];
let draining: GameProcess;
let survivor: GameProcess;
let redisPort: number;

async function seat(endpoint: string, method: string, options: object = {}) {
  const s = await joinThrough(endpoint, method, "arena", options);
  seats.push(s);
  return s;
}

beforeAll(async () => {
  const redis = await startRedis();
  redisPort = redis.port;
  const cluster = await startProcesses(2, redis.url, { DRAIN_SECONDS: String(DRAIN_SECONDS) });
  await waitForPeers(cluster, redis.port);
  [draining, survivor] = cluster;
});

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

describe("graceful shutdown on SIGTERM", () => {
  it("warns players, moves their room within the drain bound, exits, and they resume their seats on the survivor", async () => {
    const player = await seat(draining.endpoint, "create", { mode: "ffa" });
    expect(player.reservation.processId).toBe(draining.processId);
    // The survivor is busier (two rooms to one): without the drain, the next room would go to the draining process.
    await seat(survivor.endpoint, "create", { mode: "duel" });
    await seat(survivor.endpoint, "create", { mode: "duel" });

    const warned = nextMessage<{ reason: string; disconnectInMs: number }>(player.room, "shutdown");
    const left = nextSignal<[number, string?]>(player.room.onLeave, 20_000, "the player to be moved on");
    const sigtermAt = Date.now();
    draining.kill("SIGTERM");

    const warning = await warned;
    expect(warning.disconnectInMs).toBe(DRAIN_SECONDS * 1000);
    expect(warning.reason).toMatch(/restarting/);

    // While it drains, the other process's matchmaking places new rooms at home.
    await draining.waitForLog((l) => l.msg.startsWith("draining"), 5000, "the drain to start");
    const newcomer = await seat(survivor.endpoint, "create", { mode: "ffa" });
    expect(newcomer.reservation.processId).toBe(survivor.processId);

    const [code] = await left;
    const leftAfterMs = Date.now() - sigtermAt;
    expect(code).toBe(CloseCode.ROOM_MOVING);
    // The room kept playing through the drain, and no longer than it plus the hard deadline's grace.
    expect(leftAfterMs).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 100);
    expect(leftAfterMs).toBeLessThan(DRAIN_SECONDS * 1000 + HARD_DEADLINE_GRACE_MS);

    const exit = await draining.exited;
    expect(exit.code).toBe(0);
    expect(exit.at - sigtermAt).toBeLessThan(DRAIN_SECONDS * 1000 + HARD_DEADLINE_GRACE_MS);

    // What a client does on ROOM_MOVING: resume its seat, here through the survivor, which restored the room.
    const rescue = new Client(survivor.endpoint);
    rescue.auth.token = player.token;
    const resumed = await resumeSeat(rescue, player.room.reconnectionToken);
    expect([resumed.roomId, resumed.sessionId]).toEqual([player.room.roomId, player.room.sessionId]);
    // The drain's lock was the draining process's: the restored room takes new players.
    const listing = JSON.parse(await redisCommand(redisPort, ["HGET", "roomcaches", resumed.roomId]) as string);
    expect(listing).toMatchObject({ processId: survivor.processId, locked: false });
    await resumed.leave();
  });
});

describe("graceful shutdown while Redis is down", () => {
  it("still warns players, closes them with 4001 after the drain, and exits within the bound", async () => {
    const redis = await startRedis();
    const lonely = await startProcess({ name: "lonely", redisUrl: redis.url, env: { DRAIN_SECONDS: String(DRAIN_SECONDS) } });
    const player = await seat(lonely.endpoint, "create", { mode: "ffa" });
    await redis.stop();
    await lonely.waitForLog((l) => l.msg.startsWith("Redis unreachable"), 10_000, "the process to notice Redis is gone");

    const warned = nextMessage<{ disconnectInMs: number }>(player.room, "shutdown");
    const left = nextSignal<[number, string?]>(player.room.onLeave, 20_000, "the player to be moved on");
    const sigtermAt = Date.now();
    lonely.kill("SIGTERM");

    expect((await warned).disconnectInMs).toBe(DRAIN_SECONDS * 1000);
    const [code] = await left;
    expect(code).toBe(4001);
    expect(Date.now() - sigtermAt).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000 - 100);
    const exit = await lonely.exited;
    expect(exit.at - sigtermAt).toBeLessThan(DRAIN_SECONDS * 1000 + HARD_DEADLINE_GRACE_MS);
  });
});

/**
 * Faults: a process killed outright, and Redis going away and coming back.
 * Each scenario gets its own Redis and processes, so one cannot heal the other.
 */
import { MatchmakingErrorCode } from "../../shared/protocol.ts";
import { afterEach, describe, expect, it } from "vitest";
import type { Room } from "@colyseus/sdk";
import { waitForState } from "../../tools/wait.ts";
import {
  eventually, joinThrough, killAll, MatchmakingError, redisCommand, reserve, startProcesses, startRedis, waitForPeers,
  type Seat,
} from "./support.ts";

const seats: Seat[] = [];
const timers: NodeJS.Timeout[] = [];

afterEach(async () => {
  for (const timer of timers.splice(0)) clearInterval(timer);
  // A room whose process died has no one to say goodbye to: leave() would wait forever.
  await Promise.allSettled(seats.splice(0).filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

async function seat(endpoint: string, method: string, options: object = {}) {
  const s = await joinThrough(endpoint, method, "arena", options);
  seats.push(s);
  return s;
}

/** Keep a player walking right, one input per 33 ms step, as the browser client does. */
function walkRight(room: Room<any>) {
  timers.push(setInterval(() => {
    const input = room.input() as { data: { moveX: number }; send(): void };
    input.data.moveX = 1;
    input.send();
  }, 33));
}

async function listedProcesses(redisPort: number): Promise<Set<string>> {
  const flat = await redisCommand(redisPort, ["HVALS", "roomcaches"]) as string[];
  return new Set(flat.map((json) => JSON.parse(json).processId as string));
}

describe("a process killed with SIGKILL", () => {
  it("leaves matchmaking within seconds, and new joins land on the survivors within 5 s", async () => {
    const redis = await startRedis();
    const cluster = await startProcesses(3, redis.url);
    await waitForPeers(cluster, redis.port);
    const [victim, ...survivors] = cluster;
    // Ties keep a new room local: the victim hosts this one.
    const doomed = await seat(victim.endpoint, "create", { mode: "ffa" });
    expect(doomed.reservation.processId).toBe(victim.processId);

    const killedAt = Date.now();
    victim.kill("SIGKILL");
    // Same options as the dead room: a stale listing would send this join to a corpse.
    const rescued = await eventually(() => seat(survivors[0].endpoint, "joinOrCreate", { mode: "ffa" }), 5000, "a join on a survivor");
    const joinedAfterMs = Date.now() - killedAt;

    expect(survivors.map((p) => p.processId)).toContain(rescued.reservation.processId);
    expect(joinedAfterMs, `joined ${joinedAfterMs} ms after the SIGKILL`).toBeLessThan(5000);
    await eventually(async () => {
      if ((await listedProcesses(redis.port)).has(victim.processId)) throw new Error("the dead process's rooms are still listed");
    }, 5000, "the dead process's rooms to leave matchmaking");
  });
});

describe("Redis stopped and restarted", () => {
  it("keeps rooms ticking, refuses matchmaking with a clear error, and recovers when Redis returns", async () => {
    const redis = await startRedis();
    const cluster = await startProcesses(2, redis.url);
    await waitForPeers(cluster, redis.port);
    const [a, b] = cluster;
    const player = await seat(a.endpoint, "joinOrCreate", { mode: "ffa" });
    walkRight(player.room);
    const me = () => player.room.state.players?.get(player.room.sessionId);
    await waitForState(player.room, () => me() !== undefined, 10_000, "the player to appear");

    await redis.stop();
    await a.waitForLog((l) => l.msg.startsWith("Redis unreachable"), 10_000, "A to notice Redis is gone");

    // The room keeps simulating: the walking player still moves.
    const xWhenRedisWent = me()!.x;
    await waitForState(player.room, () => me()!.x > xWhenRedisWent + 20, 10_000, "the player to keep moving without Redis");

    // Matchmaking answers at once, and says why.
    const refusedAt = Date.now();
    const refusal = await reserve(b.endpoint, "joinOrCreate", "arena", { mode: "ffa" }).then(
      () => { throw new Error("matchmaking succeeded without Redis"); },
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(MatchmakingError);
    expect((refusal as MatchmakingError).status).toBe(MatchmakingErrorCode.UNAVAILABLE);
    expect((refusal as MatchmakingError).message).toMatch(/Redis .* unreachable.*Games in progress continue/);
    expect(Date.now() - refusedAt).toBeLessThan(2000);

    await redis.start();
    await a.waitForLog((l) => l.msg.startsWith("Redis is back"), 15_000, "A to reconnect to Redis");
    // The restarted Redis is empty; the running room is listed again, so a friend asking B lands in it.
    const friend = await eventually(() => seat(b.endpoint, "joinOrCreate", { mode: "ffa" }), 15_000, "matchmaking to recover");
    expect(friend.reservation.roomId).toBe(player.reservation.roomId);
  });
});

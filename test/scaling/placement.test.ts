/**
 * Placement: a new room goes to the process with the least load (players and
 * step time), not the fewest rooms; a process at MAX_ROOMS_PER_PROCESS takes
 * no new room; when every process is at its cap, matchmaking says so.
 */
import { MatchmakingErrorCode } from "../../shared/protocol.ts";
import { afterAll, describe, expect, it } from "vitest";
import {
  joinThrough, killAll, MatchmakingError, reserve, startProcesses, startRedis, waitForPeers, waitForReportedLoad,
  type Seat,
} from "./support.ts";

const seats: Seat[] = [];

async function seat(endpoint: string, method: string, options: object) {
  const s = await joinThrough(endpoint, method, "arena", options);
  seats.push(s);
  return s;
}

/** joinById takes the room id where the other methods take the room name. */
async function joinRoom(endpoint: string, roomId: string) {
  const s = await joinThrough(endpoint, "joinById", roomId);
  seats.push(s);
  return s;
}

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

describe("placement by load", () => {
  it("opens a new room on the process with fewer players even when it hosts more rooms", async () => {
    const redis = await startRedis();
    // A low CCU cap makes players the dominant term: six of twenty is far above the few ms of step time these rooms cost.
    const [a, b] = await startProcesses(2, redis.url, { MAX_CCU_PER_PROCESS: "20" });
    await waitForPeers([a, b], redis.port);

    // A: one room, six players.
    const crowded = await seat(a.endpoint, "create", { mode: "ffa" });
    expect(crowded.reservation.processId).toBe(a.processId);
    for (let i = 0; i < 5; i++) await joinRoom(a.endpoint, crowded.reservation.roomId);
    await waitForReportedLoad(redis.port, a.processId, (load) => load.ccu === 6);

    // B: two rooms, one player each.
    for (let i = 0; i < 2; i++) {
      const quiet = await seat(b.endpoint, "create", { mode: "duel" });
      expect(quiet.reservation.processId).toBe(b.processId);
    }
    await waitForReportedLoad(redis.port, b.processId, (load) => load.rooms === 2 && load.ccu === 2);

    // Asked of A, room count would keep it on A (1 room < 2); load sends it to B (2 players < 6).
    const next = await seat(a.endpoint, "create", { mode: "duel" });
    expect(next.reservation.processId).toBe(b.processId);
  });
});

describe("placement caps", () => {
  it("sends the next room to another process once one is at its room cap, and refuses when all are", async () => {
    const redis = await startRedis();
    const cluster = await startProcesses(2, redis.url, { MAX_ROOMS_PER_PROCESS: "1" });
    await waitForPeers(cluster, redis.port);
    const [a] = cluster;
    const first = await seat(a.endpoint, "create", { mode: "duel" });
    const second = await seat(a.endpoint, "create", { mode: "duel" });
    expect(second.reservation.processId).not.toBe(first.reservation.processId);

    const refusal = await reserve(a.endpoint, "create", "arena", { mode: "duel" }).then(
      () => { throw new Error("a third room was created past both caps"); },
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(MatchmakingError);
    expect((refusal as MatchmakingError).status).toBe(MatchmakingErrorCode.AT_CAPACITY);
    expect((refusal as MatchmakingError).message).toMatch(/MAX_ROOMS_PER_PROCESS=1/);
  });
});

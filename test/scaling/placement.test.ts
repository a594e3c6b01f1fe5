/**
 * Placement caps: a process at MAX_ROOMS_PER_PROCESS takes no new room, and
 * when every process is at its cap matchmaking says so instead of overloading one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  joinThrough, killAll, MatchmakingError, reserve, startProcesses, startRedis, waitForPeers,
  type GameProcess, type Seat,
} from "./support.ts";

let cluster: GameProcess[];
const seats: Seat[] = [];

beforeAll(async () => {
  const redis = await startRedis();
  cluster = await startProcesses(2, redis.url, { MAX_ROOMS_PER_PROCESS: "1" });
  await waitForPeers(cluster, redis.port);
});

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

describe("placement caps", () => {
  it("sends the next room to another process once one is at its room cap, and refuses when all are", async () => {
    const [a] = cluster;
    const first = await joinThrough(a.endpoint, "create", "arena", { mode: "duel" });
    seats.push(first);
    const second = await joinThrough(a.endpoint, "create", "arena", { mode: "duel" });
    seats.push(second);
    expect(second.reservation.processId).not.toBe(first.reservation.processId);

    const refusal = await reserve(a.endpoint, "create", "arena", { mode: "duel" }).then(
      () => { throw new Error("a third room was created past both caps"); },
      (error: unknown) => error,
    );
    expect(refusal).toBeInstanceOf(MatchmakingError);
    expect((refusal as MatchmakingError).status).toBe(503);
    expect((refusal as MatchmakingError).message).toMatch(/MAX_ROOMS_PER_PROCESS=1/);
  });
});

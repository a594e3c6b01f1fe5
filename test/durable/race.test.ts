/**
 * Two survivors race to restore the same room: both find its process dead
 * in the same beat (they were paused while it died and resumed together),
 * both try, and exactly one restores it; the room is listed once and its
 * player resumes there.
 */
import { Client } from "@colyseus/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { killAll, redisCommand, startProcess, startRedis, waitForPeers } from "../scaling/support.ts";

afterAll(() => killAll());

describe("two survivors restoring the same room", () => {
  it("restore it exactly once", async () => {
    const redis = await startRedis();
    const env = { RECONNECT_SECONDS: "30" };
    const victim = await startProcess({ name: "victim", redisUrl: redis.url, env });
    await waitForPeers([victim], redis.port);
    const alice = new GuestClient(victim.endpoint, "Alice");
    const room = await alice.create("arena", { name: "Alice" });
    room.reconnection.enabled = false;
    const survivors = await Promise.all([1, 2].map((i) => startProcess({ name: `survivor-${i}`, redisUrl: redis.url, env })));
    await waitForPeers([victim, ...survivors], redis.port);

    for (const survivor of survivors) survivor.kill("SIGSTOP");
    victim.kill("SIGKILL");
    await victim.exited;
    for (const survivor of survivors) survivor.kill("SIGCONT");

    const rescue = new Client(survivors[0].endpoint);
    rescue.auth.token = (await alice.identity).token;
    const resumed = await resumeSeat(rescue, room.reconnectionToken);
    expect(resumed.sessionId).toBe(room.sessionId);

    const attempts = survivors.map((p) => p.logs.find((l) => l.msg === "durable rooms restored")?.outcomes as Record<string, string> | undefined);
    console.info("restore attempts by survivor:", JSON.stringify(attempts));
    const outcomes = attempts.flatMap((a) => (a?.[room.roomId] ? [a[room.roomId]] : []));
    expect(outcomes.filter((o) => o === "restored")).toHaveLength(1);
    expect(outcomes.filter((o) => o !== "restored").every((o) => o === "taken")).toBe(true);
    const restoredBy = survivors.filter((p) => p.logs.some((l) => l.msg === "room restored" && l.roomId === room.roomId));
    expect(restoredBy).toHaveLength(1);
    const listings = (await redisCommand(redis.port, ["HVALS", "roomcaches"]) as string[]).map((json) => JSON.parse(json));
    expect(listings.filter((listing) => listing.roomId === room.roomId)).toHaveLength(1);
    await resumed.leave();
  }, 90_000);
});

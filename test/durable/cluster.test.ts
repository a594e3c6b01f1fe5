/**
 * Three processes on a private Redis: SIGKILL of the process holding
 * durable rooms. A survivor restores each room under its id, exactly one
 * survivor per room, and every player resumes its seat there by itself
 * (shared/resume.ts, asking matchmaking through a survivor) with the same
 * session id and state.
 */
import { Client, type Room } from "@colyseus/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { arena } from "../../rooms/arena/index.ts";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { killAll, startProcesses, startRedis, waitForPeers, type GameProcess } from "../scaling/support.ts";

afterAll(() => killAll());

/** A player: its client (matchmaking through `endpoint`), and the same identity's client on a survivor for the resume. */
async function player(endpoint: string, name: string) {
  const client = new GuestClient(endpoint, name);
  const { token } = await client.identity;
  return {
    client,
    /** A client for the same player that asks `survivor`'s matchmaking, as a load balancer would send it once its process is gone. */
    through(survivor: GameProcess) {
      const other = new Client(survivor.endpoint);
      other.auth.token = token;
      return other;
    },
  };
}

/** Walk right, then stand; resolves once the server processed every input and a patch after it arrived. */
async function walk(room: Room<any>, steps: number) {
  const input = room.input<any>();
  const before = room.state.players.get(room.sessionId).x;
  for (let i = 0; i < steps; i++) { input.data.moveX = 1; input.send(); }
  input.data.moveX = 0;
  for (let i = 0; i < 4; i++) input.send();
  await waitForState(room, (s) => input.pendingCount === 0 && s.players.get(room.sessionId).x > before, 10_000, "every input processed");
  await nextSignal(room.onStateChange, 10_000, "the patch after the last input");
  return { ...room.state.players.get(room.sessionId).toJSON() };
}

describe("durable rooms across processes", () => {
  it("resume on a survivor after SIGKILL of their process, restored by exactly one survivor, with the same session ids and state", async () => {
    const redis = await startRedis();
    const cluster = await startProcesses(3, redis.url, { RECONNECT_SECONDS: "30" });
    await waitForPeers(cluster, redis.port);
    const [victim, ...survivors] = cluster;

    const alice = await player(victim.endpoint, "Alice");
    const bob = await player(victim.endpoint, "Bob");
    // Ties keep a new room local: the victim hosts it.
    const a = await alice.client.create("arena", { name: "Alice" });
    const b = await bob.client.joinById(a.roomId, { name: "Bob" });
    for (const room of [a, b]) room.reconnection.enabled = false; // its socket's address dies with the process; resumeSeat asks matchmaking
    await waitForState(a, (s) => s.players.size === 2, 10_000, "both players");
    const aliceBefore = await walk(a, 20);
    const bobBefore = { ...b.state.players.get(b.sessionId).toJSON() };
    const lastSeenClock = a.clock.lastServerTime();

    victim.kill("SIGKILL");
    const [a2, b2] = await Promise.all([
      resumeSeat(alice.through(survivors[0]), a.reconnectionToken),
      resumeSeat(bob.through(survivors[1]), b.reconnectionToken),
    ]);

    expect([a2.roomId, b2.roomId]).toEqual([a.roomId, a.roomId]);
    expect([a2.sessionId, b2.sessionId]).toEqual([a.sessionId, b.sessionId]);
    const me = await waitForState(a2, (s) => s.players.get(a2.sessionId)?.connected && s.players.get(a2.sessionId), 10_000, "Alice back in play");
    expect({ ...me.toJSON(), connected: true }).toEqual({ ...aliceBefore, connected: true });
    const him = await waitForState(a2, (s) => s.players.get(b2.sessionId)?.connected && s.players.get(b2.sessionId), 10_000, "Bob back in play");
    expect({ ...him.toJSON() }).toEqual({ ...bobBefore });

    // Exactly one survivor restored the room; the game time lost is within one snapshot interval.
    const restoredBy = survivors.filter((p) => p.logs.some((l) => l.msg === "room restored" && l.roomId === a.roomId));
    expect(restoredBy).toHaveLength(1);
    const restored = restoredBy[0].logs.find((l) => l.msg === "room restored" && l.roomId === a.roomId)!;
    const lostMs = lastSeenClock - (restored.clockMs as number);
    console.info(`arena: game time lost ${lostMs.toFixed(0)} ms (snapshot every ${arena.durable!.snapshotMs} ms)`);
    expect(lostMs).toBeLessThanOrEqual(arena.durable!.snapshotMs);

    const moved = await walk(a2, 20);
    expect(moved.x).toBeGreaterThan(aliceBefore.x);
    await Promise.all([a2.leave(), b2.leave()]);
  }, 120_000);
});

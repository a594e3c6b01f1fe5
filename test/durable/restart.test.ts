/**
 * One machine, no Redis: a durable room outlives a SIGKILL of its process.
 * The process restarts on the same port and DATA_DIR, restores the rooms it
 * held under the same ids, and each player resumes its seat by itself
 * (shared/resume.ts) with the same session id, name and position.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Room } from "@colyseus/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { killAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { ArenaState } from "../../rooms/arena/state.ts";
import { storeIn, waitForSnapshot } from "./support.ts";

afterAll(() => killAll());

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-durable-"));
const env = { DATA_DIR: dataDir, RECONNECT_SECONDS: "30" };

/** Walk right for `steps` inputs, then stand; resolves with where the server has the player once it processed them all. */
async function walk(room: Room<any>, steps: number): Promise<{ x: number; y: number }> {
  const input = room.input<any>();
  const before = room.state.players.get(room.sessionId).x;
  for (let i = 0; i < steps; i++) { input.data.moveX = 1; input.data.moveY = 0; input.send(); }
  input.data.moveX = 0;
  for (let i = 0; i < 4; i++) input.send();
  await waitForState(room, (s) => input.pendingCount === 0 && s.players.get(room.sessionId).x > before, 10_000, "every input processed");
  await nextSignal(room.onStateChange, 10_000, "the patch after the last input");
  const me = room.state.players.get(room.sessionId);
  return { x: me.x, y: me.y };
}

describe("a durable room on one machine", () => {
  it("comes back after its process is killed and restarted, and its players resume with the same session id and state", async () => {
    let server: GameProcess = await startProcess({ name: "solo", env });
    const port = server.port;
    const alice = new GuestClient(server.endpoint, "Alice");
    const bob = new GuestClient(server.endpoint, "Bob");
    const a = await alice.create("arena", { name: "Alice" });
    const b = await bob.joinById(a.roomId, { name: "Bob" });
    for (const room of [a, b]) room.reconnection.enabled = false; // the SDK would retry the dead socket's address; resumeSeat asks matchmaking
    await waitForState(a, (s) => s.players.size === 2, 10_000, "both players");
    const aliceAt = await walk(a, 20);
    const round = a.state.round;
    const phaseEndsAt = a.state.phaseEndsAt;

    // The snapshot written after the walk ended holds her new position.
    const store = storeIn(dataDir);
    await waitForSnapshot(store, a.roomId, ArenaState, (state) => state.players.get(a.sessionId)?.x === aliceAt.x);
    await store.close();

    server.kill("SIGKILL");
    await server.exited;
    const resumed = Promise.all([a, b].map((room, i) => resumeSeat([alice, bob][i], room.reconnectionToken)));
    server = await startProcess({ name: "solo-again", env, port });

    const [a2, b2] = await resumed;
    expect(a2.roomId).toBe(a.roomId);
    expect([a2.sessionId, b2.sessionId]).toEqual([a.sessionId, b.sessionId]);
    const me = await waitForState(a2, (s) => s.players.get(a2.sessionId)?.connected && s.players.get(a2.sessionId), 10_000, "Alice back in play");
    expect(me.name).toBe("Alice");
    expect(me.x).toBe(aliceAt.x);
    expect(me.y).toBe(aliceAt.y);
    await waitForState(a2, (s) => s.players.get(b2.sessionId)?.connected, 10_000, "Bob back in play");
    expect(a2.state.round).toBe(round);
    expect(a2.state.phaseEndsAt).toBe(phaseEndsAt);

    // And plays on: her inputs move her again.
    const moved = await walk(a2, 20);
    expect(moved.x).toBeGreaterThan(aliceAt.x);
    await Promise.all([a2.leave(), b2.leave()]);
    server.kill("SIGTERM");
    await server.exited;
  }, 90_000);
});

/**
 * Players who resume their seats in a restored room count in the ccu of the
 * process that restored it (matchMaker.stats.local.ccu: placement's load and
 * `tickforge_ccu`), as players who joined there do, and leave it as they go.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { killAll, startProcess, TOOL_ADMIN_TOKEN, type GameProcess } from "../../tools/process.ts";
import { waitForState } from "../../tools/wait.ts";
import { eventually } from "../scaling/support.ts";

afterAll(() => killAll());

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-durable-ccu-"));
const env = { DATA_DIR: dataDir, RECONNECT_SECONDS: "30", ADMIN_TOKEN: TOOL_ADMIN_TOKEN };

async function ccuOf(server: GameProcess): Promise<number> {
  const response = await fetch(`${server.endpoint}/health`, { headers: { authorization: `Bearer ${TOOL_ADMIN_TOKEN}` } });
  return ((await response.json()) as { ccu: number }).ccu;
}

/** Resolves once the process reports `expected` players connected. */
async function ccuBecomes(server: GameProcess, expected: number): Promise<number> {
  return await eventually(async () => {
    const ccu = await ccuOf(server);
    if (ccu !== expected) throw new Error(`ccu ${ccu}`);
    return ccu;
  }, 10_000, `ccu ${expected}`);
}

describe("the ccu of a process that restored a room", () => {
  it("counts each player who resumes a restored seat, and never goes below the players connected as they leave", async () => {
    let server: GameProcess = await startProcess({ name: "solo", env });
    const port = server.port;
    const [alice, bob, carol] = ["Alice", "Bob", "Carol"].map((name) => new GuestClient(server.endpoint, name));
    const a = await alice.create("arena", { name: "Alice" });
    const b = await bob.joinById(a.roomId, { name: "Bob" });
    for (const room of [a, b]) room.reconnection.enabled = false; // resumeSeat asks matchmaking instead
    await waitForState(a, (s) => s.players.size === 2, 10_000, "both players");
    expect(await ccuOf(server)).toBe(2);

    server.kill("SIGKILL");
    await server.exited;
    const resumed = Promise.all([a, b].map((room, i) => resumeSeat([alice, bob][i], room.reconnectionToken)));
    server = await startProcess({ name: "solo-again", env, port });
    const [a2, b2] = await resumed;
    await waitForState(a2, (s) => [a2.sessionId, b2.sessionId].every((id) => s.players.get(id)?.connected), 10_000, "both back in play");
    expect(await ccuBecomes(server, 2)).toBe(2);

    // A fresh joiner counts alongside them, and each leave takes one off.
    const c = await carol.joinById(a.roomId, { name: "Carol" });
    expect(await ccuBecomes(server, 3)).toBe(3);
    await a2.leave();
    expect(await ccuBecomes(server, 2)).toBe(2);
    await c.leave();
    expect(await ccuBecomes(server, 1)).toBe(1);
    await b2.leave();
    expect(await ccuBecomes(server, 0)).toBe(0);
    server.kill("SIGTERM");
    await server.exited;
  }, 90_000);
});

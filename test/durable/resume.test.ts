/**
 * Resuming through matchmaking (shared/resume.ts) is safe whatever the old
 * socket's state: a seat whose socket the server still holds open (a drop
 * it has not noticed yet) is handed to its owner's new socket, not dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeSeat } from "../../shared/resume.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ RECONNECT_SECONDS: "30" }); });
afterAll(async () => { await ts?.close(); });

describe("resuming a seat through matchmaking", () => {
  it("takes the seat over from a socket the server still holds open, keeping the session id and the player", async () => {
    const client = ts.client();
    const room = await client.create("arena", { name: "Twice" });
    room.reconnection.enabled = false;
    await waitForState(room, (s) => s.players.has(room.sessionId), 10_000, "the player");
    const resumed = await resumeSeat(client, room.reconnectionToken);
    expect(resumed.sessionId).toBe(room.sessionId);
    const me = await waitForState(resumed, (s) => s.players.get(resumed.sessionId)?.connected && s.players.get(resumed.sessionId), 10_000, "the player, connected");
    expect(me.name).toBe("Twice");
    await resumed.leave();
  });
});

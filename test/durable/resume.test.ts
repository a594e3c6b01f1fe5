/**
 * Resuming through matchmaking (shared/resume.ts) is safe whatever the old
 * socket's state: a seat whose socket the server still holds open (a drop
 * it has not noticed yet) is handed to its owner's new socket, not dropped.
 */
import { createServer } from "node:net";
import { Client } from "@colyseus/sdk";
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

  it("goes on to the next address it is given when its own gets no answer at all, and resumes there", async () => {
    const client = ts.client();
    const room = await client.create("arena", { name: "Elsewhere" });
    room.reconnection.enabled = false;
    await waitForState(room, (s) => s.players.has(room.sessionId), 10_000, "the player");
    const deadAddress = await freePort(); // nothing listens there: a process that is restarting
    const withIdentity = (endpoint: string) => {
      const other = new Client(endpoint);
      other.auth.token = client.auth.token!; // the same player, asking through another address
      return other;
    };
    const unanswered: string[] = [];
    const resumed = await resumeSeat(withIdentity(`http://127.0.0.1:${deadAddress}`), room.reconnectionToken, {
      withinMs: 20_000,
      nextClient: (previous) => { unanswered.push(previous.settings.hostname + ":" + previous.settings.port); return withIdentity(ts.endpoint); },
    });
    expect(unanswered).toEqual([`127.0.0.1:${deadAddress}`]);
    expect(resumed.sessionId).toBe(room.sessionId);
    await resumed.leave();
  });
});

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

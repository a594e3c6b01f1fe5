/**
 * What an operator sees: structured logs with room and session ids, the
 * Colyseus monitor behind basic auth, and a clear refusal when it is off.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer } from "../../tools/server.ts";
import { joinThrough, killAll, nextMessage, startProcess, startRedis, type GameProcess, type Seat } from "./support.ts";

const MONITOR = { user: "ops", password: "correct-horse-battery" };
let withMonitor: GameProcess;
let withoutMonitor: GameProcess;
const seats: Seat[] = [];

beforeAll(async () => {
  const redis = await startRedis();
  [withMonitor, withoutMonitor] = await Promise.all([
    startProcess({ name: "monitored", redisUrl: redis.url, env: { MONITOR_USERNAME: MONITOR.user, MONITOR_PASSWORD: MONITOR.password } }),
    startProcess({ name: "plain", redisUrl: redis.url }),
  ]);
});

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

describe("operations", () => {
  it("logs a player's join as JSON carrying the room and session ids", async () => {
    const player = await joinThrough(withMonitor.endpoint, "create", "arena", { mode: "duel" });
    seats.push(player);
    const host = [withMonitor, withoutMonitor].find((p) => p.processId === player.reservation.processId)!;
    const line = await host.waitForLog((l) => l.msg === "player joined" && l.sessionId === player.room.sessionId, 10_000, "the join log line");
    expect(line).toMatchObject({ roomId: player.room.roomId, roomType: "arena", sessionId: player.room.sessionId });
  });

  it("serves the Colyseus monitor only with the configured basic-auth credentials", async () => {
    const anonymous = await fetch(`${withMonitor.endpoint}/monitor/api`);
    expect(anonymous.status).toBe(401);
    const authorization = `Basic ${Buffer.from(`${MONITOR.user}:${MONITOR.password}`).toString("base64")}`;
    const signedIn = await fetch(`${withMonitor.endpoint}/monitor/api`, { headers: { authorization } });
    expect(signedIn.status).toBe(200);
  });

  it("has no monitor when no credentials are configured, and says so at boot", async () => {
    const response = await fetch(`${withoutMonitor.endpoint}/monitor/api`, {
      headers: { authorization: `Basic ${Buffer.from("ops:anything-at-all").toString("base64")}` },
    });
    expect(response.status).toBe(404);
    await withoutMonitor.waitForLog((l) => l.msg.startsWith("/monitor is off"), 1000, "the boot notice");
  });

  it("rejects an announcement without text, saying what is wrong", async () => {
    const server = await startServer({ ADMIN_TOKEN: "operations-test-token" });
    try {
      const response = await fetch(`${server.endpoint}/admin/announce`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer operations-test-token" },
        body: JSON.stringify({ text: "   " }),
      });
      expect(response.status).toBe(400);
      expect((await response.json()).error).toMatch(/needs some text/);
    } finally {
      await server.close();
    }
  });

  it("delivers announcements in a single process without Redis (local presence)", async () => {
    const server = await startServer({ ADMIN_TOKEN: "operations-test-token" });
    try {
      const room = await server.client().joinOrCreate("arena", { mode: "duel" });
      const received = nextMessage<{ text: string; sentAt: number }>(room, "announcement");
      const response = await fetch(`${server.endpoint}/admin/announce`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer operations-test-token" },
        body: JSON.stringify({ text: "Welcome to the arena" }),
      });
      expect(response.status).toBe(202);
      expect((await received).text).toBe("Welcome to the arena");
      await room.leave();
    } finally {
      await server.close();
    }
  });
});

/**
 * ALLOWED_ORIGINS governs CORS on every HTTP route (matchmaking included)
 * and the Origin check on WebSocket upgrades; a socket must name this process.
 */
import { matchMaker } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeErrorCode } from "../../shared/protocol.ts";
import { guestToken } from "../../tools/identity.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { tryUpgrade } from "./support.ts";

const ALLOWED = "https://play.example.com";
const EVIL = "http://evil.example";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ ALLOWED_ORIGINS: ALLOWED }); });
afterAll(async () => { await ts?.close(); });

function matchmake(origin: string, token?: string) {
  return fetch(`${ts.endpoint}/matchmake/joinOrCreate/arena`, {
    method: "POST",
    headers: { origin, "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: "{}",
  });
}

describe("origins on HTTP", () => {
  it("gives a foreign origin no CORS headers on matchmaking, its preflight included", async () => {
    const preflight = await fetch(`${ts.endpoint}/matchmake/joinOrCreate/arena`, {
      method: "OPTIONS",
      headers: { origin: EVIL, "access-control-request-method": "POST", "access-control-request-headers": "content-type, authorization" },
    });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    expect(preflight.headers.get("access-control-allow-credentials")).toBeNull();
    const response = await matchmake(EVIL, await guestToken(ts.endpoint));
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });

  it("gives a foreign origin no CORS headers on the other routes", async () => {
    for (const [method, path] of [["GET", "/health"], ["POST", "/auth/guest"], ["GET", "/"]]) {
      const response = await fetch(`${ts.endpoint}${path}`, { method, headers: { origin: EVIL, "content-type": "application/json" }, body: method === "POST" ? '{"name":"x"}' : undefined });
      expect(response.headers.get("access-control-allow-origin"), `${method} ${path}`).toBeNull();
    }
  });

  it("answers an allowed origin with that origin, not a wildcard", async () => {
    const response = await matchmake(ALLOWED, await guestToken(ts.endpoint));
    expect(response.status).toBe(200);
    expect(response.headers.get("access-control-allow-origin")).toBe(ALLOWED);
    expect(response.headers.get("vary")).toMatch(/Origin/);
  });

  it("sends no CORS headers to a request without an Origin (same-origin pages, bots)", async () => {
    const response = await fetch(`${ts.endpoint}/health`);
    expect(response.headers.get("access-control-allow-origin")).toBeNull();
    expect(response.headers.get("access-control-allow-credentials")).toBeNull();
  });
});

describe("origins and process ids on WebSocket upgrades", () => {
  it("refuses a WebSocket upgrade from a foreign origin before the handshake (446)", async () => {
    const outcome = await tryUpgrade(ts.port, `/${matchMaker.processId}/someroom?sessionId=x`, { origin: EVIL });
    expect(outcome).toMatchObject({ opened: false, status: 403, body: { code: EdgeErrorCode.ORIGIN_NOT_ALLOWED } });
  });

  it("lets an allowed origin open a socket", async () => {
    expect(await tryUpgrade(ts.port, "/", { origin: ALLOWED })).toEqual({ opened: true });
  });

  it("refuses a socket path that names another process (447)", async () => {
    const room = await ts.client().joinOrCreate("arena");
    const outcome = await tryUpgrade(ts.port, `/not-this-process/${room.roomId}?sessionId=${room.sessionId}`);
    expect(outcome).toMatchObject({ opened: false, status: 421, body: { code: EdgeErrorCode.WRONG_PROCESS } });
    await room.leave();
  });
});

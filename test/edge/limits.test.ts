/**
 * Per-address limits: sockets open at once, matchmaking requests per second
 * (429 with Retry-After), rooms created per minute; X-Forwarded-For counts
 * only when a trusted proxy sent it.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeErrorCode } from "../../shared/protocol.ts";
import { guestToken, GuestClient } from "../../tools/identity.ts";
import { killAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { tryUpgrade } from "./support.ts";

let ts: TestServer;
let bursty: GameProcess;
let behindProxy: GameProcess;
let strict: GameProcess;
beforeAll(async () => {
  [ts, bursty, behindProxy, strict] = await Promise.all([
    startServer({ UNLIMITED_ADDRESSES: "", MAX_SOCKETS_PER_ADDRESS: "4", ROOMS_CREATED_PER_MINUTE: "3", MATCHMAKING_BURST: "100", MATCHMAKING_PER_SECOND: "50" }),
    startProcess({ name: "bursty", env: { UNLIMITED_ADDRESSES: "", MATCHMAKING_BURST: "20", MATCHMAKING_PER_SECOND: "1" } }), // a slow refill: a loaded machine spreads the burst over seconds
    startProcess({ name: "behind-proxy", env: { UNLIMITED_ADDRESSES: "", TRUSTED_PROXIES: "127.0.0.1", MATCHMAKING_BURST: "2", MATCHMAKING_PER_SECOND: "0.1" } }),
    startProcess({ name: "strict", env: { UNLIMITED_ADDRESSES: "", MATCHMAKING_BURST: "2", MATCHMAKING_PER_SECOND: "0.1" } }),
  ]);
});
afterAll(async () => {
  await ts?.close();
  killAll();
});

function matchmake(endpoint: string, token: string, headers: Record<string, string> = {}, method = "joinOrCreate") {
  return fetch(`${endpoint}/matchmake/${method}/arena`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: "{}",
  });
}

describe("per-address limits", () => {
  it("refuses a socket over MAX_SOCKETS_PER_ADDRESS before its handshake (429, 448), and frees the slot when one closes", async () => {
    const first = await new GuestClient(ts.endpoint).create("arena");
    const others = [];
    for (let i = 0; i < 3; i++) others.push(await new GuestClient(ts.endpoint).joinById(first.roomId));
    const refused = await tryUpgrade(ts.port, "/");
    expect(refused).toMatchObject({ opened: false, status: 429, body: { code: EdgeErrorCode.TOO_MANY_SOCKETS } });
    await others.pop()!.leave();
    await expect.poll(() => tryUpgrade(ts.port, "/"), { timeout: 5000 }).toEqual({ opened: true });
    await Promise.all([first.leave(), ...others.map((r) => r.leave())]);
  });

  it("refuses rooms beyond ROOMS_CREATED_PER_MINUTE for one address (450); joining still works", async () => {
    const token = await guestToken(ts.endpoint);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) statuses.push((await matchmake(ts.endpoint, token, {}, "create")).status);
    // The first spec created one room already.
    expect(statuses.filter((s) => s === 200).length).toBe(2);
    const refused = await matchmake(ts.endpoint, token, {}, "create");
    expect(refused.status).toBe(EdgeErrorCode.ROOM_CREATION_LIMITED);
    expect(await refused.json()).toMatchObject({ code: EdgeErrorCode.ROOM_CREATION_LIMITED, error: expect.stringContaining("join an existing one") });
    expect((await matchmake(ts.endpoint, token, {}, "joinOrCreate")).status).toBe(200);
  });

  it("answers a burst of 60 matchmaking requests past the bucket with 429 and Retry-After (449)", async () => {
    const token = await guestToken(bursty.endpoint);
    const responses = await Promise.all(Array.from({ length: 60 }, () => matchmake(bursty.endpoint, token)));
    const limited = responses.filter((r) => r.status === 429);
    // 20 in the bucket (one spent on the token above), a few more refilled while the burst arrives.
    expect(limited.length).toBeGreaterThanOrEqual(30);
    expect(responses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(30);
    for (const response of limited) {
      expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(await response.json()).toMatchObject({ code: EdgeErrorCode.MATCHMAKING_RATE_LIMITED });
    }
  });

  it("believes X-Forwarded-For from a trusted proxy, one bucket per forwarded address", async () => {
    const sign = (forwardedFor: string) => fetch(`${behindProxy.endpoint}/auth/guest`, {
      method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": forwardedFor }, body: '{"name":"x"}',
    });
    expect((await sign("203.0.113.1")).status).toBe(201);
    expect((await sign("203.0.113.1")).status).toBe(201);
    expect((await sign("203.0.113.1")).status).toBe(429);
    expect((await sign("203.0.113.2")).status).toBe(201);
  });

  it("ignores X-Forwarded-For from a peer that is not a trusted proxy: made-up addresses share one bucket", async () => {
    const responses = await Promise.all(Array.from({ length: 40 }, (_, i) => fetch(`${bursty.endpoint}/auth/guest`, {
      method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": `198.51.100.${i + 1}` }, body: '{"name":"x"}',
    })));
    // At most the bucket (20) and what refills while the burst arrives get through.
    expect(responses.filter((r) => r.status === 429).length).toBeGreaterThanOrEqual(10);
  });

  it("meters a POST however its target is written: absolute-form, upper case", async () => {
    const post = (target: string) => new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port: strict.port, method: "POST", path: target, headers: { "content-type": "application/json" } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end('{"name":"x"}');
    });
    await post(`http://127.0.0.1:${strict.port}/matchmake/joinOrCreate/arena`);
    await post("/AUTH/guest");
    expect(await post(`http://127.0.0.1:${strict.port}/auth/guest`)).toBe(429);
  });
});

/**
 * TLS_CERT and TLS_KEY: one process terminates TLS itself. A player signs in,
 * matchmakes and joins over https and wss, trusting the server's certificate.
 */
import { Protocol } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { killAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { httpsJson, selfSignedCertificate, type SelfSigned } from "../../tools/tls.ts";

let tls: SelfSigned;
let server: GameProcess;
beforeAll(async () => {
  tls = selfSignedCertificate();
  server = await startProcess({ name: "tls", env: { TLS_CERT: tls.certPath, TLS_KEY: tls.keyPath } });
});
afterAll(killAll);

describe("TLS terminated by the server", () => {
  it("serves sign-in, matchmaking and the room socket over https and wss", async () => {
    const base = `https://127.0.0.1:${server.port}`;
    const guest = await httpsJson(`${base}/auth/guest`, tls.cert, { method: "POST", headers: { "content-type": "application/json" }, body: '{"name":"Secure"}' });
    expect(guest.status).toBe(201);
    const seat = await httpsJson(`${base}/matchmake/joinOrCreate/arena`, tls.cert, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${guest.body.token}` }, body: "{}",
    });
    expect(seat.status).toBe(200);
    const ws = new WebSocket(`wss://127.0.0.1:${server.port}/${seat.body.processId}/${seat.body.roomId}?sessionId=${seat.body.sessionId}`, { ca: tls.cert });
    const first = await new Promise<Buffer>((resolve, reject) => { ws.once("message", resolve); ws.once("error", reject); });
    expect(first[0]).toBe(Protocol.JOIN_ROOM);
    ws.terminate();
  });

  it("does not answer plain http on the TLS port", async () => {
    await expect(fetch(`http://127.0.0.1:${server.port}/health`)).rejects.toThrow();
  });
});

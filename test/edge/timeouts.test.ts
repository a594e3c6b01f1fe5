/**
 * Timeouts at the edge: a slowloris socket (headers at a byte a second), a
 * socket that never sends a request, and a WebSocket that never presents a
 * seat are all closed, within HEADERS_TIMEOUT_SECONDS and a second's check.
 */
import { connect, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { startServer, type TestServer } from "../../tools/server.ts";

const HEADERS_TIMEOUT_SECONDS = 2;
/** The timeout, Node's once-a-second check, and room for a loaded machine. */
const CLOSED_WITHIN_MS = (HEADERS_TIMEOUT_SECONDS + 1) * 1000 + 2000;

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ HEADERS_TIMEOUT_SECONDS: String(HEADERS_TIMEOUT_SECONDS) }); });
afterAll(async () => { await ts?.close(); });

/** Resolves with the ms from `since` until the server closed `socket`. */
function closedAfter(socket: Socket, since: number): Promise<number> {
  return new Promise((resolve) => socket.once("close", () => resolve(performance.now() - since)));
}

describe("edge timeouts", () => {
  it("closes 50 slowloris sockets sending an upgrade's headers a byte a second", async () => {
    const started = performance.now();
    const sockets = Array.from({ length: 50 }, () => connect(ts.port, "127.0.0.1"));
    const timers = sockets.map((socket) => {
      socket.on("error", () => {});
      socket.write("GET /abc/def HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n");
      return setInterval(() => { if (!socket.destroyed) socket.write("X"); }, 1000);
    });
    try {
      const closedMs = await Promise.all(sockets.map((socket) => closedAfter(socket, started)));
      expect(Math.max(...closedMs)).toBeLessThan(CLOSED_WITHIN_MS);
      expect(Math.min(...closedMs)).toBeGreaterThanOrEqual(HEADERS_TIMEOUT_SECONDS * 1000 - 100);
    } finally {
      timers.forEach(clearInterval);
    }
  });

  it("closes a socket that connects and never sends a request", async () => {
    const started = performance.now();
    const socket = connect(ts.port, "127.0.0.1");
    socket.on("error", () => {});
    expect(await closedAfter(socket, started)).toBeLessThan(CLOSED_WITHIN_MS);
  });

  it("closes a WebSocket that never presents a seat", async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${ts.port}/`);
    await new Promise((resolve, reject) => { socket.once("open", resolve); socket.once("error", reject); });
    const started = performance.now();
    await new Promise((resolve) => socket.once("close", resolve));
    expect(performance.now() - started).toBeLessThan(CLOSED_WITHIN_MS);
  });
});

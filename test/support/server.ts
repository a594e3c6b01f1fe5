/**
 * A real Tickforge server for tests: the production bootstrap on a free port,
 * in this test file's own worker process (Colyseus's matchmaker is one per process).
 */
import type { AddressInfo } from "node:net";
import type { Room } from "@colyseus/sdk";
import type { Server } from "@colyseus/core";
import { createGameServer } from "../../server/app.ts";
import { loadConfig } from "../../server/config.ts";
import { setLogLevel } from "../../server/logger.ts";
import { GuestClient } from "./identity.ts";

/**
 * Every test client connects from 127.0.0.1, where a real deployment sees one
 * address per player: the per-address limits are off for it unless a spec
 * sets UNLIMITED_ADDRESSES="" to test them (test/edge/).
 */
export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({ UNLIMITED_ADDRESSES: "127.0.0.1" });

export interface TestServer {
  server: Server;
  port: number;
  endpoint: string;
  /** A fresh SDK client pointed at this server, signed in as a guest (its token arrives before its first matchmaking request). */
  client(name?: string): GuestClient;
  close(): Promise<void>;
}

export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  const config = loadConfig({ LOG_LEVEL: "silent", ...TEST_ENV, ...env, PORT: "0" });
  setLogLevel(config.logLevel);
  const server = createGameServer(config);
  await server.listen(0, "127.0.0.1");
  const port = (server.transport.server!.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    server,
    port,
    endpoint,
    client: (name) => new GuestClient(endpoint, name),
    close: () => server.gracefullyShutdown(false),
  };
}

/** True once the room's first full state has been decoded (before that, its fields are unset). */
function hasFirstState(room: Room<any>): boolean {
  const state = room.state as any;
  return state !== undefined && Object.keys(state.toJSON()).length > 0;
}

/** Resolve when `predicate` holds after a state patch; fail after `timeoutMs`. */
export function waitForState<T>(room: Room<any>, predicate: (state: any) => T | undefined | false, timeoutMs = 10_000, what = "state condition"): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!hasFirstState(room)) return;
      const value = predicate(room.state);
      if (value !== undefined && value !== false) {
        clearTimeout(timer);
        room.onStateChange.remove(check);
        resolve(value as T);
      }
    };
    const timer = setTimeout(() => {
      room.onStateChange.remove(check);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    room.onStateChange(check);
    check();
  });
}

/** Resolve with the arguments of the next emission of an SDK signal (onLeave, onReconnect…). */
export function nextSignal<A extends unknown[]>(signal: { once(cb: (...args: A) => void): void }, timeoutMs = 10_000, what = "signal"): Promise<A> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => { done = true; reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    signal.once((...args: A) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(args);
    });
  });
}

/**
 * A real Tickforge server in this process, for specs and in-process probes
 * (bench/tick-probe.ts): the production bootstrap on a free port. Colyseus's
 * matchmaker is one per process, so one at a time.
 */
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { matchMaker, type Room as ServerRoom } from "@colyseus/core";
import { roomTypes as repositoryRoomTypes } from "../rooms/index.ts";
import { createGameServer, type GameServer } from "../server/app.ts";
import { loadConfig } from "../server/config.ts";
import { setLogLevel } from "../server/logger.ts";
import type { RoomType } from "../server/room/room-type.ts";
import { GuestClient } from "./identity.ts";

/**
 * Every test client connects from 127.0.0.1, where a real deployment sees one
 * address per player: the per-address limits are off for it unless a spec
 * sets UNLIMITED_ADDRESSES="" to test them (test/edge/).
 */
export const TEST_ENV: Readonly<Record<string, string>> = Object.freeze({ UNLIMITED_ADDRESSES: "127.0.0.1" });

export interface TestServer {
  server: GameServer;
  port: number;
  endpoint: string;
  /** A fresh SDK client pointed at this server, signed in as a guest (its token arrives before its first matchmaking request). */
  client(name?: string): GuestClient;
  close(): Promise<void>;
}

/** A server offering `roomTypes` (by default the repository's, rooms/index.ts; framework specs pass small inline ones). */
export async function startServer(env: Record<string, string> = {}, roomTypes: readonly RoomType<any>[] = repositoryRoomTypes): Promise<TestServer> {
  // A spec's Store is its own unless it names a DATA_DIR: nothing lands in the repository's data/.
  const ownDataDir = env.DATA_DIR ? undefined : mkdtempSync(join(tmpdir(), "tickforge-data-"));
  const config = loadConfig({ LOG_LEVEL: "silent", ...TEST_ENV, ...(ownDataDir ? { DATA_DIR: ownDataDir } : {}), ...env, PORT: "0" }, roomTypes);
  setLogLevel(config.logLevel);
  const server = createGameServer(config, roomTypes);
  await server.listen(0, "127.0.0.1");
  const port = (server.transport.server!.address() as AddressInfo).port;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    server,
    port,
    endpoint,
    client: (name) => new GuestClient(endpoint, name),
    close: async () => {
      try {
        await server.gracefullyShutdown(false);
      } finally {
        if (ownDataDir) rmSync(ownDataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The server-side instance of a room, by id (the server runs in the test's process). */
export function localRoom(roomId: string): ServerRoom {
  const room = matchMaker.getLocalRoomById(roomId);
  if (!room) throw new Error(`room ${roomId} is not in this process`);
  return room;
}

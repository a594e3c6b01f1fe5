/**
 * The server, assembled: transport, presence and driver, placement, rooms,
 * HTTP routes. Reads like a table of contents; each part lives in its own module.
 */
import { defineServer, LocalDriver, LocalPresence, matchMaker, type Server } from "@colyseus/core";
import { Encoder } from "@colyseus/schema";
import { followAnnouncements } from "./announcements.ts";
import type { Config } from "./config.ts";
import { routes } from "./http.ts";
import { requireIdentityInEveryRoom } from "./identity/admission.ts";
import { guardReconnectRoute } from "./identity/seats.ts";
import { IdentityVerifier } from "./identity/tokens.ts";
import { governCors } from "./edge/cors.ts";
import { createEdgeServer } from "./edge/http-server.ts";
import { upgradeGate } from "./edge/upgrade-gate.ts";
import { compressionOptions } from "./edge/compression.ts";
import { boundSendBuffer, closeUnacknowledgedJoins } from "./edge/slow-consumers.ts";
import { colyseusLogger } from "./logger.ts";
import { Placement } from "./placement.ts";
import { connectRedis, useLocalPresence } from "./redis.ts";
import { roomTypes } from "./rooms.ts";
import { MeteredWebSocketTransport } from "./transport.ts";

export interface GameServer extends Server {
  /** Where new rooms go; also told when this process starts draining. */
  placement: Placement;
}

/**
 * Bytes each room sets aside for encoding its state, twice (patches, and the
 * full state a joining player gets). Colyseus's default, 16 KB, is sized for
 * a hundred 3-D entities; an arena at its fullest (16 players with the
 * longest names, every shot they can have in flight) encodes in 4.5 KB
 * (rooms/arena/state.test.ts). 8 KB instead of 16 saves 16 KB a room, about
 * 1 KB a player. A larger state still works: the encoder grows its buffer and
 * logs a warning naming the size to set here.
 */
export const STATE_BUFFER_BYTES = 8 * 1024;

export function createGameServer(config: Config): GameServer {
  Encoder.BUFFER_SIZE = STATE_BUFFER_BYTES;
  // One process by default; REDIS_URL lets processes share matchmaking (docs/scaling.md).
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (!redis) useLocalPresence();
  const placement = new Placement(config);
  const identities = new IdentityVerifier(config.auth);
  requireIdentityInEveryRoom(identities);
  guardReconnectRoute(identities);
  governCors(config.edge);

  const transport = new MeteredWebSocketTransport({
    server: createEdgeServer(config),
    maxPayload: 4 * 1024, // bytes: an input frame is a few bytes, chat at most a few hundred
    pingInterval: 5000, // ms between heartbeats; a silent socket is dropped after 2 misses
    pingMaxRetries: 2,
    beforeUpgrade: upgradeGate(config.edge),
    perMessageDeflate: compressionOptions(config.edge.compressionThresholdBytes),
  });
  transport.onRoomSocket((socket) => {
    boundSendBuffer(socket, config.edge.maxSendBufferBytes);
    closeUnacknowledgedJoins(socket, config.edge.headersTimeoutMs);
  });

  const server = defineServer({
    transport,
    presence: redis?.presence ?? new LocalPresence(),
    driver: redis?.driver ?? new LocalDriver(),
    publicAddress: config.publicAddress,
    selectProcessIdToCreateRoom: placement.select,
    // Signals go through server/shutdown.ts, whose drain has a deadline.
    gracefullyShutdown: false,
    logger: colyseusLogger,
    greet: false,
    rooms: roomTypes(config),
    express: routes(config),
  });

  placement.start();
  void matchMaker.onReady.then(() => followAnnouncements(matchMaker.presence));
  server.onShutdown(() => placement.stop());
  return Object.assign(server, { placement });
}

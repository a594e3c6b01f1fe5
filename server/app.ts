/**
 * The server, assembled: transport, presence and driver, rooms, HTTP routes.
 * Reads like a table of contents; each part lives in its own module.
 */
import { defineServer, LocalDriver, LocalPresence, type Server } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { Config } from "./config.ts";
import { mountRoutes } from "./http.ts";
import { roomTypes } from "./rooms.ts";

export function createGameServer(config: Config): Server {
  return defineServer({
    transport: new WebSocketTransport({
      maxPayload: 4 * 1024, // bytes: an input frame is a few bytes, chat at most a few hundred
      pingInterval: 5000, // ms between heartbeats; a silent socket is dropped after 2 misses
      pingMaxRetries: 2,
    }),
    // One process by default; REDIS_URL lets processes share matchmaking.
    presence: config.redisUrl ? new RedisPresence(config.redisUrl) : new LocalPresence(),
    driver: config.redisUrl ? new RedisDriver(config.redisUrl) : new LocalDriver(),
    publicAddress: config.publicAddress,
    greet: false,
    rooms: roomTypes(config),
    express: mountRoutes,
  });
}

/**
 * The server, assembled: transport, presence and driver, placement, the
 * room types it is given, HTTP routes. Reads like a table of contents; each
 * part lives in its own module. It names no room type: the entry point
 * passes the list (rooms/index.ts).
 */
import { defineRoom, defineServer, LobbyRoom, LocalDriver, LocalPresence, matchMaker, definePlugins, type Server } from "@colyseus/core";
import { LOBBY_ROOM } from "../shared/protocol.ts";
import type { Config } from "./config.ts";
import { limitedColyseusLogger } from "./log-limit.ts";
import { followAnnouncements } from "./ops/announcements.ts";
import { routes } from "./ops/http.ts";
import { tickDuration } from "./ops/metrics.ts";
import { Placement } from "./ops/placement.ts";
import { connectRedis, useLocalPresence } from "./ops/redis.ts";
import { MeteredWebSocketTransport } from "./ops/transport.ts";
import { installPluginHooksEarly } from "./room/colyseus-internals.ts";
import { DrainAndAnnounce } from "./room/drain.ts";
import { checkFrames } from "./room/frame-guard.ts";
import { ROOM_SETUP_OPTION, type RoomSetup } from "./room/lifecycle.ts";
import { parseRoomSettings, type RoomType } from "./room/room-type.ts";

export interface GameServer extends Server {
  /** Where new rooms go; also told when this process starts draining. */
  placement: Placement;
  /** The room types this server offers. */
  roomTypes: readonly RoomType[];
}

/** Colyseus's LobbyRoom (live listings of every room type) that also hears announcements, for the title screen. */
class Lobby extends LobbyRoom {
  plugins = definePlugins([new DrainAndAnnounce()]);
}

export function createGameServer(config: Config, roomTypes: readonly RoomType[]): GameServer {
  tickDuration(config.rooms.tickRate);
  // One process by default; REDIS_URL lets processes share matchmaking (docs/scaling.md).
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (!redis) useLocalPresence();
  const placement = new Placement(config);

  const server = defineServer({
    transport: new MeteredWebSocketTransport({
      maxPayload: 4 * 1024, // bytes: an input frame is a few bytes, chat at most a few hundred
      pingInterval: 5000, // ms between heartbeats; a silent socket is dropped after 2 misses
      pingMaxRetries: 2,
    }),
    presence: redis?.presence ?? new LocalPresence(),
    driver: redis?.driver ?? new LocalDriver(),
    publicAddress: config.publicAddress,
    selectProcessIdToCreateRoom: placement.select,
    // Signals go through server/ops/shutdown.ts, whose drain has a deadline.
    gracefullyShutdown: false,
    logger: limitedColyseusLogger,
    greet: false,
    rooms: registrations(config, roomTypes),
    express: routes(config, roomTypes),
  });

  placement.start();
  void matchMaker.onReady.then(() => followAnnouncements(matchMaker.presence));
  server.onShutdown(() => placement.stop());
  return Object.assign(server, { placement, roomTypes });
}

/**
 * Each room type under its name, with its setup where the client's options
 * cannot override it; and the lobby. Every one has its clients' frames
 * checked before Colyseus decodes them (server/room/frame-guard.ts).
 */
function registrations(config: Config, roomTypes: readonly RoomType[]) {
  installPluginHooksEarly(Lobby);
  checkFrames(Lobby);
  const rooms: Record<string, ReturnType<typeof defineRoom<any>>> = { [LOBBY_ROOM]: defineRoom(Lobby) };
  for (const type of roomTypes) {
    if (rooms[type.name]) throw new Error(`Two room types are named "${type.name}".`);
    installPluginHooksEarly(type.room);
    checkFrames(type.room);
    const setup: RoomSetup = {
      type: type.name,
      framework: config.rooms,
      settings: config.roomSettings[type.name] ?? parseRoomSettings(type, {}),
      drainNotice: type.drainNotice,
      stateBufferBytes: type.stateBufferBytes,
    };
    rooms[type.name] = defineRoom(type.room, { [ROOM_SETUP_OPTION]: setup })
      .filterBy([...type.filterBy])
      .enableRealtimeListing();
  }
  return rooms;
}

/**
 * The server, assembled: the edge (HTTP(S) server, limits, origins), identity,
 * transport, presence and driver, placement, the room types it is given, HTTP
 * routes. Reads like a table of contents; each part lives in its own module.
 * It names no room type: the entry point passes the list (rooms/index.ts).
 */
import { defineRoom, defineServer, LobbyRoom, LocalDriver, LocalPresence, matchMaker, definePlugins, type Server } from "@colyseus/core";
import { LOBBY_ROOM, MAX_CLIENT_FRAME_BYTES } from "../shared/protocol.ts";
import type { Config } from "./config.ts";
import { compressionOptions } from "./edge/compression.ts";
import { governCors } from "./edge/cors.ts";
import { createEdgeServer } from "./edge/http-server.ts";
import { AddressLimits } from "./edge/limits.ts";
import { limitRoomCreation } from "./edge/room-creation.ts";
import { boundSendBuffer, closeUnacknowledgedJoins } from "./edge/slow-consumers.ts";
import { upgradeGate } from "./edge/upgrade-gate.ts";
import { guardReconnectRoute } from "./identity/reconnection.ts";
import { IdentityVerifier } from "./identity/tokens.ts";
import { limitedColyseusLogger } from "./log-limit.ts";
import { followAnnouncements } from "./ops/announcements.ts";
import { Notifier } from "./ops/notifications.ts";
import { routes } from "./ops/http.ts";
import { tickDuration } from "./ops/metrics.ts";
import { Placement } from "./ops/placement.ts";
import { connectRedis, useLocalPresence } from "./ops/redis.ts";
import { MeteredWebSocketTransport } from "./ops/transport.ts";
import { admissionCheck, installAdmission } from "./room/admission.ts";
import { installPluginHooksEarly } from "./room/colyseus-internals.ts";
import { DrainAndAnnounce } from "./room/drain.ts";
import { DurableRestorer, PEER_LOST_CHANNEL, peerLostOf, type PeerLost } from "./room/durable.ts";
import { checkFrames } from "./room/frame-guard.ts";
import { ROOM_SETUP_OPTION, type RoomSetup } from "./room/lifecycle.ts";
import { LiveNotifications } from "./room/notifications.ts";
import { DEFAULT_ADMISSION, parseRoomSettings, type RoomType } from "./room/room-type.ts";
import { openStore, StoreError, type Store } from "./storage/index.ts";

export interface GameServer extends Server {
  /** Where new rooms go; also told when this process starts draining. */
  placement: Placement;
  /** The room types this server offers. */
  roomTypes: readonly RoomType[];
  /** What each address may take (sockets, matchmaking, rooms created). */
  limits: AddressLimits;
  /** The one Store every room of this process shares; closed on shutdown. */
  store: Store;
  /** Live notifications to any user on any process: `server.notifier.notify(userId, { kind, text })`. */
  notifier: Notifier;
}

/** Colyseus's LobbyRoom (live listings of every room type) that also hears announcements and notifications, for the title screen. */
class Lobby extends LobbyRoom {
  plugins = definePlugins([new DrainAndAnnounce(), new LiveNotifications()]);

  /** The reconnect route asks every room who owns a seat (server/identity/reconnection.ts); a listing has no owner to protect. */
  ownerOfReconnection(): undefined {
    return undefined;
  }
}

export function createGameServer(config: Config, roomTypes: readonly RoomType[]): GameServer {
  tickDuration(config.rooms.tickRate);
  // One process by default; REDIS_URL lets processes share matchmaking (docs/scaling.md).
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (!redis) useLocalPresence();
  const store = openProcessStore(config);
  const presence = redis?.presence ?? new LocalPresence();
  const notifier = new Notifier(presence, store, { kept: config.notificationsKept });
  const placement = new Placement(config);
  const holder = () => (redis ? matchMaker.processId : LOCAL_HOLDER);
  const identities = new IdentityVerifier(config.auth);
  const limits = new AddressLimits(config.edge);
  guardReconnectRoute(identities, store);
  governCors(config.edge);

  const transport = new MeteredWebSocketTransport({
    server: createEdgeServer(config, limits),
    maxPayload: MAX_CLIENT_FRAME_BYTES,
    pingInterval: 5000, // ms between heartbeats; a silent socket is dropped after 2 misses
    pingMaxRetries: 2,
    beforeUpgrade: upgradeGate(config.edge, identities),
    perMessageDeflate: compressionOptions(config.edge.compressionThresholdBytes),
  });
  transport.onRoomSocket((socket) => {
    boundSendBuffer(socket, config.edge.maxSendBufferBytes);
    closeUnacknowledgedJoins(socket, config.edge.headersTimeoutMs);
  });

  const server = defineServer({
    transport,
    presence,
    driver: redis?.driver ?? new LocalDriver(),
    publicAddress: config.publicAddress,
    selectProcessIdToCreateRoom: placement.select,
    // Signals go through server/ops/shutdown.ts, whose drain has a deadline.
    gracefullyShutdown: false,
    logger: limitedColyseusLogger,
    greet: false,
    rooms: registrations(config, roomTypes, identities, limits, store, notifier, holder),
    express: routes(config, roomTypes, identities, { notifier, store }),
  });

  // Durable rooms come back: on one machine those the last run held; with Redis those of any process the reaper finds dead.
  const restorer = new DurableRestorer(store, roomTypes, holder);
  if (redis) {
    // The first survivor to notice a death tells them all, so its rooms are shared out by load rather than all taken by that one.
    const restoreShare = (processId: string, held?: readonly string[]) => void placement.restorers()
      .then((restorers) => restorer.restoreHeldBy(processId, restorers, held))
      .catch(restorer.failed);
    void matchMaker.onReady.then(() => matchMaker.presence.subscribe(PEER_LOST_CHANNEL, (message: unknown) => {
      const lost = peerLostOf(message);
      // A process cut off from Redis for a moment may hear of its own death: its rooms are still here, not to be restored.
      if (lost && lost.processId !== matchMaker.processId) restoreShare(lost.processId, lost.roomIds);
    }));
    placement.onPeerLost = (processId) => void restorer.heldBy(processId)
      .then((roomIds) => matchMaker.presence.publish(PEER_LOST_CHANNEL, { processId, roomIds } satisfies PeerLost))
      .catch(() => restorer.restoreHeldBy(processId).catch(restorer.failed));
  } else {
    void matchMaker.onReady.then(() => restorer.restoreHeldBy(LOCAL_HOLDER)).catch(restorer.failed);
  }
  placement.start();
  void matchMaker.onReady.then(() => followAnnouncements(matchMaker.presence));
  server.onShutdown(async () => {
    placement.stop();
    await store.close();
  });
  return Object.assign(server, { placement, roomTypes, limits, store, notifier });
}

/** Who holds a durable room without Redis: the one process of this machine's DATA_DIR, whatever its process id this run. */
const LOCAL_HOLDER = "local";

/** The Store every room shares; a folder it cannot create is a StoreError naming DATA_DIR, so the process stops with a sentence (server/serve.ts). */
function openProcessStore(config: Config): Store {
  try {
    return openStore({ redisUrl: config.redisUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError("UNAVAILABLE", `Cannot open the store in DATA_DIR=${config.dataDir}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Each room type under its name, with its setup where the client's options
 * cannot override it and the framework's onAuth for its admission; and the
 * lobby. Every one has its clients' frames checked before Colyseus decodes
 * them (server/room/frame-guard.ts).
 */
function registrations(config: Config, roomTypes: readonly RoomType[], identities: IdentityVerifier, limits: AddressLimits, store: Store, notifier: Notifier, holder: () => string) {
  installPluginHooksEarly(Lobby);
  checkFrames(Lobby);
  installAdmission(Lobby, admissionCheck(identities, DEFAULT_ADMISSION));
  const lobbySetup: Pick<RoomSetup, "notifier"> = { notifier };
  const rooms: Record<string, ReturnType<typeof defineRoom<any>>> = { [LOBBY_ROOM]: defineRoom(Lobby, { [ROOM_SETUP_OPTION]: lobbySetup }) };
  for (const type of roomTypes) {
    if (rooms[type.name]) throw new Error(`Two room types are named "${type.name}".`);
    installPluginHooksEarly(type.room);
    checkFrames(type.room);
    installAdmission(type.room, admissionCheck(identities, type.admits));
    const setup: RoomSetup = {
      type: type.name,
      framework: config.rooms,
      settings: config.roomSettings[type.name] ?? parseRoomSettings(type, {}),
      drainNotice: type.drainNotice,
      stateBufferBytes: type.stateBufferBytes,
      durable: type.durable && { ...type.durable, holder },
      store,
      notifier,
      limitCreation: (roomType) => limitRoomCreation(limits, roomType),
    };
    rooms[type.name] = defineRoom(type.room, { [ROOM_SETUP_OPTION]: setup })
      .filterBy([...type.filterBy])
      .enableRealtimeListing();
  }
  return rooms;
}

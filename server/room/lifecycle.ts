/**
 * The piece every room runs first: it hands the room its settings (the
 * server's and its type's, passed by createGameServer under ROOM_SETUP_OPTION,
 * where a client cannot reach them), applies its patch rate, frame cap and
 * state buffer size, and logs its lifecycle with the room and session ids.
 */
import { RoomPlugin, type Client, type Room } from "@colyseus/core";
import { sessionLogs } from "../log-limit.ts";
import { logger, type Logger } from "../logger.ts";
import type { Notifier } from "../ops/notifications.ts";
import type { Store } from "../storage/store.ts";
import { resizeStateBuffers } from "./colyseus-internals.ts";
import type { Durability, FrameworkSettings } from "./room-type.ts";

/** The option key createGameServer puts a room's setup under; Colyseus merges it over the client's options. */
export const ROOM_SETUP_OPTION = "$tickforge";

/** What a room of a type is created with, besides the client's options. */
export interface RoomSetup {
  type: string;
  framework: FrameworkSettings;
  settings: Readonly<Record<string, unknown>>;
  drainNotice: string;
  stateBufferBytes: number;
  /** Set when the type's rooms outlive their process (server/room/durable.ts), with who holds them. */
  durable?: Durability & { holder(): string };
  /** The process's one Store (server/storage/): Redis with REDIS_URL, else SQLite under DATA_DIR. */
  store: Store;
  /** The process's live notifications (server/ops/notifications.ts): `notify(userId, …)` reaches the user wherever they are. */
  notifier: Notifier;
  /** Throws (refusing the room) when the address asking for it is over its rooms per minute (server/edge/room-creation.ts). */
  limitCreation?: (roomType: string) => void;
}

/** What the lifecycle piece needs of its room (GameRoom provides it). */
export interface SetupHost extends Room {
  adoptSetup(setup: RoomSetup, log: Logger): void;
}

export class RoomLifecycle extends RoomPlugin<SetupHost> {
  readonly pluginName = "lifecycle" as const;
  /** The join is logged once the room's own onJoin accepted it. */
  protected override order = { onJoin: "after" } as const;
  #log: Logger = logger;

  protected override onCreate(options: Record<string, unknown> | undefined): void {
    const setup = options?.[ROOM_SETUP_OPTION] as RoomSetup | undefined;
    if (!setup) {
      throw new Error(`${this.room.constructor.name} was created without its room setup: register it through createGameServer(config, roomTypes).`);
    }
    setup.limitCreation?.(setup.type);
    this.#log = logger.child({ roomId: this.room.roomId, roomType: this.room.roomName });
    this.room.patchRate = 1000 / setup.framework.patchRate;
    this.room.maxMessagesPerSecond = setup.framework.maxMessagesPerSecond;
    resizeStateBuffers(this.room, setup.stateBufferBytes);
    this.room.adoptSetup(setup, this.#log);
    this.#log.debug("room created");
  }

  protected override onJoin(client: Client): void {
    if (sessionLogs.allow("joined")) this.#log.info({ sessionId: client.sessionId, players: this.room.clients.length }, "player joined");
  }

  protected override onLeave(client: Client, code?: number): void {
    if (sessionLogs.allow("left")) this.#log.info({ sessionId: client.sessionId, code }, "player left");
  }

  protected override onDispose(): void {
    this.#log.debug("room disposed");
  }
}

/**
 * Seat holding: a player whose connection drops keeps its seat (sessionId,
 * its part of the state, its view) for the reconnection window. The room
 * calls `hold` from its onDrop; Colyseus calls onReconnect when the player
 * is back, or onLeave when the window is over. A client that left on
 * purpose, was kicked, or was closed for breaking the protocol (by the frame
 * check or by `ws`, server/room/misbehaviour.ts) gets no window: a seat is
 * held for a connection that dropped, never for one the server closed for
 * misbehaviour. A slow consumer's close (4020) is not misbehaviour: its seat
 * is held and the client resumes it.
 *
 * A held seat belongs to the identity that took it (`client.auth.userId`):
 * `seatOwner` answers whose it is, so the reconnect route and the socket
 * upgrade (server/identity/reconnection.ts) resume it only for its owner.
 */
import { RoomPlugin, type Client, type Room } from "@colyseus/core";
import { CloseCode } from "../../shared/protocol.ts";
import { sessionLogs } from "../log-limit.ts";
import { logger } from "../logger.ts";
import { reconnects } from "../ops/metrics.ts";
import { seatAuthOf } from "./colyseus-internals.ts";
import { durableOf } from "./durable.ts";
import { closedForMisbehaviour } from "./misbehaviour.ts";

/** The user id owning the seat `reconnectionToken` resumes (held, or still connected); undefined when the room does not know the token. */
export function seatOwner(room: Room, reconnectionToken: string): string | undefined {
  const auth = seatAuthOf(room, reconnectionToken) as { userId?: unknown } | undefined;
  return typeof auth?.userId === "string" ? auth.userId : undefined;
}

/** Connected clients whose owner is resuming the seat through matchmaking: Colyseus closes the old socket as an error, which is not a kick. */
const replaced = new WeakSet<Client>();

/**
 * The seat's owner (identity checked) asks matchmaking to resume it while
 * its old socket is still open here, as after a drop the server has not
 * noticed yet: Colyseus closes that socket with its error code, which would
 * otherwise read as a kick. Mark it so its seat is held for the resume.
 */
export function expectReconnection(room: Room, reconnectionToken: string): void {
  const client = room.clients.find((c) => c.reconnectionToken === reconnectionToken);
  if (client) replaced.add(client);
}

export interface SeatHoldingOptions {
  /** The window, s; default the server's RECONNECT_SECONDS (the room's settings). */
  seconds?: () => number;
}

export class SeatHolding extends RoomPlugin<Room & { settings: { reconnectSeconds: number } }> {
  readonly pluginName = "seats" as const;
  readonly #seconds: (() => number) | undefined;

  constructor(options: SeatHoldingOptions = {}) {
    super();
    this.#seconds = options.seconds;
  }

  /** A drop, not a leave: should a seat that left with this close code be held? */
  static holds(code: number | undefined): boolean {
    return code !== CloseCode.KICKED && code !== CloseCode.CONSENTED && code !== CloseCode.PROTOCOL_ERROR;
  }

  /**
   * Hold `client`'s seat if its drop deserves it; true when held. The room
   * marks the player away; onReconnect or onLeave follows.
   */
  hold(client: Client, code: number | undefined): boolean {
    if (!replaced.has(client) && (!SeatHolding.holds(code) || closedForMisbehaviour(client))) return false;
    const seconds = this.#seconds?.() ?? this.room.settings.reconnectSeconds;
    if (seconds <= 0) return false;
    this.room.allowReconnection(client, seconds).then(
      () => {
        reconnects.labels(this.room.roomName).inc();
        durableOf(this.room)?.seatsChanged(); // the seat's token changed: a durable room saves it now
        if (sessionLogs.allow("reconnected")) logger.info({ roomId: this.room.roomId, sessionId: client.sessionId }, "player reconnected");
      },
      // Window over or room disposing: Colyseus calls onLeave, which frees the seat.
      () => undefined,
    );
    return true;
  }
}

/**
 * Drain and announcements: every room that composes this piece is reachable
 * from the process (live-rooms) for what must reach all rooms at once. An
 * operator's announcement is forwarded to its clients; on a graceful
 * shutdown the room locks, warns its players in its type's words (the
 * descriptor's drainNotice), keeps playing for the drain time, then closes
 * with SERVER_SHUTDOWN so clients find a room elsewhere; a durable room
 * instead saves itself and closes with ROOM_MOVING, and its players resume
 * it where it is restored (server/room/durable.ts). The lobby composes
 * it too, so the title screen hears announcements.
 */
import { RoomPlugin, type Room } from "@colyseus/core";
import { CloseCode, FrameworkMessage, type Announcement, type ShutdownNotice } from "../../shared/protocol.ts";
import { logger } from "../logger.ts";
import { liveRooms, type DrainPlan, type LiveRoom } from "../ops/live-rooms.ts";
import { durableOf } from "./durable.ts";
import { ROOM_SETUP_OPTION, type RoomSetup } from "./lifecycle.ts";

export interface DrainOptions {
  /** What players read when the process drains; default the room type's drainNotice. */
  notice?: string;
}

const drains = new WeakMap<Room, DrainAndAnnounce>();

/** The drain piece of a room, if it composes one. */
export function drainOf(room: Room): DrainAndAnnounce | undefined {
  return drains.get(room);
}

export class DrainAndAnnounce extends RoomPlugin<Room> implements LiveRoom {
  readonly pluginName = "drain" as const;
  #notice: string | undefined;
  #draining = false;
  #disconnectAtDrainEnd: NodeJS.Timeout | undefined;

  constructor(options: DrainOptions = {}) {
    super();
    this.#notice = options.notice;
  }

  get draining(): boolean {
    return this.#draining;
  }

  protected override onCreate(options: Record<string, unknown> | undefined): void {
    this.#notice ??= (options?.[ROOM_SETUP_OPTION] as RoomSetup | undefined)?.drainNotice ?? "This server is restarting.";
    liveRooms.add(this);
    drains.set(this.room, this);
  }

  protected override onDispose(): void {
    liveRooms.delete(this);
    clearTimeout(this.#disconnectAtDrainEnd); // a room that empties early lets go of itself now, not at the drain's end
  }

  showAnnouncement(announcement: Announcement): void {
    this.room.broadcast(FrameworkMessage.ANNOUNCEMENT, announcement);
  }

  beginDrain(plan: DrainPlan): void {
    if (this.#draining) return;
    this.#draining = true;
    const room = this.room;
    const durable = durableOf(room);
    durable?.draining(); // a durable room is saved at the start of the drain too
    room.lock().catch(() => { /* the listing update needs Redis; locally the room is locked */ });
    // At the end, a durable room moves (its players resume it where it is restored); any other ends, and its players find a new one.
    const close = async () => {
      if (await durable?.moveAway()) return;
      await room.disconnect(CloseCode.SERVER_SHUTDOWN).catch(() => { /* already disposing */ });
    };
    if (plan.drainMs <= 0 || room.clients.length === 0) {
      void close();
      return;
    }
    logger.info({ roomId: room.roomId, players: room.clients.length, drainMs: plan.drainMs }, "room draining");
    const notice: ShutdownNotice = { reason: plan.reason ?? this.#notice!, disconnectInMs: plan.drainMs };
    room.broadcast(FrameworkMessage.SHUTDOWN, notice);
    this.#disconnectAtDrainEnd = setTimeout(() => void close(), plan.drainMs).unref();
  }
}

/**
 * Every room alive in this process that composes the drain piece
 * (server/room/drain.ts), for what must reach all of them at once: the drain
 * on shutdown and server-wide announcements. The types they exchange live
 * here, so neither announcements.ts nor shutdown.ts needs the other.
 */
import type { Announcement } from "../../shared/protocol.ts";

export type { Announcement };

export interface DrainPlan {
  /** Shown to players instead of their room type's own notice (a crash has no time to be polite). */
  reason?: string;
  /** How long rooms keep playing before their players are moved on (ms). */
  drainMs: number;
}

export interface LiveRoom {
  beginDrain(plan: DrainPlan): void;
  showAnnouncement(announcement: Announcement): void;
}

export const liveRooms = new Set<LiveRoom>();

/**
 * Every GameRoom alive in this process (registered from onCreate to
 * onDispose), for what must reach all of them at once: the drain on shutdown
 * and server-wide announcements.
 */
import type { Announcement } from "./announcements.ts";
import type { DrainPlan } from "./shutdown.ts";

export interface LiveRoom {
  beginDrain(plan: DrainPlan): void;
  showAnnouncement(announcement: Announcement): void;
}

export const liveRooms = new Set<LiveRoom>();

/**
 * Server-wide announcements: an operator posts one to any process, it crosses
 * to every process through the presence's pub/sub (Redis with REDIS_URL, in
 * memory otherwise), and every room that composes the drain piece (game rooms
 * and the lobby) forwards it to its clients as the framework message
 * "announcement" `{ id, text, sentAt }` (shared/protocol.ts). Every room
 * composes that piece, chat rooms included, so the title screen hears it;
 * the client's notification feed shows it once however many rooms it is in.
 */
import { randomUUID } from "node:crypto";
import type { Presence } from "@colyseus/core";
import { z } from "zod";
import type { Announcement } from "../../shared/protocol.ts";
import { liveRooms } from "./live-rooms.ts";
import { logger } from "../logger.ts";
import { announcementsDelivered } from "./metrics.ts";

export const ANNOUNCEMENT_CHANNEL = "tickforge:announcement";

/** What an operator sends. */
export const AnnouncementRequest = z.object({
  text: z.string().trim().min(1, "An announcement needs some text.").max(280, "Announcements are at most 280 characters."),
});

export async function announce(presence: Presence, text: string): Promise<Announcement> {
  const announcement: Announcement = { id: randomUUID(), text, sentAt: Date.now() };
  await presence.publish(ANNOUNCEMENT_CHANNEL, announcement);
  return announcement;
}

/** Guard for what arrives on the channel: another deployment sharing Redis must not crash a room. */
export function isAnnouncement(value: unknown): value is Announcement {
  return typeof value === "object" && value !== null
    && typeof (value as Announcement).id === "string"
    && typeof (value as Announcement).text === "string"
    && typeof (value as Announcement).sentAt === "number";
}

/** One subscription per process, fanned out to its rooms: the channel's listener count stays at one. */
export async function followAnnouncements(presence: Presence): Promise<void> {
  await presence.subscribe(ANNOUNCEMENT_CHANNEL, (message: unknown) => {
    if (!isAnnouncement(message)) return;
    announcementsDelivered.inc();
    for (const room of liveRooms) {
      try {
        room.showAnnouncement({ id: message.id, text: message.text, sentAt: message.sentAt });
      } catch (error) {
        logger.error({ err: error }, "a room failed to show an announcement");
      }
    }
  });
}

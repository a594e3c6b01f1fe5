/**
 * The player's live notifications, from every room they are in: "Ann sent
 * you a message", "your match is ready", an invitation, an operator's
 * announcement. The server sends each one to every socket the player has
 * (title-screen chat, lobby, any game room), so the same notification
 * arrives once per room: this feed shows it once (by id), and acknowledges
 * stored ones so they are not offered again on the next connection. No
 * Phaser, no DOM: the browser's toasts and the bots both use it.
 *
 *   const feed = new NotificationFeed();
 *   feed.listen(chatRoom);           // and every room joined later
 *   feed.subscribe((n) => toast(n)); // n.text is plain text: textContent, never innerHTML
 */
import type { Room } from "@colyseus/sdk";
import {
  FrameworkClientMessage, FrameworkMessage,
  type Announcement, type Notification, type NotificationBatch, type NotificationsRead,
} from "../../../shared/protocol.ts";

export type { Notification, NotificationKind } from "../../../shared/protocol.ts";

export interface NotificationFeedOptions {
  /** How many ids are remembered to drop repeats (default 500); the most recent notifications kept for `recent` (default 50). */
  remember?: number;
  keep?: number;
}

/** Announcements are not stored per user; their ids are namespaced so none can pass for a stored notification's. */
export function announcementNotification(announcement: Announcement): Notification {
  return { id: `announcement:${announcement.id}`, kind: "announcement", text: announcement.text, from: "operator", at: announcement.sentAt };
}

export class NotificationFeed {
  readonly #listeners = new Set<(notification: Notification) => void>();
  /** Ids already shown, oldest first, bounded. */
  readonly #seen = new Set<string>();
  readonly #recent: Notification[] = [];
  readonly #remember: number;
  readonly #keep: number;
  /** The highest stored seq shown, and the highest acknowledged to the server. */
  #shownThrough = 0;
  #acknowledged = 0;

  constructor(options: NotificationFeedOptions = {}) {
    this.#remember = options.remember ?? 500;
    this.#keep = options.keep ?? 50;
  }

  /** Hear `room`'s notifications and announcements; returns the function that stops listening (leaving the room does too). */
  listen(room: Room): () => void {
    const stops = [
      room.onMessage(FrameworkMessage.NOTIFICATION, (notification: Notification) => {
        this.#show(notification);
        this.#acknowledge(room);
      }),
      room.onMessage(FrameworkMessage.NOTIFICATIONS, (batch: NotificationBatch) => {
        for (const notification of batch.notifications) this.#show(notification);
        this.#shownThrough = Math.max(this.#shownThrough, batch.through);
        this.#acknowledge(room);
      }),
      room.onMessage(FrameworkMessage.ANNOUNCEMENT, (announcement: Announcement) => this.#show(announcementNotification(announcement))),
    ];
    return () => { for (const stop of stops) stop(); };
  }

  /** Call `listener` once for every new notification, in arrival order; returns the unsubscribe function. */
  subscribe(listener: (notification: Notification) => void): () => void {
    this.#listeners.add(listener);
    return () => { this.#listeners.delete(listener); };
  }

  /** The most recent notifications shown, oldest first. */
  get recent(): readonly Notification[] {
    return this.#recent;
  }

  #show(notification: Notification): void {
    if (typeof notification?.id !== "string" || this.#seen.has(notification.id)) return;
    this.#seen.add(notification.id);
    if (this.#seen.size > this.#remember) this.#seen.delete(this.#seen.values().next().value!);
    this.#recent.push(notification);
    if (this.#recent.length > this.#keep) this.#recent.shift();
    if (typeof notification.seq === "number") this.#shownThrough = Math.max(this.#shownThrough, notification.seq);
    for (const listener of [...this.#listeners]) {
      try {
        listener(notification);
      } catch (error) {
        console.error("Tickforge: a notification listener failed:", error);
      }
    }
  }

  /** Stored notifications are per user, so one acknowledgement through any of their rooms marks them read everywhere. */
  #acknowledge(room: Room): void {
    if (this.#shownThrough <= this.#acknowledged || !room.connection?.isOpen) return;
    this.#acknowledged = this.#shownThrough;
    room.send(FrameworkClientMessage.NOTIFICATIONS_READ, { through: this.#acknowledged } satisfies NotificationsRead);
  }
}

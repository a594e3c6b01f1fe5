/**
 * The notification piece every room composes (framework(), and the lobby):
 * each joined socket hears its user's notifications (server/ops/notifications.ts),
 * is offered the ones they have not acknowledged, and may acknowledge them
 * with `notifications:read { through }` (shared/protocol.ts).
 */
import { RoomPlugin, type Client, type Room } from "@colyseus/core";
import { z } from "zod";
import { FrameworkClientMessage, FrameworkMessage } from "../../shared/protocol.ts";
import { clientLogs } from "../log-limit.ts";
import { logger } from "../logger.ts";
import type { Notifier } from "../ops/notifications.ts";
import { ROOM_SETUP_OPTION, type RoomSetup } from "./lifecycle.ts";

const NotificationsRead = z.object({ through: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER) });

interface Identity { userId: string }

export class LiveNotifications extends RoomPlugin<Room> {
  readonly pluginName = "notifications" as const;
  /** Offered once the room's own onJoin accepted the socket. */
  protected override order = { onJoin: "after" } as const;
  #notifier: Notifier | undefined;
  /** What each socket last acknowledged: only progress reaches the Store, however often a client repeats itself. */
  #acknowledged = new Map<string, number>();

  protected override messages = {
    [FrameworkClientMessage.NOTIFICATIONS_READ]: (client: Client, payload: unknown) => {
      const user = userOf(client);
      const read = NotificationsRead.safeParse(payload);
      if (!user || !read.success || !this.#notifier) return;
      const through = read.data.through;
      if (through <= (this.#acknowledged.get(client.sessionId) ?? 0)) return;
      this.#acknowledged.set(client.sessionId, through);
      this.#notifier.markRead(user, through).catch((error: unknown) => {
        if (clientLogs.allow(client.sessionId)) logger.warn({ err: error, roomId: this.room.roomId }, "could not mark notifications read");
      });
    },
  };

  protected override onCreate(options: Record<string, unknown> | undefined): void {
    this.#notifier = (options?.[ROOM_SETUP_OPTION] as Pick<RoomSetup, "notifier"> | undefined)?.notifier;
  }

  protected override async onJoin(client: Client): Promise<void> {
    const user = userOf(client);
    if (!user || !this.#notifier) return;
    // Listening before reading: a notification stored in between arrives live, and the client drops the repeat by id.
    await this.#notifier.attach(user, this.room, client.sessionId);
    try {
      const unread = await this.#notifier.unread(user);
      if (unread.notifications.length > 0) client.send(FrameworkMessage.NOTIFICATIONS, unread);
    } catch (error) {
      logger.warn({ err: error, roomId: this.room.roomId }, "could not offer unread notifications; they wait for the next join");
    }
  }

  protected override onLeave(client: Client): void {
    this.#acknowledged.delete(client.sessionId);
    const user = userOf(client);
    if (user) this.#notifier?.detach(user, this.room, client.sessionId);
  }

  protected override onDispose(): void {
    // A room disposed with sockets still in it (a shutdown) lets go of their topics too.
    for (const client of this.room.clients) {
      const user = userOf(client);
      if (user) this.#notifier?.detach(user, this.room, client.sessionId);
    }
  }
}

function userOf(client: Client): string | undefined {
  const user = (client.auth as Identity | undefined)?.userId;
  return typeof user === "string" ? user : undefined;
}

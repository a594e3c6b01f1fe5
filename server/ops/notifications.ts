/**
 * Live notifications: a push channel per user. `notify(userId, …)` stores the
 * notification in the user's bounded log (the Store: Redis with REDIS_URL,
 * SQLite otherwise), then publishes it on the user's presence topic; every
 * process holding a socket of that user, in any room of any type, forwards
 * it to each of them. Stored first, so a socket closing mid-publish, or a
 * user with no socket anywhere, loses nothing: every join offers what the
 * user has not acknowledged yet (server/room/notifications.ts), and the
 * client's acknowledgement moves their read cursor past it.
 *
 * The same topic carries an operator's kick, so it reaches the user's
 * sockets on whichever process holds them.
 *
 * Keys: `notify:log:<user>` (log), `notify:read:<user>` (cursor).
 */
import { randomUUID } from "node:crypto";
import type { Presence, Room } from "@colyseus/core";
import { z } from "zod";
import { CloseCode, FrameworkMessage, type Notification, type NotificationBatch } from "../../shared/protocol.ts";
import { closeReason } from "../errors.ts";
import { logger } from "../logger.ts";
import { removeForMisbehaviour } from "../room/misbehaviour.ts";
import type { Store } from "../storage/store.ts";
import { notificationsDelivered } from "./metrics.ts";

/** What a room, a studio or an operator asks to send; the id defaults to a fresh one, the time to now. */
export const NotificationRequest = z.object({
  /** A repeat with the same id (within the user's kept notifications) is stored and sent once: "match-ready:<room>", say. */
  id: z.string().regex(/^[^\s\p{C}]{1,200}$/u, "An id is 1 to 200 visible characters without spaces.").optional(),
  kind: z.string().regex(/^[a-z0-9][a-z0-9:-]{0,31}$/, "A kind is 1 to 32 lowercase letters, digits, - or :, like \"match-ready\"."),
  text: z.string().trim().min(1, "A notification needs some text.").max(280, "A notification's text is at most 280 characters."),
  from: z.string().min(1).max(128).optional(),
  data: z.record(z.string(), z.unknown()).refine((d) => JSON.stringify(d).length <= 2048, "A notification's data is at most 2 KB of JSON.").optional(),
});
export type NotificationRequest = z.input<typeof NotificationRequest>;

/** A user id as the routes accept it: what identities issue (`guest-<uuid>`, a provider's `sub`). */
export const UserId = z.string().min(1, "Name the user: userId.").max(128, "A user id is at most 128 characters.").refine((id) => !/[\s~]/.test(id), "A user id has no spaces and no ~.");

export interface NotificationBounds {
  /** Notifications kept per user; the oldest go first (NOTIFICATIONS_KEPT). */
  kept: number;
}

export interface KickOrder {
  /** Shown to the kicked player in the close frame. */
  reason: string;
  /** Only sockets in rooms of this type (the lobby is "lobby"); every room when omitted. */
  roomType?: string;
}

/** What crosses a user's topic between processes. */
type UserEvent =
  | { type: "notification"; notification: Notification }
  | { type: "kick"; order: KickOrder };

const UserEventShape = z.discriminatedUnion("type", [
  z.object({ type: z.literal("notification"), notification: z.object({ id: z.string(), kind: z.string(), text: z.string(), at: z.number() }).passthrough() }),
  z.object({ type: z.literal("kick"), order: z.object({ reason: z.string(), roomType: z.string().optional() }) }),
]);

/** The topic is encoded so no character of a user id acts as a pattern in the presence's channel listing. */
const userTopic = (user: string) => `notify:user:${Buffer.from(user).toString("base64url")}`;
const logKey = (user: string) => `notify:log:${user}`;
const readKey = (user: string) => `notify:read:${user}`;

/** A socket by room and session, not by Client object: a resumed seat gets a new Client under the same session. */
interface Held { room: Room; sessionId: string }

export class Notifier {
  readonly #presence: Presence;
  readonly #store: Store;
  readonly #bounds: NotificationBounds;
  /** This process's sockets by user id, across all its rooms, and the one topic listener per user. */
  readonly #sockets = new Map<string, Set<Held>>();
  readonly #listeners = new Map<string, (event: unknown) => void>();

  constructor(presence: Presence, store: Store, bounds: NotificationBounds) {
    this.#presence = presence;
    this.#store = store;
    this.#bounds = bounds;
  }

  /**
   * Send `request` to `userId` wherever they are connected, or keep it until
   * they connect. Throws a ZodError for a request of the wrong shape and a
   * StoreError when storage is down (nothing was sent then).
   */
  async notify(userId: string, request: NotificationRequest): Promise<Notification> {
    const user = UserId.parse(userId);
    const parsed = NotificationRequest.parse(request);
    const stored: Omit<Notification, "seq"> = {
      id: parsed.id ?? randomUUID(), kind: parsed.kind, text: parsed.text, at: Date.now(),
      ...(parsed.from === undefined ? {} : { from: parsed.from }),
      ...(parsed.data === undefined ? {} : { data: parsed.data }),
    };
    const appended = await this.#store.append(logKey(user), { id: stored.id, body: JSON.stringify(stored) }, { maxLength: this.#bounds.kept });
    const notification: Notification = { ...stored, seq: appended.seq };
    if (appended.duplicate) return notification;
    await this.#presence.publish(userTopic(user), { type: "notification", notification } satisfies UserEvent);
    return notification;
  }

  /** Close every socket `userId` has in rooms of `order.roomType` (any room when omitted), on every process. Resolves to whether they had any socket anywhere. */
  async kick(userId: string, order: KickOrder): Promise<boolean> {
    const topic = userTopic(UserId.parse(userId));
    const online = (await this.#presence.channels(topic)).includes(topic);
    await this.#presence.publish(topic, { type: "kick", order } satisfies UserEvent);
    return online;
  }

  /** What `userId` has not acknowledged, oldest first. */
  async unread(userId: string): Promise<NotificationBatch> {
    const from = await this.#store.getCursor(readKey(userId));
    const entries = await this.#store.readAfter(logKey(userId), from, this.#bounds.kept);
    return {
      notifications: entries.map((entry) => ({ ...(JSON.parse(entry.body) as Notification), seq: entry.seq })),
      through: entries.at(-1)?.seq ?? from,
    };
  }

  /** The user's client showed everything up to `through`; never past what their log holds, whatever the client says. */
  async markRead(userId: string, through: number): Promise<number> {
    const { lastSeq } = await this.#store.logInfo(logKey(userId));
    return this.#store.advanceCursor(readKey(userId), Math.min(through, lastSeq));
  }

  /** A socket of `userId` joined `room` in this process: it hears their topic from now on. */
  async attach(userId: string, room: Room, sessionId: string): Promise<void> {
    let held = this.#sockets.get(userId);
    if (!held) {
      held = new Set();
      this.#sockets.set(userId, held);
      const listener = (event: unknown) => this.#deliver(userId, event);
      this.#listeners.set(userId, listener);
      await this.#presence.subscribe(userTopic(userId), listener);
    }
    held.add({ room, sessionId });
  }

  /** The socket left its room; the user's topic is let go with their last socket in this process. */
  detach(userId: string, room: Room, sessionId: string): void {
    const held = this.#sockets.get(userId);
    if (!held) return;
    for (const entry of held) if (entry.room === room && entry.sessionId === sessionId) held.delete(entry);
    if (held.size > 0) return;
    this.#sockets.delete(userId);
    const listener = this.#listeners.get(userId);
    this.#listeners.delete(userId);
    if (listener) this.#presence.unsubscribe(userTopic(userId), listener);
  }

  #deliver(userId: string, raw: unknown): void {
    const parsed = UserEventShape.safeParse(raw);
    if (!parsed.success) return; // another deployment sharing the Redis, or an older build: nothing for our sockets
    const event = parsed.data as UserEvent;
    for (const { room, sessionId } of [...this.#sockets.get(userId) ?? []]) {
      const client = room.clients.get(sessionId);
      if (!client) continue; // dropped, its seat held: what it missed is offered on its next join
      try {
        if (event.type === "notification") {
          client.send(FrameworkMessage.NOTIFICATION, event.notification);
          notificationsDelivered.inc();
        } else if (event.order.roomType === undefined || event.order.roomType === room.roomName) {
          removeForMisbehaviour(client, CloseCode.KICKED, closeReason(event.order.reason));
        }
      } catch (error) {
        logger.error({ err: error, userId }, "a notification could not reach a socket");
      }
    }
  }
}

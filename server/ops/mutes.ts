/**
 * Operator mutes: a user muted for a while may stay connected but may not
 * talk. Kept in the Store as a document that expires with the mute, so every
 * process sharing the Store (Redis with REDIS_URL) sees it at once and a
 * restart forgets none. Rooms that carry talk (chat) ask `muteOf` before
 * storing a message; POST /admin/mute sets one (server/ops/http.ts).
 *
 * Key: `mute:<user>` (document, JSON `Mute`, TTL the mute's length).
 */
import { z } from "zod";
import { MAX_TTL_MS, type Store } from "../storage/store.ts";
import { UserId } from "./notifications.ts";

export interface Mute {
  /** ms since the epoch when the mute ends. */
  until: number;
  /** The operator's words, shown to the muted player. */
  reason: string;
}

/** What an operator sends to POST /admin/mute. */
export const MuteRequest = z.object({
  userId: UserId,
  seconds: z.number().int().min(1, "Mute for at least 1 second.").max(Math.floor(MAX_TTL_MS / 1000), `A mute lasts at most ${Math.floor(MAX_TTL_MS / 86_400_000)} days.`),
  reason: z.string().trim().min(1, "Give the player a reason: reason.").max(200, "A reason is at most 200 characters."),
});

const muteKey = (user: string) => `mute:${user}`;

export async function muteUser(store: Store, userId: string, seconds: number, reason: string): Promise<Mute> {
  const mute: Mute = { until: Date.now() + seconds * 1000, reason };
  await store.putDocument(muteKey(userId), new TextEncoder().encode(JSON.stringify(mute)), { ttlMs: seconds * 1000 });
  return mute;
}

/** True when there was a mute to lift. */
export function unmuteUser(store: Store, userId: string): Promise<boolean> {
  return store.deleteDocument(muteKey(userId));
}

/** The user's mute while it lasts. */
export async function muteOf(store: Store, userId: string): Promise<Mute | undefined> {
  const doc = await store.getDocument(muteKey(userId));
  if (!doc) return undefined;
  const mute = JSON.parse(new TextDecoder().decode(doc.value)) as Mute;
  return mute.until > Date.now() ? mute : undefined;
}

/** What a muted player reads. */
export function mutedMessage(mute: Mute): string {
  return `An operator muted you until ${new Date(mute.until).toISOString().slice(0, 16).replace("T", " ")} UTC: ${mute.reason}`;
}

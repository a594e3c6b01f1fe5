/**
 * Resuming a seat wherever its room is now. The SDK's own retry reconnects
 * to the socket address it joined, which is gone with its process; this asks
 * matchmaking (POST /matchmake/reconnect/:roomId with the reconnection token),
 * which answers the room's current process, and connects there. The same
 * call resumes a seat whose process is alive (a network drop), so the page,
 * the bots and the specs use it for every drop.
 *
 * While a durable room is between processes the server answers ROOM_MOVING
 * (and, for a moment, UNAVAILABLE or no answer at all): those are retried
 * until `withinMs`. A lost room (ROOM_LOST, with why), an expired seat or an
 * identity that does not own the seat end the attempt at once.
 */
import type { Client, Room } from "@colyseus/sdk";
import { AuthErrorCode, MatchmakingErrorCode } from "./protocol.ts";

/** Colyseus's answers that mean the seat will not come back: no such room, token expired. */
const SEAT_GONE = new Set<number>([522, 524]);

export interface ResumeOptions<T> {
  /** The state's schema class, as for `client.reconnect`. */
  rootSchema?: new () => T;
  /** Give up after this long, ms (default 60 s: the longest a restart may take). */
  withinMs?: number;
  /** Stop early (the player left meanwhile). */
  cancelled?: () => boolean;
  /** Told before each retry, with what the server answered. */
  onRetry?: (error: Error & { code?: number }) => void;
}

/** Errors worth retrying: the room is moving, its process is not answering, or the network is down. */
export function isRetriable(error: unknown): boolean {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== "number") return true; // no answer at all (connection refused while a process restarts)
  if (code === MatchmakingErrorCode.ROOM_LOST || SEAT_GONE.has(code)) return false;
  if ((Object.values(AuthErrorCode) as number[]).includes(code)) return false;
  return true;
}

/** Reconnect with `reconnectionToken` ("roomId:token", the SDK's `room.reconnectionToken`) to wherever the room is now. */
export async function resumeSeat<T = any>(client: Client, reconnectionToken: string, options: ResumeOptions<T> = {}): Promise<Room<any, T>> {
  const deadline = Date.now() + (options.withinMs ?? 60_000);
  let wait = 100;
  for (;;) {
    try {
      return await client.reconnect<T>(reconnectionToken, options.rootSchema as never);
    } catch (error) {
      if (!isRetriable(error) || options.cancelled?.() || Date.now() + wait > deadline) throw error;
      options.onRetry?.(error as Error & { code?: number });
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 1000);
    }
  }
}

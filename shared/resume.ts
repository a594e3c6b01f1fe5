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
import { AuthErrorCode, CloseCode, MatchmakingErrorCode } from "./protocol.ts";

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
  /**
   * Another way in after an attempt got no answer at all (its address is a
   * process that is restarting): a client of the next address a player
   * knows. The page has one address (its origin, a proxy); bots given several
   * `--endpoint`s stand for a client with a list of them.
   */
  nextClient?: (unanswered: Client) => Client;
}

/** No answer at all, as opposed to a server's refusal with a code: connection refused while a process restarts, or the network down. */
export function unanswered(error: unknown): boolean {
  return typeof (error as { code?: unknown })?.code !== "number";
}

/** Errors worth retrying: the room is moving, its process is not answering, or the network is down. */
export function isRetriable(error: unknown): boolean {
  if (unanswered(error)) return true;
  const code = (error as { code: number }).code;
  if (code === MatchmakingErrorCode.ROOM_LOST || SEAT_GONE.has(code)) return false;
  if ((Object.values(AuthErrorCode) as number[]).includes(code)) return false;
  return true;
}

/** Reconnect with `reconnectionToken` ("roomId:token", the SDK's `room.reconnectionToken`) to wherever the room is now. */
export async function resumeSeat<T = any>(client: Client, reconnectionToken: string, options: ResumeOptions<T> = {}): Promise<Room<any, T>> {
  const deadline = Date.now() + (options.withinMs ?? 60_000);
  let wait = 100;
  const addressOf = ({ settings }: Client) => `${settings.secure}/${settings.hostname}:${settings.port}${settings.pathname ?? ""}`;
  const tried = new Set([addressOf(client)]);
  for (;;) {
    try {
      return await client.reconnect<T>(reconnectionToken, options.rootSchema as never);
    } catch (error) {
      if (!isRetriable(error) || options.cancelled?.() || Date.now() + wait > deadline) throw error;
      options.onRetry?.(error as Error & { code?: number });
      if (unanswered(error) && options.nextClient) {
        client = options.nextClient(client);
        // Only an address not yet tried gets a prompt try: round a list of addresses that are all down, the backoff must still grow.
        if (!tried.has(addressOf(client))) {
          tried.add(addressOf(client));
          wait = 100;
        }
      }
      await new Promise((resolve) => setTimeout(resolve, wait));
      wait = Math.min(wait * 2, 1000);
    }
  }
}

/** Retries at the socket's old address before asking matchmaking. */
export const SAME_ADDRESS_TRIES = 3;

export interface FollowHandlers<T> {
  rootSchema?: new () => T;
  withinMs?: number;
  /** The seat is being looked for through matchmaking (its process is gone, or the room is moving). */
  onSearching?(): void;
  /** The seat is back, in a new SDK room object (the old one is finished). */
  onResumed(room: Room<any, T>): void;
  /** The seat is gone for good: the room was lost (ROOM_LOST, with why), the seat expired, or the search ran out of time. */
  onLost(error: Error & { code?: number }): void;
}

export interface Following {
  /** True from the moment matchmaking is asked: the old room's own leave that follows is part of the move, not an end. */
  readonly searching: boolean;
  /** Stop following (the player left). */
  stop(): void;
}

/**
 * Keep a player's seat through drops and moves. A drop is first retried the
 * SDK's way at the same address (SAME_ADDRESS_TRIES times, about a second and
 * a half of backoff, less than a restore takes anyway): that also takes back a seat whose
 * old socket the server has not noticed closing yet, which asking
 * matchmaking would close as an error. If those fail, the process is gone:
 * matchmaking is asked where the room is now (resumeSeat).
 * A room closed with ROOM_MOVING goes to matchmaking at once. The SDK's
 * `minUptime` rule (no retry within 5 s of joining) is switched off here on
 * purpose: retries are bounded by the server's seat window and `withinMs`.
 */
export function followSeat<T>(client: Client, room: Room<any, T>, handlers: FollowHandlers<T>): Following {
  let searching = false;
  let stopped = false;
  let drops = 0;
  room.reconnection.minUptime = 0;
  const search = () => {
    if (searching || stopped) return;
    searching = true;
    room.reconnection.enabled = false; // the SDK now ends the old room: matchmaking takes it from here
    handlers.onSearching?.();
    resumeSeat<T>(client, room.reconnectionToken, { rootSchema: handlers.rootSchema, withinMs: handlers.withinMs, cancelled: () => stopped }).then(
      (resumed) => (stopped ? void resumed.leave(true) : handlers.onResumed(resumed)),
      (error: Error & { code?: number }) => { if (!stopped) handlers.onLost(error); },
    );
  };
  room.onDrop(() => { if (++drops >= SAME_ADDRESS_TRIES + 1) search(); });
  room.onReconnect(() => { drops = 0; });
  room.onLeave((code) => { if (code === CloseCode.ROOM_MOVING) search(); });
  return {
    get searching() { return searching; },
    stop() { stopped = true; },
  };
}

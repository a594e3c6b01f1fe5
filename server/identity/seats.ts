/**
 * Reconnection bound to identity. Colyseus resumes a held seat for whoever
 * presents its reconnection token; here the token must come with an identity
 * token of the seat's owner. A mismatch is refused before Colyseus looks at
 * the reconnection (its HTTP route closes a still-open socket of the owner),
 * so the seat stays held for its owner.
 */
import { matchMaker, ServerError, type Room } from "@colyseus/core";
import { AuthErrorCode } from "../errors.ts";
import type { Identity, IdentityVerifier } from "./tokens.ts";
import { IdentityError } from "./tokens.ts";

const UNGUARDED = Symbol("tickforge.unguardedInvokeMethod");

interface SeatInternals {
  _reconnections: Record<string, [string, unknown] | undefined>;
  _reservedSeats: Record<string, [unknown, unknown, ...unknown[]] | undefined>;
}

/** The user id of the seat `reconnectionToken` resumes (held, or still open), if the room knows the token. */
export function ownerOfReconnection(room: Room, reconnectionToken: string): string | undefined {
  const seats = room as unknown as SeatInternals;
  const heldFor = seats._reconnections[reconnectionToken]?.[0];
  const auth = heldFor !== undefined
    ? seats._reservedSeats[heldFor]?.[1]
    : room.clients.find((client) => client.reconnectionToken === reconnectionToken)?.auth;
  return (auth as Identity | undefined)?.userId;
}

/** Throws a ServerError unless `identityToken` is the seat owner's (an unknown reconnection token is left to Colyseus). */
export async function checkReconnectingIdentity(verifier: IdentityVerifier, owner: string | undefined, identityToken: string | null | undefined): Promise<void> {
  if (owner === undefined) return;
  let identity: Identity;
  try {
    identity = await verifier.verify(identityToken);
  } catch (error) {
    if (error instanceof IdentityError) throw new ServerError(error.code, error.message);
    throw error;
  }
  if (identity.userId !== owner) {
    throw new ServerError(AuthErrorCode.SEAT_HELD_FOR_ANOTHER_PLAYER, "This seat belongs to another player; it stays held for them.");
  }
}

/**
 * Guard Colyseus's HTTP reconnect route (POST /matchmake/reconnect/:roomId),
 * wherever the room lives: its process answers who owns the seat.
 */
export function guardReconnectRoute(verifier: IdentityVerifier): void {
  const controller = matchMaker.controller as typeof matchMaker.controller & { [UNGUARDED]?: typeof matchMaker.controller.invokeMethod };
  // A second server in the same process (tests) guards Colyseus's own method again, not the guard.
  const invoke = controller[UNGUARDED] ??= controller.invokeMethod;
  controller.invokeMethod = async function invokeWithSeatOwner(this: typeof controller, method, roomId, clientOptions, authContext) {
    const reconnectionToken = (clientOptions as { reconnectionToken?: unknown } | undefined)?.reconnectionToken;
    if (method === "reconnect" && typeof reconnectionToken === "string") {
      const owner = await matchMaker.remoteRoomCall(roomId, "ownerOfReconnection" as never, [reconnectionToken])
        .catch(() => undefined) as string | undefined;
      await checkReconnectingIdentity(verifier, owner, authContext?.token);
    }
    return invoke.call(this, method, roomId, clientOptions, authContext);
  };
}

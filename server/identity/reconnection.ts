/**
 * Reconnection bound to identity. Colyseus resumes a held seat for whoever
 * presents its reconnection token; here the token must come with an identity
 * token of the seat's owner (server/room/seats.ts, `seatOwner`). A mismatch
 * is refused before Colyseus looks at the reconnection (its HTTP route closes
 * a still-open socket of the owner), so the seat stays held for its owner.
 * Both ways back are guarded: the HTTP reconnect route here, the socket's
 * upgrade in server/edge/upgrade-gate.ts. A durable room between processes
 * (server/room/durable.ts) answers ROOM_MOVING until it is restored, or
 * ROOM_LOST with the reason it was not.
 */
import { matchMaker, ServerError } from "@colyseus/core";
import { AuthErrorCode, MatchmakingErrorCode } from "../../shared/protocol.ts";
import { verifyForMatchmaking } from "../room/admission.ts";
import { whereIsRoom } from "../room/durable.ts";
import type { Store } from "../storage/store.ts";
import { beforeMatchmakeMethod } from "../room/colyseus-internals.ts";
import type { IdentityVerifier } from "./tokens.ts";

/** Throws a ServerError unless `identityToken` is the seat owner's (an unknown reconnection token is left to Colyseus). */
export async function checkReconnectingIdentity(verifier: IdentityVerifier, owner: string | undefined, identityToken: string | null | undefined): Promise<void> {
  if (owner === undefined) return;
  const identity = await verifyForMatchmaking(verifier, identityToken);
  if (identity.userId !== owner) {
    throw new ServerError(AuthErrorCode.SEAT_HELD_FOR_ANOTHER_PLAYER, "This seat belongs to another player; it stays held for them.");
  }
}

/**
 * Guard Colyseus's HTTP reconnect route (POST /matchmake/reconnect/:roomId),
 * wherever the room lives: its process answers who owns the seat
 * (GameRoom.ownerOfReconnection, by remote room call).
 */
export function guardReconnectRoute(verifier: IdentityVerifier, store: Store): void {
  beforeMatchmakeMethod(async (method, roomId, clientOptions, authContext) => {
    const reconnectionToken = (clientOptions as { reconnectionToken?: unknown } | undefined)?.reconnectionToken;
    if (method !== "reconnect" || typeof reconnectionToken !== "string") return;
    // No such room: a durable room being restored says so (retry), a lost one says why; otherwise Colyseus answers that the seat is gone.
    // A room that exists but cannot say who owns the seat is refused (fail closed).
    if (!(await matchMaker.driver.has(roomId))) {
      const where = await whereIsRoom(store, roomId).catch(() => undefined);
      if (where && "moving" in where) throw new ServerError(MatchmakingErrorCode.ROOM_MOVING, "Your room's server stopped; the room is being restored on another. Retry in a moment.");
      if (where && "lost" in where) throw new ServerError(MatchmakingErrorCode.ROOM_LOST, where.lost);
      return;
    }
    const owner = await matchMaker.remoteRoomCall(roomId, "ownerOfReconnection" as never, [reconnectionToken]).catch(() => {
      throw new ServerError(MatchmakingErrorCode.UNAVAILABLE, "The room holding your seat did not answer; try reconnecting again in a moment.");
    }) as string | undefined;
    await checkReconnectingIdentity(verifier, owner, authContext?.token);
    // The owner's socket may still be open there (a drop its process has not noticed): Colyseus closes it, and the seat must stay held.
    if (owner !== undefined) await matchMaker.remoteRoomCall(roomId, "expectReconnection" as never, [reconnectionToken]).catch(() => undefined);
  });
}

/**
 * ROOMS_CREATED_PER_MINUTE: a room created while handling a matchmaking
 * request counts against the address that sent it. Counted where the room is
 * created; a room another process creates for this request (REDIS_URL,
 * placement elsewhere) is counted by neither, so with several processes the
 * matchmaking bucket is what bounds one address.
 */
import { ServerError } from "@colyseus/core";
import { EdgeErrorCode } from "../../shared/protocol.ts";
import { requestAddress } from "./addresses.ts";
import type { AddressLimits } from "./limits.ts";

/** Throws (refusing the creation) when the requesting address is over its rooms per minute. */
export function limitRoomCreation(limits: AddressLimits, roomName: string): void {
  const address = requestAddress.getStore();
  if (!address) return; // created by the server itself, not for a request
  const wait = limits.recordRoomCreation(address);
  if (wait > 0) {
    throw new ServerError(EdgeErrorCode.ROOM_CREATION_LIMITED, `Your address has created too many ${roomName} rooms this minute; join an existing one, or retry in ${Math.ceil(wait)} s.`);
  }
}

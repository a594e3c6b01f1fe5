/**
 * The framework's onAuth, for every room type createGameServer registers
 * (and the lobby): matchmaking refuses while Redis is down, the identity
 * token must verify (server/identity/tokens.ts), and the room type must admit
 * that identity. Whatever passes becomes `client.auth`.
 *
 * A room type declares what it accepts in its descriptor
 * (`defineRoomType({ admits: { guests: false } })`). Colyseus calls a room
 * class's static onAuth detached from the class, so createGameServer installs
 * one per registered class, bound to its type's admission and to this
 * server's verifier.
 */
import { ServerError, type AuthContext } from "@colyseus/core";
import { AuthErrorCode, MatchmakingErrorCode } from "../../shared/protocol.ts";
import { IdentityError, type Identity, type IdentityVerifier } from "../identity/tokens.ts";
import { matchmakingOutage } from "../ops/redis.ts";
import type { Admission } from "./room-type.ts";

type StaticOnAuth = (token: string, options: unknown, context: AuthContext) => Promise<Identity>;

/** Verify `token`, as the ServerError (AuthErrorCode) a client sees when it is refused. */
export async function verifyForMatchmaking(verifier: IdentityVerifier, token: string | null | undefined): Promise<Identity> {
  try {
    return await verifier.verify(token);
  } catch (error) {
    if (error instanceof IdentityError) throw new ServerError(error.code, error.message);
    throw error;
  }
}

/** The onAuth of a room type admitting `admission`, checked by `verifier`. */
export function admissionCheck(verifier: IdentityVerifier, admission: Admission): StaticOnAuth {
  return async function onAuth(token, _options, context) {
    const outage = matchmakingOutage();
    if (outage) throw new ServerError(MatchmakingErrorCode.UNAVAILABLE, outage);
    const identity = await verifyForMatchmaking(verifier, token ?? context?.token);
    if (identity.guest && !admission.guests) {
      throw new ServerError(AuthErrorCode.GUESTS_NOT_ADMITTED, "This room type does not admit guests: sign in with your account.");
    }
    return identity;
  };
}

/** Make `roomClass`'s matchmaking pass `onAuth` (Colyseus reads the class's static onAuth at every request). */
export function installAdmission(roomClass: object, onAuth: StaticOnAuth): void {
  Object.defineProperty(roomClass, "onAuth", { value: onAuth, configurable: true, writable: true });
}

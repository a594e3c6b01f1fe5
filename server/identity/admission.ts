/**
 * The framework's onAuth, for every room type: matchmaking refuses while Redis
 * is down, the token must verify (server/identity/tokens.ts), and the room
 * type must admit the identity. Whatever passes becomes `client.auth`.
 *
 * Colyseus calls `roomClass.onAuth(token, options, context)` detached from its
 * class, so a plain static method cannot see which room type it is admitting
 * to. Installed as a getter on Room, it is read off the room class being
 * joined and returns a check bound to that class; a room that defines its own
 * static onAuth still replaces it.
 */
import { Room, ServerError, type AuthContext } from "@colyseus/core";
import { AuthErrorCode, MatchmakingErrorCode } from "../errors.ts";
import { matchmakingOutage } from "../redis.ts";
import { IdentityError, IdentityVerifier, type Identity } from "./tokens.ts";

/** What a room type accepts; declared as `static admits` on its class. */
export interface Admission {
  /** Guest identities (POST /auth/guest); false admits only the external provider's users. */
  guests: boolean;
}

export const DEFAULT_ADMISSION: Admission = Object.freeze({ guests: true });

let verifier: IdentityVerifier | undefined;

/** The process's verifier; set once by createGameServer. */
export function identityVerifier(): IdentityVerifier {
  if (!verifier) throw new Error("identity is not installed: createGameServer() installs it");
  return verifier;
}

/** Make every room type require an identity, checked by `v`. */
export function requireIdentityInEveryRoom(v: IdentityVerifier): void {
  verifier = v;
  Object.defineProperty(Room, "onAuth", {
    configurable: true,
    get(this: typeof Room) {
      const roomClass = this;
      return (token: string, _options: unknown, context: AuthContext) => admit(roomClass, token ?? context?.token);
    },
  });
}

async function admit(roomClass: unknown, token: string | undefined): Promise<Identity> {
  const outage = matchmakingOutage();
  if (outage) throw new ServerError(MatchmakingErrorCode.UNAVAILABLE, outage);
  let identity: Identity;
  try {
    identity = await identityVerifier().verify(token);
  } catch (error) {
    if (error instanceof IdentityError) throw new ServerError(error.code, error.message);
    throw error;
  }
  const admission: Admission = (roomClass as { admits?: Admission }).admits ?? DEFAULT_ADMISSION;
  if (identity.guest && !admission.guests) {
    throw new ServerError(AuthErrorCode.GUESTS_NOT_ADMITTED, "This room type does not admit guests: sign in with your account.");
  }
  return identity;
}

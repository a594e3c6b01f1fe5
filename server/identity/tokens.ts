/**
 * Who a player is: guest tokens this server signs (HS256 with AUTH_SECRET),
 * and optionally tokens from a studio's own identity provider (verified
 * against its JWKS, issuer and audience). Every refusal is an IdentityError
 * whose code (AuthErrorCode, shared/protocol.ts) says what went wrong.
 */
import { randomUUID } from "node:crypto";
import { createRemoteJWKSet, decodeJwt, errors, jwtVerify, SignJWT, type JWTPayload } from "jose";
import type { AuthConfig } from "../config.ts";
import { AuthErrorCode, MatchmakingErrorCode, type IssuedToken } from "../../shared/protocol.ts";

/** What `client.auth` carries in every room. */
export interface Identity {
  /** Stable across refreshes and reconnections: `guest-<uuid>` for guests, the provider's `sub` otherwise. */
  userId: string;
  name: string;
  guest: boolean;
  /** The token's `iss`. */
  issuer: string;
  /** When the token runs out (ms since the epoch). */
  expiresAt: number;
  /** When this guest's first token was signed (ms since the epoch; its `auth_time`); undefined for a provider's users. */
  sessionStartedAt?: number;
}

export type { IssuedToken };

export class IdentityError extends Error {
  override name = "IdentityError";
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const GUEST_ALGORITHM = "HS256";
/** Asymmetric only: a provider's key set must never let a token choose an HMAC check against a published key. */
const PROVIDER_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"];

export class IdentityVerifier {
  readonly #config: AuthConfig;
  readonly #key: Uint8Array;
  readonly #providerKeys: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(config: AuthConfig) {
    this.#config = config;
    this.#key = new TextEncoder().encode(config.secret);
    this.#providerKeys = config.external ? createRemoteJWKSet(new URL(config.external.jwksUrl)) : undefined;
  }

  /** A new guest: a fresh user id and a token for it. */
  issueGuest(name: string): Promise<IssuedToken> {
    return this.#sign(`guest-${randomUUID()}`, name);
  }

  /**
   * The same guest, a later expiry. Only a guest token of ours that is still valid can be refreshed,
   * and only within AUTH_SESSION_MAX_SECONDS of the guest's first token, so a stolen token cannot be kept alive for ever.
   */
  async refresh(token: string | undefined, rename?: string): Promise<IssuedToken> {
    const identity = await this.verify(token);
    if (!identity.guest || identity.issuer !== this.#config.issuer) {
      throw new IdentityError(AuthErrorCode.TOKEN_FOREIGN_ISSUER, `Only guest tokens issued by this server are refreshed here; refresh a token from ${identity.issuer} with its provider.`);
    }
    const sessionStart = identity.sessionStartedAt ?? 0; // no start at all: too old to refresh
    if (Date.now() - sessionStart > this.#config.sessionMaxSeconds * 1000) {
      throw new IdentityError(AuthErrorCode.TOKEN_EXPIRED, "This guest session is older than the server allows refreshing (AUTH_SESSION_MAX_SECONDS): sign in again with POST /auth/guest.");
    }
    return this.#sign(identity.userId, rename ?? identity.name, Math.floor(sessionStart / 1000));
  }

  /** Verify a token from either issuer; throws an IdentityError saying why it is refused. */
  async verify(token: string | undefined | null): Promise<Identity> {
    if (!token) {
      throw new IdentityError(AuthErrorCode.TOKEN_MISSING, "No identity token: get one from POST /auth/guest and send it as `Authorization: Bearer <token>`.");
    }
    let claims: JWTPayload;
    try {
      claims = decodeJwt(token);
    } catch {
      throw new IdentityError(AuthErrorCode.TOKEN_INVALID, "The identity token is not a JWT.");
    }
    const external = this.#config.external;
    try {
      if (claims.iss === this.#config.issuer) {
        const { payload } = await jwtVerify(token, this.#key, { issuer: this.#config.issuer, algorithms: [GUEST_ALGORITHM], requiredClaims: ["sub", "exp"] });
        return identityOf(payload, payload.guest === true);
      }
      if (external && this.#providerKeys && claims.iss === external.issuer) {
        const { payload } = await jwtVerify(token, this.#providerKeys, { issuer: external.issuer, audience: external.audience, algorithms: PROVIDER_ALGORITHMS, requiredClaims: ["sub", "exp"] });
        return identityOf(payload, false);
      }
    } catch (error) {
      throw refusal(error);
    }
    throw new IdentityError(AuthErrorCode.TOKEN_FOREIGN_ISSUER, `Tokens from issuer "${String(claims.iss ?? "none")}" are not accepted here.`);
  }

  async #sign(userId: string, name: string, authTime?: number): Promise<IssuedToken> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.#config.tokenSeconds;
    const token = await new SignJWT({ name, guest: true, auth_time: authTime ?? now })
      .setProtectedHeader({ alg: GUEST_ALGORITHM })
      .setIssuer(this.#config.issuer)
      .setSubject(userId)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .sign(this.#key);
    return { token, user: { id: userId, name, guest: true }, expiresAt: exp * 1000 };
  }
}

function identityOf(payload: JWTPayload, guest: boolean): Identity {
  const name = typeof payload.name === "string" ? payload.name
    : typeof payload.preferred_username === "string" ? payload.preferred_username
    : "";
  // A token signed before auth_time was added counts its session from its own iat.
  const started = typeof payload.auth_time === "number" ? payload.auth_time : payload.iat;
  const sessionStartedAt = guest && typeof started === "number" ? started * 1000 : undefined;
  return { userId: payload.sub!, name, guest, issuer: payload.iss!, expiresAt: payload.exp! * 1000, sessionStartedAt };
}

/** jose's failure, as the refusal a client can act on. */
function refusal(error: unknown): IdentityError {
  if (error instanceof errors.JWTExpired) {
    return new IdentityError(AuthErrorCode.TOKEN_EXPIRED, "The identity token has expired: refresh it before it runs out (POST /auth/refresh), or get a new one.");
  }
  if (error instanceof errors.JWTClaimValidationFailed && (error.claim === "iss" || error.claim === "aud")) {
    return new IdentityError(AuthErrorCode.TOKEN_FOREIGN_ISSUER, `The identity token's "${error.claim}" is not one this server accepts.`);
  }
  if (error instanceof errors.JWKSTimeout || !(error instanceof errors.JOSEError)) {
    return new IdentityError(MatchmakingErrorCode.UNAVAILABLE, "The identity provider's keys could not be fetched; try again.");
  }
  return new IdentityError(AuthErrorCode.TOKEN_INVALID, "The identity token's signature or claims do not verify.");
}

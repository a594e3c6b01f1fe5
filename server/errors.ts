/**
 * Every error Tickforge raises on purpose carries a code from this catalogue
 * and a message a player or an operator can act on.
 */

/** Codes sent to clients with `client.error(code, message)`; the SDK surfaces them in `room.onError`. */
export const ClientErrorCode = Object.freeze({
  INVALID_MESSAGE: 4400,
  UNKNOWN_MESSAGE: 4404,
  RATE_LIMITED: 4429,
});

/** Close codes a kicked client sees in `room.onLeave(code, reason)`. */
export const KickCode = Object.freeze({
  /** Colyseus's "closed with error" code: the client should not retry. */
  ABUSE: 4002,
});

/** A configuration mistake found at boot: names the variable and what it must be. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

/**
 * Matchmaking refusals (the SDK throws them as `MatchMakeError` with this
 * code and message). 503 because both are temporary: retry, or retry elsewhere.
 */
export const MatchmakingErrorCode = Object.freeze({
  /** Redis is unreachable: rooms in progress keep playing, new seats cannot be handed out. */
  UNAVAILABLE: 503,
  /** Every live process is draining or at MAX_ROOMS_PER_PROCESS / MAX_CCU_PER_PROCESS. */
  AT_CAPACITY: 503,
});

/** Close code for "this process is shutting down: join a new room elsewhere" (Colyseus's SERVER_SHUTDOWN). */
export const SHUTDOWN_CLOSE_CODE = 4001;

/**
 * Identity refusals (server/identity/): the HTTP status of the refused request,
 * and the code the SDK's `MatchMakeError` carries. Each says what to do next:
 * a missing or expired token means "get a new one" (POST /auth/guest or
 * /auth/refresh); a forged or foreign one will never pass.
 */
export const AuthErrorCode = Object.freeze({
  /** No token with the request: send `Authorization: Bearer <token>` (the SDK: `client.auth.token`). */
  TOKEN_MISSING: 440,
  /** Not a token this server can verify: malformed, or its signature does not match. */
  TOKEN_INVALID: 441,
  /** Signed by us, but past its `exp`: refresh before it runs out. */
  TOKEN_EXPIRED: 442,
  /** Signed, but for another issuer or audience. */
  TOKEN_FOREIGN_ISSUER: 443,
  /** This room type does not admit guest identities. */
  GUESTS_NOT_ADMITTED: 444,
  /** A reconnection token presented by someone other than the seat's owner; the seat stays held for its owner. */
  SEAT_HELD_FOR_ANOTHER_PLAYER: 445,
});

/**
 * Refusals at the connection edge (server/edge/), in the `code` of the JSON
 * body; the HTTP status is `EDGE_REFUSAL_STATUS[code]`.
 */
export const EdgeErrorCode = Object.freeze({
  /** The page's Origin is not in ALLOWED_ORIGINS. */
  ORIGIN_NOT_ALLOWED: 446,
  /** A socket path naming another process: the proxy or the client routed it wrong. */
  WRONG_PROCESS: 447,
  /** This address already holds MAX_SOCKETS_PER_ADDRESS sockets. */
  TOO_MANY_SOCKETS: 448,
  /** Over MATCHMAKING_PER_SECOND (burst MATCHMAKING_BURST): retry after `Retry-After` seconds. */
  MATCHMAKING_RATE_LIMITED: 449,
  /** Over ROOMS_CREATED_PER_MINUTE for this address: join an existing room, or retry later (a matchmaking refusal: the code is its status). */
  ROOM_CREATION_LIMITED: 450,
});

export const EDGE_REFUSAL_STATUS: Readonly<Record<number, number>> = Object.freeze({
  [EdgeErrorCode.ORIGIN_NOT_ALLOWED]: 403,
  [EdgeErrorCode.WRONG_PROCESS]: 421,
  [EdgeErrorCode.TOO_MANY_SOCKETS]: 429,
  [EdgeErrorCode.MATCHMAKING_RATE_LIMITED]: 429,
});

/**
 * Close code for "you stopped reading": the socket's outgoing buffer passed
 * MAX_SEND_BUFFER_BYTES. Not a kick: the seat is held for the reconnection
 * window, and the browser client resumes it (game-client/src/net/session.ts).
 */
export const SLOW_CONSUMER_CLOSE_CODE = 4020;

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

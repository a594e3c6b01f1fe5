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

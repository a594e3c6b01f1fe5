/**
 * Every error Tickforge raises on purpose carries a code from the catalogue
 * in shared/protocol.ts (which clients import too) and a message a player or
 * an operator can act on. This module adds what only the server raises.
 */
import { CloseCode } from "../shared/protocol.ts";

export { AuthErrorCode, ClientErrorCode, CloseCode, EDGE_REFUSAL_STATUS, EdgeErrorCode, MatchmakingErrorCode } from "../shared/protocol.ts";

/** Close codes a kicked client sees in `room.onLeave(code, reason)`. */
export const KickCode = Object.freeze({
  /** Colyseus's "closed with error" code: the client should not retry. */
  ABUSE: CloseCode.KICKED,
});

/** Close code for "this process is shutting down: join a new room elsewhere" (Colyseus's SERVER_SHUTDOWN). */
export const SHUTDOWN_CLOSE_CODE = CloseCode.SERVER_SHUTDOWN;

/** Close code for "you stopped reading" (server/edge/slow-consumers.ts): the seat is held, the client resumes it. */
export const SLOW_CONSUMER_CLOSE_CODE = CloseCode.SLOW_CONSUMER;

/** A configuration mistake found at boot: names the variable and what it must be. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

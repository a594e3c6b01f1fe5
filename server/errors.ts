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

/** What a close frame's reason can carry: RFC 6455 allows 123 bytes, and `ws` throws on more. */
export const CLOSE_REASON_MAX_BYTES = 123;

/** `reason`, cut to fit a close frame (whole characters only). */
export function closeReason(reason: string): string {
  const bytes = (text: string) => utf8.encode(text).byteLength;
  if (bytes(reason) <= CLOSE_REASON_MAX_BYTES) return reason;
  let cut = reason.slice(0, CLOSE_REASON_MAX_BYTES - 3);
  while (bytes(cut) > CLOSE_REASON_MAX_BYTES - 3) cut = cut.slice(0, -1); // "…" is 3 bytes
  return `${cut}…`;
}
const utf8 = new TextEncoder();

/** A configuration mistake found at boot: names the variable and what it must be. */
export class ConfigError extends Error {
  override name = "ConfigError";
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.variable = variable;
  }
}

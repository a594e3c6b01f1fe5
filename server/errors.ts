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
  /**
   * A frame broke the wire protocol: a length, count, index or type code no
   * conforming client sends. Distinct from every Colyseus code (4000–4003,
   * 4010) and from WebSocket's own 1002, which `ws` uses for broken framing.
   */
  PROTOCOL_ERROR: 4004,
});

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

/**
 * The framework's wire vocabulary: the messages every Tickforge room sends
 * whatever its type, and every error and close code a client can meet. Pure
 * data, imported by the server, the browser and the bots alike, so the two
 * ends cannot disagree. A room type's own messages live in its folder
 * (rooms/<type>/protocol.ts).
 */

/** Messages the framework sends to clients of any room (and of the lobby). */
export const FrameworkMessage = Object.freeze({
  /** An operator's server-wide announcement: `Announcement`. */
  ANNOUNCEMENT: "announcement",
  /** This process is draining: `ShutdownNotice`, then close code SERVER_SHUTDOWN. */
  SHUTDOWN: "shutdown",
});

export interface Announcement {
  text: string;
  /** ms since the epoch, when the operator's request was accepted. */
  sentAt: number;
}

export interface ShutdownNotice {
  /** The room type's words for what happens next. */
  reason: string;
  /** How long the room keeps playing before it closes with SERVER_SHUTDOWN, ms. */
  disconnectInMs: number;
}

/** Codes sent with `client.error(code, message)`; the SDK surfaces them in `room.onError`. */
export const ClientErrorCode = Object.freeze({
  /** A payload of the wrong shape, or join options that fail the room type's schema. */
  INVALID_MESSAGE: 4400,
  /** A message type the room does not handle. */
  UNKNOWN_MESSAGE: 4404,
  /** A move the rules refuse (out of turn, illegal): the room type names the rule in the message. */
  MOVE_REJECTED: 4409,
  /** Over the room type's message budget. */
  RATE_LIMITED: 4429,
});

/** Close codes a client sees in `room.onLeave(code, reason)`: Colyseus's own, named once, and ours. */
export const CloseCode = Object.freeze({
  /** The client left on purpose. */
  CONSENTED: 4000,
  /** This process is shutting down: join a new room elsewhere. */
  SERVER_SHUTDOWN: 4001,
  /** Removed for misbehaviour, with the reason: do not retry. */
  KICKED: 4002,
  /** The seat is no longer held (reconnection window over). */
  SEAT_EXPIRED: 4003,
  /**
   * A frame broke the wire protocol (a length, count, index or type code no
   * conforming client sends), with the reason: a build mismatch or tampering,
   * so do not retry. Not one of Colyseus's codes, nor WebSocket's 1002.
   */
  PROTOCOL_ERROR: 4004,
});

/**
 * Matchmaking refusals: the SDK throws them as `MatchMakeError` with this
 * code (also the HTTP status) and a message. Both are temporary, but they ask
 * for different things: wait for the operator's Redis, or add capacity.
 */
export const MatchmakingErrorCode = Object.freeze({
  /** Redis is unreachable: rooms in progress keep playing, new seats cannot be handed out. */
  UNAVAILABLE: 503,
  /** Every live process is draining or at MAX_ROOMS_PER_PROCESS / MAX_CCU_PER_PROCESS (529: "overloaded"). */
  AT_CAPACITY: 529,
});

/** The longest player name any room type accepts: the client's field and the HUD are laid out for it. */
export const MAX_NAME_LENGTH = 16;

/** The stock LobbyRoom's listing messages, as the title screen receives them. */
export const LobbyMessage = Object.freeze({ ROOMS: "rooms", ADDED: "+", REMOVED: "-" });

/** The lobby room's name: the title screen's live list of every room type's open rooms. */
export const LOBBY_ROOM = "lobby";

/** GET this path for the room types the server offers (`RoomTypeInfo[]`). */
export const ROOM_TYPES_PATH = "/room-types";

/** What the server tells clients about each room type it offers. */
export interface RoomTypeInfo {
  name: string;
  /** Shown on the title screen. */
  title: string;
  /** One line under the title. */
  summary: string;
}

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
  /** One live notification for this user: `Notification` (to every socket they have, in any room, on any process). */
  NOTIFICATION: "notification",
  /** On joining any room, the user's unread notifications: `NotificationBatch` (sent only when there are some). */
  NOTIFICATIONS: "notifications",
});

/** Messages every room (and the lobby) accepts from its clients, whatever its type. */
export const FrameworkClientMessage = Object.freeze({
  /** The client showed its notifications up to `NotificationsRead.through`: they are not offered again. */
  NOTIFICATIONS_READ: "notifications:read",
});

/** What a notification is about; a studio may use its own words (lowercase, digits, `-`, `:`). */
export type NotificationKind = "message" | "match-ready" | "invitation" | "announcement" | (string & {});

/**
 * A live notification: "Ann sent you a message", "your match is ready", an
 * invitation, an operator's announcement. Shown once per `id`; `text` is
 * plain text (render it with textContent, never as HTML).
 */
export interface Notification {
  id: string;
  kind: NotificationKind;
  text: string;
  /** Who it is from: a user id, or "operator". */
  from?: string;
  /** ms since the epoch, when it was raised. */
  at: number;
  /** What the client needs to act on it (the channel to open, the room to join). */
  data?: Record<string, unknown>;
  /** Its place among the user's stored notifications, to acknowledge with `NotificationsRead`; absent on announcements, which are not stored per user. */
  seq?: number;
}

/** The user's unread notifications, oldest first; acknowledge with `{ through }` once shown. */
export interface NotificationBatch {
  notifications: Notification[];
  through: number;
}

/** The client's acknowledgement: everything up to `through` (a `seq`) was shown. */
export interface NotificationsRead {
  through: number;
}

export interface Announcement {
  /** Unique per announcement: a client in several rooms hears it on each, and shows it once. */
  id: string;
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
  /** The SDK closed its own socket because the browser went offline: reconnection may be tried. */
  MAY_TRY_RECONNECT: 4010,
  /**
   * A frame broke the wire protocol (a length, count, index or type code no
   * conforming client sends), with the reason: a build mismatch or tampering,
   * so do not retry. Not one of Colyseus's codes, nor WebSocket's 1002.
   */
  PROTOCOL_ERROR: 4004,
  /**
   * You stopped reading: the socket's outgoing buffer passed MAX_SEND_BUFFER_BYTES.
   * Not a kick: the seat is held for the reconnection window, so resume it.
   */
  SLOW_CONSUMER: 4020,
  /**
   * Your room is moving to another process (a deploy or restart): its state
   * was saved, so resume the seat through matchmaking (shared/resume.ts).
   */
  ROOM_MOVING: 4030,
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
  /** Your room's process stopped and the room is being restored elsewhere: retry the reconnection in a moment. */
  ROOM_MOVING: 530,
  /** Your room's process stopped and the room could not be restored (the message says why): play again. */
  ROOM_LOST: 531,
});

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
 * body. ROOM_CREATION_LIMITED is a matchmaking refusal (the SDK's
 * `MatchMakeError` code); the others answer an HTTP request or an upgrade
 * with the status in `EDGE_REFUSAL_STATUS`.
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
  /** Over ROOMS_CREATED_PER_MINUTE for this address: join an existing room, or retry later. */
  ROOM_CREATION_LIMITED: 450,
});

/** The HTTP status an edge refusal is answered with. */
export const EDGE_REFUSAL_STATUS: Readonly<Record<number, number>> = Object.freeze({
  [EdgeErrorCode.ORIGIN_NOT_ALLOWED]: 403,
  [EdgeErrorCode.WRONG_PROCESS]: 421,
  [EdgeErrorCode.TOO_MANY_SOCKETS]: 429,
  [EdgeErrorCode.MATCHMAKING_RATE_LIMITED]: 429,
});

/** POST a `{ name }` here for a guest identity (`IssuedToken`). */
export const GUEST_SIGN_IN_PATH = "/auth/guest";
/** POST with `Authorization: Bearer <token>` here for the same identity with a later expiry (`IssuedToken`). */
export const TOKEN_REFRESH_PATH = "/auth/refresh";

/** What the identity routes answer. */
export interface IssuedToken {
  token: string;
  user: { id: string; name: string; guest: true };
  /** ms since the epoch; refresh before then. */
  expiresAt: number;
}

/** The longest player name any room type accepts: the client's field and the HUD are laid out for it. */
export const MAX_NAME_LENGTH = 16;

/**
 * Largest WebSocket frame a client may send, bytes (the transport's
 * maxPayload; a bigger one closes the socket with 1009). An input is a few
 * bytes and a chat line a few hundred; a board splits its ops to fit.
 */
export const MAX_CLIENT_FRAME_BYTES = 4 * 1024;

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

/**
 * The cards table's wire vocabulary: card codes, message names, payloads,
 * limits and rejection codes. The server, the browser and the bots import
 * this one module, so a name or a code exists in exactly one place. Imports
 * zod only.
 */
import { z } from "zod";

export const SUITS = ["C", "D", "H", "S"] as const;
export type Suit = (typeof SUITS)[number];

export const RANKS = ["A", "2", "3", "4", "5", "6", "7", "8", "9", "10", "J", "Q", "K"] as const;
export type Rank = (typeof RANKS)[number];

/** A card is its rank then its suit: "QH", "10S", "8D". Each code names one card of the deck. */
export type Card = `${Rank}${Suit}`;

/** The wild rank: an eight plays on anything and names the next suit. */
export const WILD_RANK: Rank = "8";

/** The 52 cards in a fixed order: every shuffle starts from this. */
export const DECK: readonly Card[] = Object.freeze(
  RANKS.flatMap((rank) => SUITS.map((suit): Card => `${rank}${suit}`)),
);

export function rankOf(card: Card): Rank {
  return card.slice(0, -1) as Rank;
}

export function suitOf(card: Card): Suit {
  return card.slice(-1) as Suit;
}

export function isWild(card: Card): boolean {
  return rankOf(card) === WILD_RANK;
}

export const MIN_PLAYERS = 2;
export const MAX_PLAYERS = 4;

/** Limits a room enforces on what clients send. */
export const LIMITS = Object.freeze({
  /** Characters in a player's name. */
  nameLength: 16,
  /** Messages a client may send per second: a fast human plays about one move a second. */
  messagesPerSecond: 10,
  /** People watching one table besides its players. */
  spectators: 6,
});

export const CardCode = z.enum(DECK as [Card, ...Card[]]);
export const SuitCode = z.enum(SUITS);

/** A move is plain data: what one player asks to do on their turn. */
export const Move = z.discriminatedUnion("type", [
  /** Play a card from your hand; `suit` only with an eight, naming the next suit. */
  z.strictObject({ type: z.literal("play"), card: CardCode, suit: SuitCode.optional() }),
  /** Draw the top card of the draw pile. */
  z.strictObject({ type: z.literal("draw") }),
  /** End your turn without playing (after drawing, or when nothing is left to draw). */
  z.strictObject({ type: z.literal("pass") }),
]);
export type Move = z.infer<typeof Move>;

/** Ask for another round once this one is over; the table deals when every seat has asked. */
export const RematchRequest = z.strictObject({});
export type RematchRequest = z.infer<typeof RematchRequest>;

export const JoinOptions = z.strictObject({
  name: z.string().trim().max(LIMITS.nameLength, `Names are at most ${LIMITS.nameLength} characters.`).optional(),
  /** Watch the table without taking a seat. */
  spectate: z.boolean().optional(),
});
export type JoinOptions = z.infer<typeof JoinOptions>;

/** Message names, in both directions. */
export const MESSAGES = Object.freeze({
  /** client → server: a Move. */
  move: "move",
  /** client → server: a RematchRequest. */
  rematch: "rematch",
  /** server → the sender only: a Rejection, when its move was refused. */
  rejected: "rejected",
  /** server → each client: a TableEvent as that client may see it (eventSeenBy). */
  event: "event",
  /** client → server, as a request (`room.request`) with an empty payload: answered with a ClockSync. */
  clock: "clock",
});

export const ClockRequest = z.strictObject({});

/**
 * The room clock (ms) when the server answered. A room without inputs
 * sends its clients no clock, so a client asks for this to count the turn
 * timer down to `turnEndsAt`.
 */
export interface ClockSync { now: number }

/**
 * Why a move was refused, with what the player can do about it. checkMove
 * returns the codes above the comment below; the room adds the ones after it.
 */
export const REJECTIONS = Object.freeze({
  ROUND_OVER: "The round is over: ask for a rematch to deal again.",
  NOT_YOUR_TURN: "Wait for your turn.",
  CARD_NOT_IN_HAND: "That card is not in your hand.",
  DOES_NOT_MATCH: "Play a card of the current suit or rank, or an eight.",
  MUST_CHOOSE_SUIT: "An eight is wild: name the suit the next player must follow.",
  SUIT_ONLY_FOR_EIGHT: "Only an eight names a suit: play this card without one.",
  ONLY_DRAWN_CARD: "After drawing you may play only the card you drew, or pass.",
  ALREADY_DREW: "You have drawn this turn: play the card you drew, or pass.",
  NOTHING_TO_DRAW: "There is nothing left to draw this round: play a card or pass.",
  MUST_DRAW_FIRST: "Draw a card before passing.",
  NOT_SEATED: "You are not dealt into this round: only its players make moves.",
  MALFORMED_MOVE: "That move is not one the table understands.",
  // Refused by the room, before the rules see the move.
  NOT_STARTED: "The round has not started yet: waiting for players.",
  NOT_OVER: "The round is still being played: a rematch can be asked for only after it ends.",
});
export type RejectionCode = keyof typeof REJECTIONS;

export interface Rejection { code: RejectionCode; message: string }

export function rejection(code: RejectionCode): Rejection {
  return { code, message: REJECTIONS[code] };
}

/**
 * What happened at the table, for animations and logs. Seats are indexes
 * into the table's seat order. A `drew` event carries the card only for the
 * player who drew it: send each client `eventSeenBy(event, itsSeat)`.
 */
export type TableEvent =
  | { type: "dealt"; round: number; firstSeat: number; handSize: number; topCard: Card }
  | { type: "played"; seat: number; card: Card; suit: Suit }
  | { type: "drew"; seat: number; card?: Card }
  | { type: "reshuffled"; cards: number }
  | { type: "passed"; seat: number }
  | { type: "withdrew"; seat: number }
  | { type: "timedOut"; seat: number }
  | { type: "roundOver"; winner: number | null; blocked: boolean; points: readonly number[] };

/** The event as the player in `seat` (-1 for a spectator) may see it: nobody sees another's drawn card. */
export function eventSeenBy(event: TableEvent, seat: number): TableEvent {
  if (event.type === "drew" && event.seat !== seat && event.card !== undefined) {
    return { type: "drew", seat: event.seat };
  }
  return event;
}

/**
 * The cards table's synchronized state. Schema plus the two mappings every
 * side needs: the server writes a rules `Game` into it (writeGame), and the
 * browser and the bots read their `PlayerView` back out (playerViewOf).
 * Imports @colyseus/schema and type-only rules; no server code.
 *
 * Hidden information: a seat's `hand` and `drawnCard` are view-tagged. A
 * client sees them only if the room added that seat to the client's
 * StateView (showOwnHand), which it does for the seat's own player alone.
 * Everyone else, spectators included, gets `handCount` and the draw pile's
 * count: the cards never reach their socket.
 */
import { schema, t, type SchemaType, type StateView } from "@colyseus/schema";
import type { Card, Suit } from "./protocol.ts";
import type { Game, GamePhase, PlayerId, PlayerView } from "./rules.ts";

/**
 * Bytes a cards room sets aside for encoding its state: a table at its
 * fullest (four seats with the longest names, one hand holding most of the
 * deck) encodes in well under this (state.test.ts).
 */
export const STATE_BUFFER_BYTES = 2 * 1024;

export const CardsSeat = schema({
  /** The sessionId of the player in this seat. */
  playerId: t.string().default(""),
  name: t.string().default(""),
  /** False while the seat is held for a dropped player. */
  connected: t.boolean().default(true),
  /** Dealt into the current (or last) round; a player who sat down since waits for the next deal. */
  dealtIn: t.boolean().default(false),
  /** The player left during this round: the seat is skipped until the next deal. */
  withdrawn: t.boolean().default(false),
  handCount: t.uint8().default(0),
  /** Running total over the rounds at this table. */
  score: t.uint32().default(0),
  /** What this seat scored in the last round that ended. */
  roundPoints: t.uint32().default(0),
  /** Asked for a rematch since the round ended. */
  wantsRematch: t.boolean().default(false),
  /** The seat's cards: only its own player's view receives them. */
  hand: t.array("string").view(),
  /** The card drawn this turn, the only one still playable; "" otherwise. Own player only. */
  drawnCard: t.string().default("").view(),
}, "CardsSeat");
export type CardsSeat = SchemaType<typeof CardsSeat>;

/** "waiting" until enough players sit down, then the rules' phases. */
export type TablePhase = "waiting" | GamePhase;

export const CardsState = schema({
  /** Seat order is turn order; a seat's index is its number in every event. */
  seats: t.array(CardsSeat),
  phase: t.string().default("waiting"),
  round: t.uint16().default(0),
  /** The seat whose turn it is, -1 when nobody's. */
  turn: t.int8().default(-1),
  /**
   * Room clock (ms) at which the turn's timer runs out and the table plays
   * the default move. The room writes it (and turnSeconds), not writeGame.
   */
  turnEndsAt: t.uint32().default(0),
  /** The length of every turn's timer, so a client without the room clock can count down from when it saw the turn begin. */
  turnSeconds: t.uint16().default(0),
  /** The player on turn has drawn (so may only play that card, or pass). */
  turnHasDrawn: t.boolean().default(false),
  /** Top of the discard pile, "" before the first deal. */
  topCard: t.string().default(""),
  /** The suit to follow, "" before the first deal. */
  suit: t.string().default(""),
  drawPileCount: t.uint8().default(0),
  discardCount: t.uint8().default(0),
  reshufflesLeft: t.uint8().default(0),
  /** The last round's winning seat; -1 while playing, or when a blocked round was tied. */
  winner: t.int8().default(-1),
  /** The last round ended blocked rather than by a player going out. */
  blocked: t.boolean().default(false),
}, "CardsState");
export type CardsState = SchemaType<typeof CardsState>;

/** The index of `playerId`'s seat, or -1 for a spectator. */
export function seatIndexOf(table: CardsState, playerId: PlayerId): number {
  for (let i = 0; i < table.seats.length; i++) if (table.seats[i].playerId === playerId) return i;
  return -1;
}

/**
 * Let `view` (the client's StateView) receive the hand of `playerId`'s seat.
 * Call after the seat is in the state; the seat object must then stay in
 * place (writeGame reuses it), or the view must be given the new one.
 * Returns false for a spectator, whose view stays empty.
 */
export function showOwnHand(view: StateView, table: CardsState, playerId: PlayerId): boolean {
  const seat = table.seats[seatIndexOf(table, playerId)];
  if (!seat) return false;
  view.add(seat);
  return true;
}

/**
 * Bring the synced table in line with `game`. The first seats must be
 * `game.players`, in order; seats after them are players who sat down since
 * the deal, shown with no cards until the next one. Only changed fields are
 * written, and a hand is edited card by card, so a patch carries what a move
 * changed.
 */
export function writeGame(table: CardsState, game: Game): void {
  if (table.seats.length < game.players.length
    || game.players.some((player, i) => table.seats[i].playerId !== player)) {
    throw new Error("writeGame needs the game's players in the first seats, in seat order.");
  }
  table.seats.forEach((seat, i) => {
    const dealtIn = i < game.players.length;
    const hand = dealtIn ? game.hands[i] : [];
    syncCards(seat.hand, hand);
    seat.dealtIn = dealtIn;
    seat.handCount = hand.length;
    seat.withdrawn = dealtIn && game.withdrawn[i];
    seat.drawnCard = i === game.turn && game.drawn !== null ? game.drawn : "";
    if (!dealtIn) return;
    seat.score = game.scores[i];
    seat.roundPoints = game.outcome ? game.outcome.points[i] : 0;
  });
  table.phase = game.phase;
  table.round = game.round;
  table.turn = game.phase === "playing" ? game.turn : -1;
  table.turnHasDrawn = game.drawn !== null;
  table.topCard = game.discardPile[game.discardPile.length - 1];
  table.suit = game.suit;
  table.drawPileCount = game.drawPile.length;
  table.discardCount = game.discardPile.length;
  table.reshufflesLeft = game.reshufflesLeft;
  table.winner = game.outcome?.winner ?? -1;
  table.blocked = game.outcome?.blocked ?? false;
}

/** Edit `list` into `next` (cards are unique): drop what left, append what came, rewrite only if the order differs. */
function syncCards(list: CardsSeat["hand"], next: readonly Card[]): void {
  const keep = new Set<string>(next);
  for (let i = list.length - 1; i >= 0; i--) if (!keep.has(list[i]!)) list.splice(i, 1);
  const held = new Set<string>(list);
  for (const card of next) if (!held.has(card)) list.push(card);
  if (list.some((card, i) => card !== next[i])) {
    list.clear();
    for (const card of next) list.push(card);
  }
}

/**
 * What `playerId` can know, read from the synced table (a decoded client
 * copy, or the server's): the input to legalMovesIn, checkMove and a bot's
 * chooseMove. Null before the first deal.
 */
export function playerViewOf(table: CardsState, playerId: PlayerId): PlayerView | null {
  if (table.phase === "waiting" || table.topCard === "") return null;
  const dealt = table.seats.filter((s) => s.dealtIn);
  const seat = dealt.findIndex((s) => s.playerId === playerId);
  const own = seat >= 0 ? dealt[seat] : undefined;
  return {
    seat,
    hand: own?.hand ? (Array.from(own.hand) as Card[]) : [],
    drawn: own?.drawnCard ? (own.drawnCard as Card) : null,
    turnHasDrawn: table.turnHasDrawn,
    handCounts: dealt.map((s) => s.handCount),
    turn: table.turn,
    phase: table.phase as GamePhase,
    topCard: table.topCard as Card,
    suit: table.suit as Suit,
    drawPileCount: table.drawPileCount,
    discardCount: table.discardCount,
    reshufflesLeft: table.reshufflesLeft,
  };
}

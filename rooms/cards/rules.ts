/**
 * The rules of the cards table (RULES.md), as pure functions.
 *
 * Contract: no clocks, no Math.random, no I/O. Every function returns a new
 * game and leaves its argument untouched; randomness comes from the seed
 * given to `deal` and travels inside the game. A refused move is a return
 * value with a typed code, never an exception; only a setup mistake by the
 * caller (a bad player list) throws.
 *
 * The whole game holds every hand and the order of the draw pile: it lives on
 * the server. Clients and bots see a `PlayerView` (viewOf here, or
 * playerViewOf in state.ts from the synced state), and `checkMove` and
 * `legalMoves` read only that view, so the browser greys out exactly the
 * moves the server would refuse.
 */
import {
  DECK, MAX_PLAYERS, MIN_PLAYERS, SUITS, isWild, rankOf, rejection, suitOf,
  type Card, type Move, type Rejection, type Suit, type TableEvent,
} from "./protocol.ts";
import { randomState, shuffled, type RandomState, type Seed } from "./random.ts";

/** Who a player is: the room passes its client's sessionId. */
export type PlayerId = string;

export type GamePhase = "playing" | "roundOver";

/** Cards dealt to each player, by the number of players. */
export function handSize(players: number): number {
  return players === 2 ? 7 : 5;
}

/** Times a round may turn its discard pile into a new draw pile. */
export const RESHUFFLES_PER_ROUND = 3;

/**
 * The most moves a round can take, whatever the players do, so a room (or a
 * test) can rely on every round ending. Cards reach the draw pile only by the
 * deal and by reshuffles, so there are at most 52 draws per pass through the
 * deck; a play removes a dealt or drawn card from a hand; a pass follows a
 * draw, or is one of at most MAX_PLAYERS passes in a row with nothing drawn,
 * played or withdrawn between them before the round is blocked.
 */
export const MOST_MOVES_IN_A_ROUND = (() => {
  const draws = DECK.length * (1 + RESHUFFLES_PER_ROUND);
  const plays = DECK.length + draws;
  const passesAfterDrawing = draws;
  const withdrawals = MAX_PLAYERS - 1;
  const otherMoves = draws + plays + passesAfterDrawing;
  return otherMoves + MAX_PLAYERS * (otherMoves + withdrawals + 1);
})();

export interface RoundOutcome {
  /** The seat that won the round, or null when a blocked round was tied. */
  readonly winner: number | null;
  readonly blocked: boolean;
  /** Penalty points left in each seat's hand. */
  readonly penalties: readonly number[];
  /** What each seat scored this round. */
  readonly points: readonly number[];
}

/** Everything about one round at the table, hidden cards included. */
export interface Game {
  /** Seat order: `players[i]` sits in seat i, and play goes from seat to seat. */
  readonly players: readonly PlayerId[];
  /** Seats whose player left during this round: skipped in turn, their cards stay face down in front of them. */
  readonly withdrawn: readonly boolean[];
  readonly hands: readonly (readonly Card[])[];
  /** Face down; the last card is the top. */
  readonly drawPile: readonly Card[];
  /** Face up; the last card is the top, the card to match. */
  readonly discardPile: readonly Card[];
  /** The suit to follow: the top card's, or the one its eight named. */
  readonly suit: Suit;
  /** The seat whose turn it is. */
  readonly turn: number;
  /** The card the player on turn drew this turn, the only one they may still play; null before drawing. */
  readonly drawn: Card | null;
  /** Passes in a row with nothing drawn, played or withdrawn in between; a full lap blocks the round. */
  readonly idlePasses: number;
  readonly reshufflesLeft: number;
  readonly phase: GamePhase;
  /** 1 for the first round at this table, counting up with each rematch. */
  readonly round: number;
  /** The seat that started this round. */
  readonly firstSeat: number;
  /** Running totals by seat, this round included once it is over. */
  readonly scores: readonly number[];
  readonly outcome: RoundOutcome | null;
  /** The seeded generator's state, for the next reshuffle. Never leaves the server. */
  readonly random: RandomState;
}

/** What one seat can know: its own hand and the table's public facts. */
export interface PlayerView {
  /** The viewer's seat, or -1 for someone watching. */
  readonly seat: number;
  readonly hand: readonly Card[];
  /** The card this viewer drew this turn, when it is their turn and they drew. */
  readonly drawn: Card | null;
  /** Whether the player on turn has drawn this turn (public: everyone saw it). */
  readonly turnHasDrawn: boolean;
  readonly handCounts: readonly number[];
  /** The seat on turn, -1 once the round is over. */
  readonly turn: number;
  readonly phase: GamePhase;
  /** Top of the discard pile. */
  readonly topCard: Card;
  readonly suit: Suit;
  readonly drawPileCount: number;
  readonly discardCount: number;
  readonly reshufflesLeft: number;
}

export type MoveResult =
  | { ok: true; game: Game; events: TableEvent[] }
  | { ok: false; rejection: Rejection };

/** Carried from one round to the next at the same table. */
export interface TableHistory {
  /** The number of the round being dealt. */
  round: number;
  firstSeat: number;
  scores: readonly number[];
}

/**
 * Shuffle with `seed` and deal a round to `players`. The seed fixes every
 * card: a server passes secureSeed() (random.ts), a test a number.
 */
export function deal(players: readonly PlayerId[], seed: Seed, history?: TableHistory): { game: Game; events: TableEvent[] } {
  if (players.length < MIN_PLAYERS || players.length > MAX_PLAYERS) {
    throw new RangeError(`A cards table deals to ${MIN_PLAYERS} to ${MAX_PLAYERS} players, not ${players.length}.`);
  }
  if (new Set(players).size !== players.length || players.some((p) => typeof p !== "string" || p === "")) {
    throw new TypeError("Each player at a cards table needs a distinct, non-empty id.");
  }
  if (history && (history.scores.length !== players.length || history.firstSeat < 0 || history.firstSeat >= players.length)) {
    throw new RangeError("The table's history must have one score per player and a first seat among them.");
  }
  const { items: deck, state: random } = shuffled(DECK, randomState(seed));
  const size = handSize(players.length);
  const hands: Card[][] = players.map(() => []);
  for (let i = 0; i < size; i++) {
    for (const hand of hands) hand.push(deck.pop()!);
  }
  // A round never starts on a wild card: a turned-up eight goes to the bottom of the draw pile.
  let starter = deck.pop()!;
  while (isWild(starter)) {
    deck.unshift(starter);
    starter = deck.pop()!;
  }
  const firstSeat = history?.firstSeat ?? 0;
  const round = history?.round ?? 1;
  const game: Game = {
    players: players.slice(),
    withdrawn: players.map(() => false),
    hands,
    drawPile: deck,
    discardPile: [starter],
    suit: suitOf(starter),
    turn: firstSeat,
    drawn: null,
    idlePasses: 0,
    reshufflesLeft: RESHUFFLES_PER_ROUND,
    phase: "playing",
    round,
    firstSeat,
    scores: history ? history.scores.slice() : players.map(() => 0),
    outcome: null,
    random,
  };
  return { game, events: [{ type: "dealt", round, firstSeat, handSize: size, topCard: starter }] };
}

/**
 * Deal the next round once this one is over, to `players` (by default those
 * still in this round; the room passes its seats when players came or
 * went). Scores carry over by player, newcomers start at 0, and round r
 * starts at seat (r - 1) mod the number of players.
 */
export function nextRound(game: Game, seed: Seed, players?: readonly PlayerId[]): { game: Game; events: TableEvent[] } {
  if (game.phase !== "roundOver") throw new Error("A new round is dealt only after the current one is over.");
  const next = players ?? game.players.filter((_, seat) => !game.withdrawn[seat]);
  const round = game.round + 1;
  return deal(next, seed, {
    round,
    firstSeat: (round - 1) % next.length,
    scores: next.map((player) => {
      const seat = seatOf(game, player);
      return seat >= 0 ? game.scores[seat] : 0;
    }),
  });
}

/** Penalty points of one card left in hand. */
export function cardPoints(card: Card): number {
  const rank = rankOf(card);
  if (isWild(card)) return 50;
  if (rank === "K" || rank === "Q" || rank === "J") return 10;
  if (rank === "A") return 1;
  return Number(rank);
}

export function handPoints(hand: readonly Card[]): number {
  let total = 0;
  for (const card of hand) total += cardPoints(card);
  return total;
}

/** The seat of `player`, or -1 when they are not dealt in. */
export function seatOf(game: Game, player: PlayerId): number {
  return game.players.indexOf(player);
}

/** What `player` may know of the game (a player not at the table sees what a spectator sees). */
export function viewOf(game: Game, player: PlayerId): PlayerView {
  const seat = seatOf(game, player);
  return {
    seat,
    hand: seat >= 0 ? game.hands[seat] : [],
    drawn: seat >= 0 && seat === game.turn ? game.drawn : null,
    turnHasDrawn: game.drawn !== null,
    handCounts: game.hands.map((hand) => hand.length),
    turn: game.phase === "playing" ? game.turn : -1,
    phase: game.phase,
    topCard: game.discardPile[game.discardPile.length - 1],
    suit: game.suit,
    drawPileCount: game.drawPile.length,
    discardCount: game.discardPile.length,
    reshufflesLeft: game.reshufflesLeft,
  };
}

/** Whether a draw would get a card: from the pile, or from a reshuffle of the discards under the top card. */
export function canDraw(view: Pick<PlayerView, "drawPileCount" | "discardCount" | "reshufflesLeft">): boolean {
  return view.drawPileCount > 0 || (view.reshufflesLeft > 0 && view.discardCount > 1);
}

/** Whether `card` may go on the discard pile (ignoring whose turn it is). */
export function matches(card: Card, view: Pick<PlayerView, "topCard" | "suit">): boolean {
  return isWild(card) || suitOf(card) === view.suit || rankOf(card) === rankOf(view.topCard);
}

/** Why the viewer may not make `move` now, or null when it is legal. Reads only what the viewer can see. */
export function checkMove(view: PlayerView, move: Move): Rejection | null {
  if (typeof move !== "object" || move === null) return rejection("MALFORMED_MOVE");
  if (view.phase !== "playing") return rejection("ROUND_OVER");
  if (view.seat < 0) return rejection("NOT_SEATED");
  if (view.turn !== view.seat) return rejection("NOT_YOUR_TURN");
  switch (move.type) {
    case "play": {
      if (!view.hand.includes(move.card)) return rejection("CARD_NOT_IN_HAND");
      if (view.drawn !== null && move.card !== view.drawn) return rejection("ONLY_DRAWN_CARD");
      if (isWild(move.card)) {
        if (move.suit === undefined) return rejection("MUST_CHOOSE_SUIT");
        if (!SUITS.includes(move.suit)) return rejection("MALFORMED_MOVE");
      } else if (move.suit !== undefined) {
        return rejection("SUIT_ONLY_FOR_EIGHT");
      }
      if (!matches(move.card, view)) return rejection("DOES_NOT_MATCH");
      return null;
    }
    case "draw":
      if (view.drawn !== null) return rejection("ALREADY_DREW");
      if (!canDraw(view)) return rejection("NOTHING_TO_DRAW");
      return null;
    case "pass":
      if (view.drawn === null && canDraw(view)) return rejection("MUST_DRAW_FIRST");
      return null;
    default:
      return rejection("MALFORMED_MOVE");
  }
}

/** Every move the viewer may make now (none when it is not their turn); an eight appears once per suit. */
export function legalMovesIn(view: PlayerView): Move[] {
  if (view.phase !== "playing" || view.seat < 0 || view.turn !== view.seat) return [];
  const candidates: Move[] = [];
  // After a draw only the drawn card can be played; checkMove below still judges every candidate.
  for (const card of view.drawn !== null ? [view.drawn] : view.hand) {
    if (isWild(card)) for (const suit of SUITS) candidates.push({ type: "play", card, suit });
    else candidates.push({ type: "play", card });
  }
  candidates.push({ type: "draw" }, { type: "pass" });
  return candidates.filter((move) => checkMove(view, move) === null);
}

/** Every move `player` may make now. */
export function legalMoves(game: Game, player: PlayerId): Move[] {
  return legalMovesIn(viewOf(game, player));
}

/** The move the table makes for a player whose turn timer ran out: draw, then pass; pass when nothing is left to draw. */
export function defaultMoveIn(view: PlayerView): Move | null {
  if (view.phase !== "playing" || view.seat < 0 || view.turn !== view.seat) return null;
  if (view.drawn === null && canDraw(view)) return { type: "draw" };
  return { type: "pass" };
}

export function defaultMove(game: Game, player: PlayerId): Move | null {
  return defaultMoveIn(viewOf(game, player));
}

/** Apply `move` by `player`: the next game and what happened, or why it was refused (the game unchanged). */
export function applyMove(game: Game, player: PlayerId, move: Move): MoveResult {
  const view = viewOf(game, player);
  const refused = checkMove(view, move);
  if (refused) return { ok: false, rejection: refused };
  const seat = view.seat;
  switch (move.type) {
    case "play": return play(game, seat, move.card, move.suit);
    case "draw": return draw(game, seat);
    case "pass": return pass(game, seat);
  }
}

/**
 * Play out a timed-out turn: a `timedOut` event, then default moves until
 * the turn leaves `player` (at most a draw and a pass). Null when it is not
 * their turn.
 */
export function playTimedOutTurn(game: Game, player: PlayerId): { game: Game; events: TableEvent[] } | null {
  const seat = seatOf(game, player);
  if (defaultMove(game, player) === null) return null;
  let current = game;
  const events: TableEvent[] = [{ type: "timedOut", seat }];
  for (let move = defaultMove(current, player); move; move = defaultMove(current, player)) {
    const result = applyMove(current, player, move);
    if (!result.ok) throw new Error(`The default move was refused (${result.rejection.code}): the rules disagree with themselves.`);
    current = result.game;
    events.push(...result.events);
    if (current.turn !== seat || current.phase !== "playing") break;
  }
  return { game: current, events };
}

/**
 * `player` leaves the round for good (their seat's hold ran out, or they
 * left the table). Their cards stay out of play and count against them;
 * the turn moves on if it was theirs. When one player remains, that player
 * wins the round. Null when `player` is not in the round being played.
 */
export function withdraw(game: Game, player: PlayerId): { game: Game; events: TableEvent[] } | null {
  const seat = seatOf(game, player);
  if (seat < 0 || game.withdrawn[seat] || game.phase !== "playing") return null;
  const withdrawn = replaceAt(game.withdrawn, seat, true);
  const left: Game = { ...game, withdrawn, idlePasses: 0 };
  const events: TableEvent[] = [{ type: "withdrew", seat }];
  const remaining = withdrawn.flatMap((out, i) => (out ? [] : [i]));
  if (remaining.length === 1) {
    return endRound(left, remaining[0], events);
  }
  if (game.turn !== seat) return { game: left, events };
  return { game: { ...left, turn: nextSeat(left, seat), drawn: null }, events };
}

function play(game: Game, seat: number, card: Card, namedSuit: Suit | undefined): MoveResult {
  const hand = game.hands[seat].filter((held) => held !== card);
  const hands = replaceAt(game.hands, seat, hand);
  const suit = namedSuit ?? suitOf(card);
  const played: Game = {
    ...game,
    hands,
    discardPile: [...game.discardPile, card],
    suit,
    drawn: null,
    idlePasses: 0,
  };
  const events: TableEvent[] = [{ type: "played", seat, card, suit }];
  if (hand.length === 0) return { ok: true, ...endRound(played, seat, events) };
  return { ok: true, game: { ...played, turn: nextSeat(game, seat) }, events };
}

function draw(game: Game, seat: number): MoveResult {
  const events: TableEvent[] = [];
  let drawPile = game.drawPile;
  let discardPile = game.discardPile;
  let random = game.random;
  let reshufflesLeft = game.reshufflesLeft;
  if (drawPile.length === 0) {
    const top = discardPile[discardPile.length - 1];
    const reshuffle = shuffled(discardPile.slice(0, -1), random);
    drawPile = reshuffle.items;
    random = reshuffle.state;
    discardPile = [top];
    reshufflesLeft -= 1;
    events.push({ type: "reshuffled", cards: drawPile.length });
  }
  const card = drawPile[drawPile.length - 1];
  events.push({ type: "drew", seat, card });
  return {
    ok: true,
    game: {
      ...game,
      hands: replaceAt(game.hands, seat, [...game.hands[seat], card]),
      drawPile: drawPile.slice(0, -1),
      discardPile,
      random,
      reshufflesLeft,
      drawn: card,
      idlePasses: 0,
    },
    events,
  };
}

function pass(game: Game, seat: number): MoveResult {
  const idlePasses = game.drawn === null ? game.idlePasses + 1 : 0;
  const passed: Game = { ...game, drawn: null, idlePasses };
  const events: TableEvent[] = [{ type: "passed", seat }];
  const inRound = game.withdrawn.filter((out) => !out).length;
  if (idlePasses >= inRound) return { ok: true, ...endRound(passed, null, events) };
  return { ok: true, game: { ...passed, turn: nextSeat(game, seat) }, events };
}

/** Close the round: `winner` went out (or is the last one in), or (null) the round is blocked. */
function endRound(game: Game, wentOut: number | null, events: TableEvent[]): { game: Game; events: TableEvent[] } {
  const penalties = game.hands.map(handPoints);
  const points = penalties.map(() => 0);
  let winner: number | null = wentOut;
  if (wentOut !== null) {
    points[wentOut] = penalties.reduce((sum, p, seat) => (seat === wentOut ? sum : sum + p), 0);
  } else {
    // Only players still in the round can win a blocked one; a withdrawn hand still pays.
    const fewest = Math.min(...penalties.filter((_, seat) => !game.withdrawn[seat]));
    const leaders = penalties.flatMap((p, seat) => (p === fewest && !game.withdrawn[seat] ? [seat] : []));
    winner = leaders.length === 1 ? leaders[0] : null;
    if (winner !== null) points[winner] = penalties.reduce((sum, p) => sum + Math.max(0, p - fewest), 0);
  }
  const outcome: RoundOutcome = { winner, blocked: wentOut === null, penalties, points };
  events.push({ type: "roundOver", winner, blocked: outcome.blocked, points });
  return {
    game: {
      ...game,
      phase: "roundOver",
      drawn: null,
      scores: game.scores.map((score, seat) => score + points[seat]),
      outcome,
    },
    events,
  };
}

/** The next seat in turn order that is still in the round. */
function nextSeat(game: Game, seat: number): number {
  let next = (seat + 1) % game.players.length;
  while (game.withdrawn[next]) next = (next + 1) % game.players.length;
  return next;
}

function replaceAt<T>(items: readonly T[], index: number, value: T): T[] {
  const out = items.slice();
  out[index] = value;
  return out;
}

/**
 * A bot's brain for the cards table: a pure choice of a legal move from what
 * its seat can see (playerViewOf on its decoded state), and how long a
 * person would take to make it. The fleet sends the move after the pause.
 */
import { SUITS, isWild, suitOf, type Card, type Move, type Suit } from "./protocol.ts";
import { randomIndex, type Rng } from "./random.ts";
import { legalMovesIn, type PlayerView } from "./rules.ts";

/** How long a bot "thinks" before a move (ms), drawn uniformly in each range. */
export const BOT_PACE = Object.freeze({
  /** Before the first move of a turn: look at the table, pick a card. */
  thinkMs: Object.freeze({ min: 900, max: 2600 }),
  /** After drawing: look at the new card, play it or pass. */
  afterDrawMs: Object.freeze({ min: 400, max: 1100 }),
});

/** A bot sometimes plays a card on a whim instead of the one that keeps its options open. */
const WHIM = 0.15;

/**
 * The move a bot makes now, or null when it has none (not its turn, round
 * over). Always one of legalMovesIn(view). Plays when it can, keeping eights
 * for when nothing else fits; draws when it cannot; after a draw plays the
 * drawn card if it fits, else passes.
 */
export function chooseMove(view: PlayerView, rng: Rng): Move | null {
  const legal = legalMovesIn(view);
  if (legal.length === 0) return null;
  const plays = legal.filter((move) => move.type === "play");
  const plain = plays.filter((move) => !isWild(move.card));
  if (plain.length > 0) {
    if (rng() < WHIM) return plain[randomIndex(rng, plain.length)];
    return mostFollowable(plain, view, rng);
  }
  if (plays.length > 0) {
    const suit = suitToName(view, plays[0].card, rng);
    return plays.find((move) => move.suit === suit) ?? plays[0];
  }
  return legal.find((move) => move.type === "draw") ?? legal.find((move) => move.type === "pass") ?? null;
}

/** A human-like pause before the bot's next move (ms). */
export function thinkTimeMs(view: PlayerView, rng: Rng): number {
  const range = view.drawn !== null ? BOT_PACE.afterDrawMs : BOT_PACE.thinkMs;
  return range.min + Math.floor(rng() * (range.max - range.min + 1));
}

/** The play whose suit the bot holds most of, so it can follow again next turn; ties broken at random. */
function mostFollowable(plays: Extract<Move, { type: "play" }>[], view: PlayerView, rng: Rng): Move {
  const counts = suitCounts(view.hand);
  let best: Move[] = [];
  let bestCount = -1;
  for (const move of plays) {
    const count = counts.get(suitOf(move.card)) ?? 0;
    if (count > bestCount) { best = [move]; bestCount = count; }
    else if (count === bestCount) best.push(move);
  }
  return best[randomIndex(rng, best.length)];
}

/** The suit to name with an eight: the one the bot holds most of, apart from the eight it plays. */
function suitToName(view: PlayerView, eight: Card, rng: Rng): Suit {
  const counts = suitCounts(view.hand.filter((card) => card !== eight && !isWild(card)));
  const most = Math.max(0, ...counts.values());
  const favourites = SUITS.filter((suit) => (counts.get(suit) ?? 0) === most);
  return favourites[randomIndex(rng, favourites.length)];
}

function suitCounts(hand: readonly Card[]): Map<Suit, number> {
  const counts = new Map<Suit, number>();
  for (const card of hand) counts.set(suitOf(card), (counts.get(suitOf(card)) ?? 0) + 1);
  return counts;
}

/**
 * How bots play the cards table (`npm run loadtest -- --room cards`): a pure
 * choice of a legal move from what its seat can see (playerViewOf on its
 * decoded state), how long a person would take to make it, and the fleet's
 * player that sends the move after that pause and times its acknowledgement.
 */
import type { Behaviour, BotContext, BotPlayer } from "../../loadtest/behaviour.ts";
import { MESSAGES, SUITS, isWild, suitOf, type Card, type Move, type Suit } from "./protocol.ts";
import { randomIndex, type Rng } from "./random.ts";
import { legalMovesIn, type PlayerView } from "./rules.ts";
import { playerViewOf, seatIndexOf, type CardsState } from "./state.ts";

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

/** What changes on the table whenever a move is accepted: the turn, a draw, the own hand, the phase. */
function moveFingerprint(table: CardsState, playerId: string): string {
  const seat = table.seats[seatIndexOf(table, playerId)];
  return `${table.phase}|${table.round}|${table.turn}|${table.turnHasDrawn}|${seat?.handCount ?? -1}`;
}

/**
 * A seated player: on its turn it thinks (thinkTimeMs), then sends
 * chooseMove's move; once the round is over it asks for a rematch. A move
 * is acknowledged when the decoded table shows its effect, or when the room
 * refuses it; that round trip goes to the fleet's ack figure.
 */
function seatedPlayer({ room, rng, acknowledged }: BotContext): BotPlayer {
  const table = () => room.state as CardsState | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let pending: { sentAt: number; fingerprint: string } | undefined;
  let askedForRound = -1;
  let stopped = false;

  const acknowledge = () => {
    if (!pending) return;
    acknowledged(performance.now() - pending.sentAt);
    pending = undefined;
  };

  const plan = () => {
    const state = table();
    if (stopped || timer || pending || !state?.seats) return;
    const seat = state.seats[seatIndexOf(state, room.sessionId)];
    if (state.phase === "roundOver" && seat && !seat.wantsRematch && askedForRound !== state.round) {
      askedForRound = state.round;
      timer = setTimeout(() => { timer = undefined; room.send(MESSAGES.rematch, {}); }, BOT_PACE.thinkMs.min);
      return;
    }
    const view = playerViewOf(state, room.sessionId);
    if (!view || legalMovesIn(view).length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      // Decide on the table as it is now: a timeout may have played this turn meanwhile.
      const now = table() && playerViewOf(table()!, room.sessionId);
      const move = now && chooseMove(now, rng);
      if (!move || !room.connection.isOpen) return plan();
      pending = { sentAt: performance.now(), fingerprint: moveFingerprint(table()!, room.sessionId) };
      room.send(MESSAGES.move, move);
    }, thinkTimeMs(view, rng));
  };

  room.onMessage(MESSAGES.rejected, () => { acknowledge(); plan(); });
  room.onStateChange((state: CardsState) => {
    if (pending && moveFingerprint(state, room.sessionId) !== pending.fingerprint) acknowledge();
    plan();
  });
  // A move sent before a drop is never timed: its answer may have been lost with the socket.
  room.onDrop(() => { pending = undefined; });
  plan();
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** The cards table's bot behaviours, by name, for the fleet (loadtest/). */
export const behaviours: Record<string, Behaviour> = {
  /** Sits down, plays every turn at a human pace, asks for a rematch after each round. */
  play: { session: "stay", decodesPatches: true, play: seatedPlayer },
  /** Plays for a few seconds, leaves (withdrawing from the round), comes back to another seat. */
  churn: { session: "churn", decodesPatches: true, play: seatedPlayer },
  /** Plays, and every few seconds loses its connection without a close frame: its seat and hand are held. */
  storm: { session: "storm", decodesPatches: true, play: seatedPlayer },
};


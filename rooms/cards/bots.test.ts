import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BOT_PACE, chooseMove, thinkTimeMs } from "./bots.ts";
import { seededRng } from "./random.ts";
import { MOST_MOVES_IN_A_ROUND, applyMove, deal, legalMoves, viewOf, type Game } from "./rules.ts";

const ANN = "ann";
const BEN = "ben";

/** A two-player round at a chosen moment, `ann` on turn. */
function table(overrides: Partial<Game>): Game {
  return { ...deal([ANN, BEN], 1).game, turn: 0, drawn: null, idlePasses: 0, ...overrides };
}

describe("cards bot", () => {
  it("makes only legal moves, and a table of bots finishes every round", () => {
    let wentOut = 0;
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.integer({ min: 0, max: 0xffffffff }), (count, seed) => {
        const players = ["a", "b", "c", "d"].slice(0, count);
        const rng = seededRng(seed);
        let game = deal(players, seed).game;
        for (let moves = 0; game.phase === "playing"; moves++) {
          expect(moves).toBeLessThanOrEqual(MOST_MOVES_IN_A_ROUND);
          const player = game.players[game.turn];
          const move = chooseMove(viewOf(game, player), rng);
          expect(legalMoves(game, player)).toContainEqual(move);
          const result = applyMove(game, player, move!);
          if (!result.ok) throw new Error(result.rejection.message);
          game = result.game;
        }
        if (!game.outcome!.blocked) wentOut++;
      }),
      { numRuns: 2000 },
    );
    expect(wentOut).toBeGreaterThan(1900); // bots play to win: blocked rounds are rare
  });

  it("has no move when it is not its turn or the round is over", () => {
    const game = table({});
    expect(chooseMove(viewOf(game, BEN), seededRng(1))).toBeNull();
    expect(chooseMove(viewOf({ ...game, phase: "roundOver" }, ANN), seededRng(1))).toBeNull();
  });

  it("keeps its eights while another card fits", () => {
    const game = table({ hands: [["8C", "3H"], ["2C"]], discardPile: ["9H"], suit: "H" });
    for (let seed = 0; seed < 50; seed++) expect(chooseMove(viewOf(game, ANN), seededRng(seed))).toEqual({ type: "play", card: "3H" });
  });

  it("plays an eight when nothing else fits, naming the suit it holds most of", () => {
    const game = table({ hands: [["2S", "8C", "3S", "4D"], ["2C"]], discardPile: ["9H"], suit: "H" });
    for (let seed = 0; seed < 50; seed++) expect(chooseMove(viewOf(game, ANN), seededRng(seed))).toEqual({ type: "play", card: "8C", suit: "S" });
  });

  it("usually plays the card whose suit it can follow again", () => {
    const game = table({ hands: [["3H", "9S", "2S", "4S"], ["2C"]], discardPile: ["9H"], suit: "H" });
    const picks = Array.from({ length: 200 }, (_, seed) => chooseMove(viewOf(game, ANN), seededRng(seed)));
    const keepsSpades = picks.filter((move) => move?.type === "play" && move.card === "9S").length;
    expect(keepsSpades).toBeGreaterThan(150);
  });

  it("draws when nothing fits, then plays the drawn card if it fits or passes", () => {
    const game = table({ hands: [["2S"], ["2C"]], discardPile: ["9H"], suit: "H", drawPile: ["4C", "5H", "KD"] });
    const rng = seededRng(3);
    expect(chooseMove(viewOf(game, ANN), rng)).toEqual({ type: "draw" });
    const drewMiss = { ...game, hands: [["2S", "KD"], ["2C"]], drawn: "KD" } as Game;
    expect(chooseMove(viewOf(drewMiss, ANN), rng)).toEqual({ type: "pass" });
    const drewHit = { ...game, hands: [["2S", "5H"], ["2C"]], drawn: "5H" } as Game;
    expect(chooseMove(viewOf(drewHit, ANN), rng)).toEqual({ type: "play", card: "5H" });
  });

  it("passes when nothing fits and nothing is left to draw", () => {
    const game = table({ hands: [["2S"], ["2C"]], discardPile: ["9H"], suit: "H", drawPile: [], reshufflesLeft: 0 });
    expect(chooseMove(viewOf(game, ANN), seededRng(1))).toEqual({ type: "pass" });
  });

  it("thinks for a human while, and less after a draw", () => {
    const rng = seededRng(9);
    const fresh = viewOf(table({}), ANN);
    const drew = viewOf(table({ drawn: "5H", hands: [["5H"], ["2C"]] }), ANN);
    for (let i = 0; i < 500; i++) {
      const think = thinkTimeMs(fresh, rng);
      expect(think).toBeGreaterThanOrEqual(BOT_PACE.thinkMs.min);
      expect(think).toBeLessThanOrEqual(BOT_PACE.thinkMs.max);
      const look = thinkTimeMs(drew, rng);
      expect(look).toBeGreaterThanOrEqual(BOT_PACE.afterDrawMs.min);
      expect(look).toBeLessThanOrEqual(BOT_PACE.afterDrawMs.max);
    }
  });
});

import { describe, expect, it } from "vitest";
import { DECK, JoinOptions, LIMITS, Move, REJECTIONS, RematchRequest, isWild, rankOf, suitOf } from "./protocol.ts";

describe("cards protocol", () => {
  it("names 52 distinct cards, four of them wild, each read back to its rank and suit", () => {
    expect(new Set(DECK).size).toBe(52);
    expect(DECK.filter(isWild)).toEqual(["8C", "8D", "8H", "8S"]);
    for (const card of DECK) expect(`${rankOf(card)}${suitOf(card)}`).toBe(card);
    expect(rankOf("10S")).toBe("10");
  });

  it("accepts the three kinds of move as plain data", () => {
    for (const move of [{ type: "play", card: "QH" }, { type: "play", card: "8C", suit: "S" }, { type: "draw" }, { type: "pass" }]) {
      expect(Move.safeParse(move)).toEqual({ success: true, data: move });
    }
  });

  it("refuses a move that names no real card or suit, carries extra keys, or is not a move at all", () => {
    const refused: unknown[] = [
      { type: "play", card: "1H" },
      { type: "play", card: "qh" },
      { type: "play", card: "QH ".repeat(10_000) },
      { type: "play", card: "8C", suit: "X" },
      { type: "play" },
      { type: "draw", card: "QH" },
      { type: "pass", extra: 1 },
      { type: "shuffle" },
      { type: "__proto__" },
      "draw",
      null,
      [],
    ];
    for (const move of refused) expect(Move.safeParse(move).success, JSON.stringify(move)?.slice(0, 40)).toBe(false);
  });

  it("takes an empty rematch request and nothing else", () => {
    expect(RematchRequest.safeParse({}).success).toBe(true);
    expect(RematchRequest.safeParse({ force: true }).success).toBe(false);
  });

  it("trims a joining player's name and refuses one over the length limit", () => {
    expect(JoinOptions.parse({ name: "  Ann  " })).toEqual({ name: "Ann" });
    const tooLong = JoinOptions.safeParse({ name: "x".repeat(LIMITS.nameLength + 1) });
    expect(tooLong.success).toBe(false);
    expect(tooLong.error?.issues[0].message).toBe(`Names are at most ${LIMITS.nameLength} characters.`);
    expect(JoinOptions.parse({ spectate: true })).toEqual({ spectate: true });
  });

  it("gives every rejection code a message a player can act on", () => {
    for (const [code, message] of Object.entries(REJECTIONS)) {
      expect(code).toMatch(/^[A-Z_]+$/);
      expect(message, code).toMatch(/^[A-Z].{10,}\.$/);
    }
  });
});

import { describe, expect, it } from "vitest";
import { DECK } from "./protocol.ts";
import { nextRandom, randomState, secureSeed, seededRng, shuffled } from "./random.ts";

describe("cards randomness", () => {
  it("draws the same numbers in [0, 1) from the same seed", () => {
    const a = seededRng(12345);
    const b = seededRng(12345);
    const drawn = Array.from({ length: 10_000 }, () => a());
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(drawn);
    expect(drawn.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRng(12346)()).not.toBe(seededRng(12345)());
  });

  it("shuffles into a permutation, the same one for the same state, and returns the state after it", () => {
    const first = shuffled(DECK, randomState(7));
    expect([...first.items].sort()).toEqual([...DECK].sort());
    expect(first.items).not.toEqual(DECK);
    expect(shuffled(DECK, randomState(7))).toEqual(first);
    expect(shuffled(DECK, first.state).items).not.toEqual(first.items);
  });

  it("puts each card in each place about equally often", () => {
    const runs = 5_200;
    const firstPlace = new Map<string, number>();
    let state = randomState(1);
    for (let i = 0; i < runs; i++) {
      const r = shuffled(DECK, state);
      state = r.state;
      firstPlace.set(r.items[0], (firstPlace.get(r.items[0]) ?? 0) + 1);
    }
    // 100 expected per card; a fair shuffle stays well inside 50..150 for every one of 52 cards.
    expect(firstPlace.size).toBe(52);
    for (const count of firstPlace.values()) {
      expect(count).toBeGreaterThan(50);
      expect(count).toBeLessThan(150);
    }
  });

  it("advances its state on every draw", () => {
    const one = nextRandom(randomState(0));
    expect(nextRandom(one.state).state).not.toEqual(one.state);
  });

  it("seeds from all 128 bits of a secure seed", () => {
    const seed = secureSeed();
    expect(seed).toHaveLength(4);
    expect(seed.every((word) => Number.isInteger(word) && word >= 0 && word < 2 ** 32)).toBe(true);
    expect(secureSeed()).not.toEqual(seed);
    const rest = [seed[1], seed[2], seed[3]] as const;
    expect(seededRng([0, ...rest])()).not.toBe(seededRng([1, ...rest])());
    expect(seededRng([...rest, 0])()).not.toBe(seededRng([...rest, 1])());
  });
});

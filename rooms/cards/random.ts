/**
 * Seeded randomness for the cards table. The rules keep the generator's state
 * (one uint32) inside the game state, so a reshuffle stays a pure function of
 * the state; bots take a generator function. Same seed, same cards, on every
 * machine: integer arithmetic only.
 */

/** A source of numbers in [0, 1). */
export type Rng = () => number;

/** One step of mulberry32: the number drawn and the generator's next state. */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) >>> 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/** A generator function over the same sequence, for callers that keep no state of their own (bots, tests). */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    const r = nextRandom(state);
    state = r.state;
    return r.value;
  };
}

/** A whole number in [0, n). */
export function randomIndex(rng: Rng, n: number): number {
  return Math.floor(rng() * n);
}

/** A Fisher–Yates shuffle of a copy of `items`, and the generator state after it. */
export function shuffled<T>(items: readonly T[], state: number): { items: T[]; state: number } {
  const out = items.slice();
  let s = state >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    const r = nextRandom(s);
    s = r.state;
    const j = Math.floor(r.value * (i + 1));
    const held = out[i];
    out[i] = out[j];
    out[j] = held;
  }
  return { items: out, state: s };
}

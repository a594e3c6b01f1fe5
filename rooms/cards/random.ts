/**
 * Seeded randomness for the cards table. The rules keep the generator's state
 * inside the game state, so a reshuffle stays a pure function of the state;
 * bots take a generator function. Same seed, same cards, on every machine:
 * 32-bit integer arithmetic only.
 *
 * The generator is sfc32, with 128 bits of state. A deal's seed fixes every
 * card, so a server seeds each deal with secureSeed(): a 32-bit seed could be
 * found by trying them all against the cards a player holds. A number seed
 * is for tests and replays.
 */

/** A source of numbers in [0, 1). */
export type Rng = () => number;

/** The generator's state: four uint32 words. */
export type RandomState = readonly [number, number, number, number];

/** What a deal may be seeded with: a full state, or a number (tests and replays only). */
export type Seed = number | RandomState;

/** 128 fresh bits from the platform's cryptographic source (Node and browsers). */
export function secureSeed(): RandomState {
  const words = globalThis.crypto.getRandomValues(new Uint32Array(4));
  return [words[0], words[1], words[2], words[3]];
}

/** The generator's starting state for `seed`, warmed up so nearby seeds diverge at once. */
export function randomState(seed: Seed): RandomState {
  let state: RandomState = typeof seed === "number"
    ? [0x9e3779b9, 0x243f6a88, 0xb7e15162, seed >>> 0]
    : [seed[0] >>> 0, seed[1] >>> 0, seed[2] >>> 0, seed[3] >>> 0];
  for (let i = 0; i < 15; i++) state = nextRandom(state).state;
  return state;
}

/** One step of sfc32: the number drawn and the generator's next state. */
export function nextRandom([a, b, c, d]: RandomState): { value: number; state: RandomState } {
  const t = (((a + b) | 0) + d) | 0;
  const nextD = (d + 1) | 0;
  const nextA = b ^ (b >>> 9);
  const nextB = (c + (c << 3)) | 0;
  const nextC = (((c << 21) | (c >>> 11)) + t) | 0;
  return { value: (t >>> 0) / 4294967296, state: [nextA >>> 0, nextB >>> 0, nextC >>> 0, nextD >>> 0] };
}

/** A generator function over the same sequence, for callers that keep no state of their own (bots, tests). */
export function seededRng(seed: Seed): Rng {
  let state = randomState(seed);
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
export function shuffled<T>(items: readonly T[], state: RandomState): { items: T[]; state: RandomState } {
  const out = items.slice();
  let s = state;
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

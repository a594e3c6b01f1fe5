/**
 * The jitter buffer with synthetic arrival times: an entity moving at a
 * steady 200 units/s, a patch every 50 ms, frames every 16.7 ms, and the
 * patches' arrivals steady, jittered, stalled or bunched.
 */
import { describe, expect, it } from "vitest";
import { ArrivalJitter, Playback, TickGrid, Track, wrapAngle } from "./interpolation.ts";

const PATCH_MS = 50;
const SPEED = 0.2; // units per ms
const FRAME_MS = 1000 / 60;

interface Frame { at: number; x: number; step: number; delay: number; target: number }

/**
 * Play `seconds` of patches whose arrival times `arrival(serverTime)` gives,
 * drawing a frame every `frameMs()`; returns every frame drawn after `settleMs`.
 */
function play(seconds: number, arrival: (serverTime: number, index: number) => number, frameMs = () => FRAME_MS, settleMs = 1000): { frames: Frame[]; playback: Playback } {
  const playback = new Playback({ patchIntervalMs: PATCH_MS });
  const track = new Track(1);
  const patches: { serverTime: number; at: number }[] = [];
  for (let i = 0, t = 0; t <= seconds * 1000; i++, t += PATCH_MS) patches.push({ serverTime: t, at: arrival(t, i) });
  patches.sort((a, b) => a.at - b.at);
  const frames: Frame[] = [];
  let next = 0;
  let lastX = Number.NaN;
  for (let now = 0; now <= seconds * 1000; now += frameMs()) {
    while (next < patches.length && patches[next].at <= now) {
      const p = patches[next++];
      playback.arrive(p.serverTime, p.at);
      track.push(p.serverTime, [p.serverTime * SPEED]);
    }
    const time = playback.advance(now);
    if (Number.isNaN(time)) continue;
    const [x] = track.sample(time, now, playback.maxExtrapolationMs);
    if (now >= settleMs && !Number.isNaN(lastX)) frames.push({ at: now, x, step: x - lastX, delay: playback.delayMs, target: playback.targetDelayMs });
    lastX = x;
  }
  return { frames, playback };
}

/** Drawn speed over true speed, frame by frame. */
function ratios(frames: Frame[], frameMs = FRAME_MS): number[] {
  return frames.map((f) => f.step / (SPEED * frameMs));
}

function cv(values: number[]): number {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return sd / mean;
}

/** A repeatable uniform source. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe("the jitter buffer", () => {
  it("draws a steady stream at the true speed in every frame, about one patch interval behind", () => {
    const { frames, playback } = play(8, (t) => t + 5, undefined, 4000);
    for (const r of ratios(frames)) expect(r).toBeCloseTo(1, 3);
    expect(playback.stopped).toBe(0);
    expect(playback.targetDelayMs).toBeGreaterThanOrEqual(PATCH_MS);
    expect(playback.targetDelayMs).toBeLessThanOrEqual(PATCH_MS + PATCH_MS / 4);
  });

  it("follows the frame's timestamp, not a fixed step: irregular frames still move at the true speed", () => {
    const random = rng(7);
    const { frames } = play(8, (t) => t + 5, () => 30 + random() * 25, 4000);
    for (const f of frames.slice(1)) {
      const dt = f.at - frames[frames.indexOf(f) - 1].at;
      expect(f.step / (SPEED * dt)).toBeCloseTo(1, 2);
    }
  });

  it("draws a hitch (a 400 ms frame now and then) as the time it took, never falling behind", () => {
    let n = 0;
    const { frames, playback } = play(8, (t) => t + 5, () => (++n % 20 === 0 ? 400 : FRAME_MS), 3000);
    for (const f of frames.slice(1)) {
      const dt = f.at - frames[frames.indexOf(f) - 1].at;
      expect(f.step / (SPEED * dt)).toBeCloseTo(1, 1);
    }
    expect(playback.stopped).toBe(0);
  });

  it("rides out ±15 ms of jitter without running dry, and sets its delay from it", () => {
    const random = rng(1);
    const { frames, playback } = play(10, (t) => t + 60 + random() * 30);
    expect(playback.stopped).toBe(0);
    expect(playback.underruns / playback.frames).toBeLessThan(0.03); // carried along, a few ms past the newest patch
    expect(cv(ratios(frames))).toBeLessThan(0.03);
    expect(playback.targetDelayMs).toBeGreaterThan(PATCH_MS + 20);
    expect(playback.targetDelayMs).toBeLessThan(PATCH_MS + 30 + PATCH_MS / 2 + 1);
  });

  /** Patches from `at` on are held back `stall` ms by a retransmission and arrive together, in order. */
  const stalled = (at: number, stall: number) => (t: number) => Math.max(t + 5, t >= at && t < at + stall ? at + 5 + stall : 0);

  it("carries on through a 210 ms in-order stall without a jump, stopping at most briefly", () => {
    const { frames, playback } = play(9, stalled(3000, 210));
    const r = ratios(frames);
    expect(Math.max(...r)).toBeLessThanOrEqual(1 + 0.25 + 1e-9);
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0);
    // Stopped at most for the part of the stall that the delay and the extrapolation did not cover.
    const stoppedMs = frames.filter((f) => f.step === 0).length * FRAME_MS;
    expect(stoppedMs).toBeLessThanOrEqual(210 + PATCH_MS - playback.maxExtrapolationMs - 1.5 * PATCH_MS + FRAME_MS);
    for (const f of frames.filter((f) => f.at > 8500)) expect(f.step / (SPEED * FRAME_MS)).toBeCloseTo(1, 2);
  });

  it("after a stall it had to stop for, catches up within seconds, never more than 25 % fast", () => {
    const { frames } = play(18, stalled(3000, 600));
    const r = ratios(frames);
    expect(Math.max(...r)).toBeLessThanOrEqual(1 + 0.25 + 1e-9);
    const fastMs = frames.filter((f) => f.step / (SPEED * FRAME_MS) > 1.06).length * FRAME_MS;
    expect(fastMs).toBeGreaterThan(100);
    expect(fastMs).toBeLessThan(3000); // up to 475 ms behind, at 25 % at most, takes 1.9 s
    // Then the delay the stall raised is slewed back down at 5 %, and the clock is back at real time.
    for (const f of frames.filter((f) => f.at > 17_500)) expect(f.step / (SPEED * FRAME_MS)).toBeCloseTo(1, 2);
  });

  it("absorbs a burst (three patches at once) without a jump or a stop", () => {
    const { frames, playback } = play(5, (t, i) => (i >= 40 && i < 43 ? 42 * PATCH_MS + 5 : t + 5));
    const r = ratios(frames);
    expect(Math.max(...r)).toBeLessThanOrEqual(1.05 + 1e-9);
    expect(Math.min(...r)).toBeGreaterThanOrEqual(0.95 - 1e-9);
    expect(playback.stopped).toBe(0);
  });

  it("keeps its delay within four patch intervals however late patches come, never jumping", () => {
    const random = rng(5);
    let lastAt = 0;
    // ±150 ms of jitter, in order like TCP: far more than the bound, so frames often find the buffer dry.
    const { frames, playback } = play(10, (t) => (lastAt = Math.max(lastAt, t + 5 + random() * 300)));
    expect(playback.maxDelayMs).toBe(4 * PATCH_MS);
    for (const f of frames) expect(f.target).toBeLessThanOrEqual(4 * PATCH_MS);
    expect(Math.max(...frames.map((f) => f.target))).toBe(4 * PATCH_MS);
    for (const r of ratios(frames)) expect(r).toBeLessThanOrEqual(1 + 0.25 + 1e-9);
  });

  it("raises its delay when the jitter rises, gradually", () => {
    const random = rng(3);
    const calm = 3000;
    const { frames } = play(8, (t) => t + 5 + (t < calm ? random() * 4 : random() * 80));
    const before = frames.filter((f) => f.at < calm).map((f) => f.target);
    const after = frames.filter((f) => f.at > calm + 3000).map((f) => f.target);
    expect(Math.min(...after)).toBeGreaterThan(Math.max(...before) + 50);
    for (const r of ratios(frames)) expect(r).toBeGreaterThanOrEqual(0.95 - 1e-9);
  });
});

describe("a track", () => {
  it("places a teleport instead of sliding across the map", () => {
    const track = new Track(2, { snap: 120 });
    track.push(0, [0, 0]);
    track.push(50, [500, 0]);
    expect(track.sample(25, 0, 100)).toEqual([0, 0]);
    expect(track.sample(50, 10, 100)).toEqual([500, 0]);
  });

  it("places a teleport even when smoothing, instead of smearing it over the window", () => {
    const track = new Track(1, { snap: 120, smoothMs: 60 });
    for (let t = 0; t <= 200; t += 20) track.push(t, [t < 100 ? 0 : 500]);
    expect(track.sample(90, 0, 100)).toEqual([0]);
    expect(track.sample(100, 10, 100)).toEqual([500]);
  });

  it("turns an angle the short way round", () => {
    const track = new Track(1, { angles: [true] });
    track.push(0, [Math.PI - 0.1]);
    track.push(50, [-Math.PI + 0.1]);
    expect(wrapAngle(track.sample(25, 0, 100)[0] - Math.PI)).toBeCloseTo(0, 6);
  });

  it("glides out what it carried wrongly when the truth arrives", () => {
    const track = new Track(1, { glideMs: 100 });
    track.push(0, [0]);
    track.push(50, [10]);
    expect(track.sample(100, 0, 100)[0]).toBeCloseTo(20); // carried along
    track.push(100, [10]); // it had stopped
    const first = track.sample(100, 16, 100)[0];
    expect(first).toBeGreaterThan(10); // starts near where it was drawn
    expect(track.sample(100, 1000, 100)[0]).toBeCloseTo(10, 3);
  });
});

describe("a smoothed track", () => {
  it("draws a walk whose steps the server applied late (nothing, then two) far more steadily", () => {
    const tick = 1000 / 30;
    /** Every third tick the input came late: the player stands, then makes up the step on the next tick. */
    const position = (k: number) => 8 * (k % 3 === 1 ? k - 1 : k);
    const speeds = (smoothMs: number) => {
      const track = new Track(1, { smoothMs });
      for (let k = 0; k <= 60; k++) track.push(k * tick, [position(k)]);
      const out: number[] = [];
      let last = Number.NaN;
      for (let t = 500; t < 1500; t += FRAME_MS) {
        const [x] = track.sample(t, t, 100);
        if (!Number.isNaN(last)) out.push((x - last) / (FRAME_MS * 0.24));
        last = x;
      }
      return out;
    };
    const raw = cv(speeds(0));
    expect(raw).toBeGreaterThan(0.5);
    expect(cv(speeds(2 * tick))).toBeLessThan(raw / 2.5);
  });

  it("draws a player who turns back slowing to a stop at the turning point and setting off at once, never standing there", () => {
    const tick = 1000 / 30;
    const turnAt = 30;
    /** Eight units a tick one way, then back the other from tick 30. */
    const position = (k: number) => 8 * (k <= turnAt ? k : 2 * turnAt - k);
    const track = new Track(1, { smoothMs: 3 * tick });
    for (let k = 0; k <= 60; k++) track.push(k * tick, [position(k)]);
    let still = 0, longestStill = 0;
    let last = Number.NaN;
    for (let t = turnAt * tick - 100; t <= turnAt * tick + 100; t += 1) {
      const [x] = track.sample(t, t, 100);
      still = Math.abs(x - last) < 1e-6 ? still + 1 : 0;
      longestStill = Math.max(longestStill, still);
      last = x;
    }
    expect(longestStill).toBeLessThanOrEqual(1); // ms
  });
});

describe("arrival jitter", () => {
  it("is each patch's lateness behind the fastest one in the window", () => {
    const jitter = new ArrivalJitter(1000);
    expect(jitter.add(0, 10)).toBe(0);
    expect(jitter.add(50, 90)).toBe(30);
    expect(jitter.add(100, 105)).toBe(0); // a new fastest
    expect(jitter.quantileMs(1)).toBe(35);
  });
});

describe("the tick grid", () => {
  const tick = 1000 / 30;

  /** Patches every 50 ms (1.5 steps), each stamped `lateness(k)` after its step's deadline; checks every placement once two seconds of stamps are in. */
  function placesOnDeadlines(lateness: (k: number) => number) {
    const grid = new TickGrid(tick);
    let last = { deadline: Number.NaN, placed: Number.NaN };
    for (let k = 3; k < 600; k += k % 2 ? 2 : 1) {
      const deadline = 1000 + k * tick;
      const placed = grid.place(Math.floor(deadline + lateness(k))); // the server's clock reads whole milliseconds
      if (k >= 90) {
        // The grid may sit a ms or two off the deadlines, but every stretch between two patches is the steps it held.
        expect(Math.abs(placed - deadline)).toBeLessThanOrEqual(2.5);
        expect(Math.abs(placed - last.placed - (deadline - last.deadline))).toBeLessThan(1.5);
      }
      last = { deadline, placed };
    }
  }

  it("places each patch on its step's deadline when most step callbacks run on time and some up to a step late", () => {
    const random = rng(9);
    placesOnDeadlines((k) => {
      const r = random();
      // A callback that ran more than a step late also ran the next step: its stamp is just before that step's deadline.
      return r < 0.6 ? random() * 1.5 : r < 0.9 ? 15 + random() * 12 : -1.5 * random();
    });
  });

  it("places each patch on its step's deadline when the host is so busy that lateness spreads over most of a step", () => {
    const random = rng(10);
    placesOnDeadlines(() => random() * 28);
  });
});

/**
 * How smoothly remote entities are drawn, measured against what the server
 * sent: the figures of the debug overlay (F3) and bench/measure-client.ts,
 * the same definitions for the SDK's lerp and for our jitter buffer.
 *
 * Every frame, each remote entity's drawn position is compared with the
 * motion the server sent for the stretch of server time drawn in that frame
 * (judged once the samples after it have arrived):
 * - drawn-speed CV: over frames inside straight motion (the segments
 *   between the samples around the stretch all head the same way), the
 *   coefficient of variation of drawn distance ÷ (true speed × frame time),
 *   the true speed being the mean over those segments;
 * - stall frames: frames in which an entity moving throughout did not move
 *   on screen (less than 5 % of its true motion in that frame), as a share
 *   of such frames, and the longest run of them (ms); frames at a turn back
 *   (segments around heading more than 90° apart) are counted apart, since
 *   the entity comes to rest at the turning point there in truth too;
 * - largest jump: the largest drawn distance in one frame ÷ the true motion
 *   in that frame (the fastest true speed around it × frame time);
 * - delay: how far behind the newest received patch the frame was drawn
 *   (mean, p5, p95, ms), and underruns: frames drawn past the newest patch.
 */

/** Segments whose directions differ by less than 2° count as one straight line. */
const STRAIGHT_COS = Math.cos((2 * Math.PI) / 180);
/** Slower than this (units per ms) is standing still. */
const MOVING = 0.01;
/** A frame that draws less than this share of the true motion drew the entity standing (a glide's last creep included). */
const STILL = 0.05;
/** Farther than this between two samples is a teleport (respawn): frames around it are not judged. Units. */
const TELEPORT = 120;
/** Samples and pending frames kept per entity. */
const KEEP_SAMPLES = 200;

interface Sample { t: number; x: number; y: number }
interface PendingFrame { frameTime: number; dt: number; from: number; to: number; dx: number; dy: number; newest: number }
interface Entity {
  samples: Sample[];
  pending: PendingFrame[];
  last?: { frameTime: number; time: number; x: number; y: number };
  stallMs: number;
}

export interface MotionSummary {
  /** Entity-frames judged. */
  frames: number;
  /** Of those, inside straight motion. */
  straightFrames: number;
  speedCv: number;
  /** Share of moving entity-frames drawn without moving (0..1), turns back apart. */
  stallShare: number;
  longestStallMs: number;
  /** Entity-frames moving throughout at a turn back (segments around heading more than 90° apart), and the share of them drawn without moving (0..1). */
  turnFrames: number;
  turnStallShare: number;
  /** The last frame of that stall: its length, the server time it covered (ms), the distance drawn, the true speed (units/ms), the true motion over that server time, and how far past the newest sample it drew (ms; negative: short of it). */
  longestStall?: { dt: number; from: number; to: number; drawn: number; speed: number; trueMotion: number; pastNewestMs: number };
  maxJumpRatio: number;
  /** The frame with that jump: its length and the server time it covered (ms), the distance drawn and the true speed (units/ms). */
  maxJump?: { dt: number; from: number; to: number; drawn: number; speed: number };
  delayMeanMs: number;
  delayP5Ms: number;
  delayP95Ms: number;
  /** Share of frames drawn past the newest patch (0..1). */
  underrunShare: number;
  /**
   * Where the drawn-speed variation comes from, each as a CV over the same straight frames:
   * `clockCv`, server time drawn per frame ÷ the frame's length (the playback clock's rate);
   * `truthCv`, the true motion over the server time drawn ÷ the mean speed × that time (the
   * server's own unevenness, such as a late input applied on the next tick);
   * `drawCv`, the drawn distance ÷ that true motion (smoothing, carrying past the newest patch, glides).
   */
  clockCv: number;
  truthCv: number;
  drawCv: number;
}

export class MotionFigures {
  #entities = new Map<unknown, Entity>();
  #ratios: number[] = [];
  #clockRatios: number[] = [];
  #truthRatios: number[] = [];
  #drawRatios: number[] = [];
  #moving = 0;
  #stalled = 0;
  #turning = 0;
  #turnStalled = 0;
  #longestStallMs = 0;
  #maxJump = 0;
  #maxJumpAt: MotionSummary["maxJump"];
  #longestStallAt: MotionSummary["longestStall"];
  #judged = 0;
  #delays: number[] = [];
  #underruns = 0;
  #frames = 0;

  /** The server sent `entity` at (x, y) for server time `t`. */
  truth(entity: unknown, t: number, x: number, y: number): void {
    const e = this.#entity(entity);
    const last = e.samples[e.samples.length - 1];
    if (last && t <= last.t) return;
    e.samples.push({ t, x, y });
    if (e.samples.length > KEEP_SAMPLES) e.samples.shift();
    this.#judgePending(e);
  }

  /** A frame was drawn at `frameTime`, showing server time `time`, `delayMs` behind the newest patch (negative: past it). */
  frame(frameTime: number, delayMs: number): void {
    if (!Number.isFinite(delayMs)) return;
    this.#frames++;
    this.#delays.push(delayMs);
    if (this.#delays.length > 20_000) this.#delays.shift();
    if (delayMs < 0) this.#underruns++;
  }

  /** `entity` was drawn at (x, y) in the frame at `frameTime`, which shows server time `time`. */
  drawn(entity: unknown, frameTime: number, time: number, x: number, y: number): void {
    if (!Number.isFinite(time)) return; // nothing received yet
    const e = this.#entity(entity);
    const last = e.last;
    e.last = { frameTime, time, x, y };
    if (!last || frameTime <= last.frameTime) return;
    e.pending.push({ frameTime, dt: frameTime - last.frameTime, from: last.time, to: time, dx: x - last.x, dy: y - last.y, newest: e.samples[e.samples.length - 1]?.t ?? Number.NaN });
    if (e.pending.length > KEEP_SAMPLES) e.pending.shift();
    this.#judgePending(e);
  }

  /** Forget an entity that left. */
  forget(entity: unknown): void {
    this.#entities.delete(entity);
  }

  reset(): void {
    for (const e of this.#entities.values()) { e.pending = []; e.stallMs = 0; }
    this.#ratios = [];
    this.#clockRatios = [];
    this.#truthRatios = [];
    this.#drawRatios = [];
    this.#moving = this.#stalled = this.#turning = this.#turnStalled = this.#longestStallMs = this.#maxJump = this.#judged = 0;
    this.#maxJumpAt = undefined;
    this.#longestStallAt = undefined;
    this.#delays = [];
    this.#underruns = this.#frames = 0;
  }

  summary(): MotionSummary {
    const r = this.#ratios;
    const d = [...this.#delays].sort((a, b) => a - b);
    const q = (f: number) => (d.length ? d[Math.min(d.length - 1, Math.floor(f * d.length))] : 0);
    return {
      frames: this.#judged,
      straightFrames: r.length,
      speedCv: cv(r),
      stallShare: this.#moving ? this.#stalled / this.#moving : 0,
      longestStallMs: this.#longestStallMs,
      turnFrames: this.#turning,
      turnStallShare: this.#turning ? this.#turnStalled / this.#turning : 0,
      maxJumpRatio: this.#maxJump,
      maxJump: this.#maxJumpAt,
      longestStall: this.#longestStallAt,
      delayMeanMs: d.length ? d.reduce((a, b) => a + b, 0) / d.length : 0,
      delayP5Ms: q(0.05),
      delayP95Ms: q(0.95),
      underrunShare: this.#frames ? this.#underruns / this.#frames : 0,
      clockCv: cv(this.#clockRatios),
      truthCv: cv(this.#truthRatios),
      drawCv: cv(this.#drawRatios),
    };
  }

  #entity(entity: unknown): Entity {
    let e = this.#entities.get(entity);
    if (!e) {
      e = { samples: [], pending: [], stallMs: 0 };
      this.#entities.set(entity, e);
    }
    return e;
  }

  /** Judge the frames whose stretch of server time now has a sample after it. */
  #judgePending(e: Entity): void {
    const samples = e.samples;
    if (samples.length < 3) return;
    const newest = samples[samples.length - 1].t;
    while (e.pending.length > 0 && Math.max(e.pending[0].from, e.pending[0].to) < newest) {
      this.#judge(e, e.pending.shift()!);
    }
  }

  #judge(e: Entity, f: PendingFrame): void {
    const samples = e.samples;
    const lo = Math.min(f.from, f.to), hi = Math.max(f.from, f.to);
    // The segments covering [lo, hi], and one more on each side.
    let first = samples.findIndex((s) => s.t > lo) - 2;
    let last = samples.findIndex((s) => s.t >= hi) + 1;
    if (first < 0 || last <= 0 || last >= samples.length) return; // not enough samples around it
    first = Math.max(0, first);
    const velocities: { vx: number; vy: number; speed: number; jump: number }[] = [];
    for (let i = first; i < last; i++) {
      const a = samples[i], b = samples[i + 1];
      const dt = b.t - a.t;
      const jump = Math.hypot(b.x - a.x, b.y - a.y);
      velocities.push({ vx: (b.x - a.x) / dt, vy: (b.y - a.y) / dt, speed: jump / dt, jump });
    }
    if (velocities.some((v) => v.jump > TELEPORT)) return;
    this.#judged++;
    const drawn = Math.hypot(f.dx, f.dy);
    const fastest = Math.max(...velocities.map((v) => v.speed));
    const movingThroughout = velocities.every((v) => v.speed > MOVING);
    if (fastest > MOVING && drawn / (fastest * f.dt) > this.#maxJump) {
      this.#maxJump = drawn / (fastest * f.dt);
      this.#maxJumpAt = { dt: f.dt, from: f.from, to: f.to, drawn, speed: fastest };
    }
    // At a turn back the true path comes to rest too: linear between samples it does so for an instant, and any smooth drawing for a frame or so.
    const turnsBack = velocities.some((v, i) => velocities.slice(i + 1).some((w) => v.vx * w.vx + v.vy * w.vy < 0));
    if (movingThroughout && turnsBack) {
      this.#turning++;
      if (drawn < STILL * fastest * f.dt) this.#turnStalled++;
      e.stallMs = 0;
    } else if (movingThroughout) {
      this.#moving++;
      if (drawn < STILL * fastest * f.dt) {
        this.#stalled++;
        e.stallMs += f.dt;
        if (e.stallMs > this.#longestStallMs) {
          this.#longestStallMs = e.stallMs;
          this.#longestStallAt = { dt: f.dt, from: f.from, to: f.to, drawn, speed: fastest, trueMotion: distanceBetween(samples, lo, hi, first, last), pastNewestMs: f.to - f.newest };
        }
      } else {
        e.stallMs = 0;
      }
      // Straight: every segment around heads the same way. The server stamps samples with its tick times,
      // which wobble on a busy host, so the true speed is the mean over those segments.
      const v0 = velocities[0];
      const straight = velocities.every((v) => (v.vx * v0.vx + v.vy * v0.vy) / (v.speed * v0.speed) >= STRAIGHT_COS);
      if (straight) {
        const span = samples[last].t - samples[first].t;
        const distance = Math.hypot(samples[last].x - samples[first].x, samples[last].y - samples[first].y);
        const speed = distance / span;
        this.#ratios.push(drawn / (speed * f.dt));
        const stretch = Math.abs(f.to - f.from);
        const trueMotion = distanceBetween(samples, lo, hi, first, last);
        if (stretch > 0 && trueMotion > 0) {
          this.#clockRatios.push(stretch / f.dt);
          this.#truthRatios.push(trueMotion / (speed * stretch));
          this.#drawRatios.push(drawn / trueMotion);
        }
      }
    } else {
      e.stallMs = 0;
    }
  }
}

/** The coefficient of variation of `values` (0 for none). */
function cv(values: number[]): number {
  if (values.length === 0) return 0;
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
  return mean > 0 ? sd / mean : 0;
}

/** How far the samples' path moved from server time `lo` to `hi` (within samples[first..last]). */
function distanceBetween(samples: Sample[], lo: number, hi: number, first: number, last: number): number {
  const [x0, y0] = at(samples, lo, first, last);
  const [x1, y1] = at(samples, hi, first, last);
  return Math.hypot(x1 - x0, y1 - y0);
}

/** The samples' position at server time `t`, linear between the two around it (within samples[first..last]). */
function at(samples: Sample[], t: number, first: number, last: number): [number, number] {
  let i = first;
  while (i < last - 1 && samples[i + 1].t < t) i++;
  const a = samples[i], b = samples[i + 1];
  const u = Math.max(0, Math.min(1, (t - a.t) / (b.t - a.t)));
  return [a.x + (b.x - a.x) * u, a.y + (b.y - a.y) * u];
}

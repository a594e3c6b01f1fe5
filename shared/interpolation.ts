/**
 * Drawing what the server sends, smoothly: a jitter buffer and interpolation
 * for every entity a client draws from state patches. Knows nothing of the
 * SDK, of Phaser or of any room; clients use it through game-client/src/net/remotes.ts,
 * and the load tester's bots measure arrival jitter with the same class.
 *
 * - One playback clock per room (`Playback`), on the server's timeline:
 *   every frame it advances by the frame's own time step, so what is drawn
 *   depends on the frame's timestamp, not on when the code happened to run.
 * - It runs a delay behind the fastest patch's arrival: enough that 95 % of
 *   the frames of the last seconds had a patch newer than what they draw,
 *   plus a quarter interval of margin, within bounds (one patch interval to
 *   `maxDelayMs`, four by default). That is the patch interval plus the
 *   arrival jitter the frames actually saw: a page that was too busy to draw
 *   while patches waited for it does not count that wait, since it drew no
 *   frame then. The rest is carried along (below) rather than waited for.
 * - A change of that delay is absorbed by running the clock up to 5 % faster
 *   or slower, never by a jump; after an in-order stall (a lost packet on
 *   TCP) that stopped it, it catches up at up to 25 % faster, over a few
 *   hundred ms.
 * - When the buffer runs dry, entities carry on along their last motion for
 *   a bounded time (`maxExtrapolationMs`), and the clock stops there; when
 *   patches resume, the difference between where an entity was carried and
 *   where it really was glides out instead of popping.
 * - Each entity keeps its own samples (`Track`), taken at every patch.
 */

/**
 * The simulation's own timeline. A patch is stamped with the server clock
 * when the step callback that last ran started: at or after the deadline of
 * the step it holds (by up to a step under load), or a moment before it when
 * the callback ran that step too on catching up. Each step advances the
 * simulation by exactly one fixed step, so drawn on those stamps steady
 * motion would speed up and slow down with the host's hiccups. Each stamp is
 * placed on the step deadline at or just after it instead, on a grid whose
 * phase is found from the last two seconds of stamps (`gridPhase`).
 * Samples keep at least one tick apart.
 */
export class TickGrid {
  readonly tickMs: number;
  #phase = Number.NaN;
  #last = Number.NaN;
  /** The recent stamps' positions within a tick, ms. */
  #residues: number[] = [];
  /** Patches for which the estimated phase has been far from the one in use. */
  #farFor = 0;

  constructor(tickMs: number) {
    this.tickMs = tickMs;
  }

  /** The grid time for a patch stamped `serverTime`. */
  place(serverTime: number): number {
    const tick = this.tickMs;
    if (!(tick > 0)) return serverTime;
    this.#residues.push(modulo(serverTime, tick));
    if (this.#residues.length > GRID_STAMPS) this.#residues.shift();
    const phase = gridPhase(this.#residues, tick);
    // Follow the estimate smoothly while it is near, so a stamp leaving the window does not move every sample;
    // move to a far one only once it has stayed there a while, not for one unlucky window.
    const shift = Number.isNaN(this.#phase) ? Number.NaN : wrapModulo(phase - this.#phase, tick);
    this.#farFor = Math.abs(shift) > CLUSTER_MS ? this.#farFor + 1 : 0;
    if (Number.isNaN(shift) || this.#farFor > GRID_STAMPS / 4) this.#phase = phase;
    else if (this.#farFor === 0) this.#phase += Math.max(-PHASE_STEP_MS, Math.min(PHASE_STEP_MS, shift));
    const late = modulo(serverTime - this.#phase + EARLY_MS, tick) - EARLY_MS;
    let placed = serverTime - late;
    if (placed <= this.#last) placed = this.#last + tick;
    this.#last = placed;
    return placed;
  }
}

/** Stamps kept for finding the grid's phase: two seconds at 20 patches/s. */
const GRID_STAMPS = 40;
/** A stamp this much before a grid point belongs to it, ms: a callback that caught up ran the next step too, and the server's clock reads whole milliseconds. */
const EARLY_MS = 2;
/** How close together the stamps of a host that keeps up fall, ms. */
const CLUSTER_MS = 3;
/** How far the phase follows its estimate per patch, ms. */
const PHASE_STEP_MS = 0.1;

/**
 * Where in the tick the steps' deadlines fall, from stamps' positions within
 * the tick (`residues`). A host that keeps up stamps most patches within a
 * few ms of their deadline: the densest few ms, from its earliest stamp. A
 * host so busy that lateness spreads over the whole tick leaves no such
 * cluster; then the deadline is where the stamps start after the largest
 * gap between them.
 */
export function gridPhase(residues: readonly number[], tickMs: number): number {
  const sorted = [...residues].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 1) return sorted[0];
  let densest = 0, count = 0;
  for (let i = 0, j = 0; i < n; i++) {
    // Stamps within CLUSTER_MS after sorted[i], going round the tick.
    while (j < i + n && sorted[j % n] + (j >= n ? tickMs : 0) - sorted[i] <= CLUSTER_MS) j++;
    if (j - i > count) { count = j - i; densest = i; }
  }
  if (count >= 0.4 * n) return sorted[densest];
  let gapEnd = 0, gap = -1;
  for (let i = 0; i < n; i++) {
    const before = i === 0 ? sorted[0] + tickMs - sorted[n - 1] : sorted[i] - sorted[i - 1];
    if (before > gap) { gap = before; gapEnd = i; }
  }
  return sorted[gapEnd];
}

function modulo(value: number, m: number): number {
  return value - Math.floor(value / m) * m;
}

/** `value` brought into [-m/2, m/2). */
function wrapModulo(value: number, m: number): number {
  return modulo(value + m / 2, m) - m / 2;
}

/** How one patch's arrival compares with the fastest recent one. */
export class ArrivalJitter {
  readonly windowMs: number;
  #at: number[] = [];
  #transit: number[] = [];
  /** The window's minimum, as a monotonic deque (times and values, values increasing). */
  #minAt: number[] = [];
  #min: number[] = [];

  constructor(windowMs = 4000) {
    this.windowMs = windowMs;
  }

  /**
   * A patch stamped `serverTime` (ms, server clock) arrived at `arrivalTime`
   * (ms, local clock). Returns its lateness: how much longer it took than the
   * fastest patch in the window, ms. This is the arrival jitter everything
   * reports: the debug overlay, bench/measure-client.ts and the load tester's bots.
   */
  add(serverTime: number, arrivalTime: number): number {
    const transit = arrivalTime - serverTime;
    const cutoff = arrivalTime - this.windowMs;
    this.#at.push(arrivalTime);
    this.#transit.push(transit);
    while (this.#at.length > 1 && this.#at[0] < cutoff) {
      this.#at.shift();
      this.#transit.shift();
    }
    while (this.#min.length > 0 && this.#min[this.#min.length - 1] >= transit) {
      this.#min.pop();
      this.#minAt.pop();
    }
    this.#min.push(transit);
    this.#minAt.push(arrivalTime);
    while (this.#minAt[0] < cutoff) {
      this.#minAt.shift();
      this.#min.shift();
    }
    return transit - this.#min[0];
  }

  /** The fastest transit in the window (local minus server clock), ms; NaN before the first patch. */
  get baseTransitMs(): number {
    return this.#min.length ? this.#min[0] : Number.NaN;
  }

  /** The `q` quantile (0..1) of the window's lateness, ms; 0 before the first patch. */
  quantileMs(q: number): number {
    if (this.#transit.length === 0) return 0;
    const base = this.baseTransitMs;
    const sorted = this.#transit.map((t) => t - base).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  }

  reset(): void {
    this.#at = [];
    this.#transit = [];
    this.#minAt = [];
    this.#min = [];
  }
}

export interface PlaybackSettings {
  /** The server's patch interval, ms. */
  patchIntervalMs: number;
  /** The delay never goes above this, ms (default four patch intervals). */
  maxDelayMs?: number;
  /** How far past the newest patch entities are carried along before they stop, ms. */
  maxExtrapolationMs?: number;
  /** The share of frames the delay is sized to cover with a patch. */
  coverage?: number;
  /** How long frames are remembered for sizing the delay, ms. */
  windowMs?: number;
}

/** Playback rate bounds: steady-state adjustments, and catching up after a stall. */
const RATE_ADJUST = 0.05;
const RATE_CATCH_UP = 0.25;
/** Rate change per ms of error beyond the dead band: 25 ms further off runs the clock 5 % fast or slow. */
const RATE_GAIN = 1 / 500;
/** Errors within this share of a patch interval are left alone: the target moves with every frame's age, and steering after it would vary the drawn speed for nothing. */
const DEAD_BAND = 0.2;
/** Further off than this (a tab that was hidden, a new link) and the clock is set, not slewed, ms. */
const RESYNC_MS = 1000;

/** One room's playback clock: the server time to draw, frame by frame. */
export class Playback {
  readonly patchIntervalMs: number;
  readonly maxDelayMs: number;
  readonly maxExtrapolationMs: number;
  readonly coverage: number;
  readonly windowMs: number;
  /** Each patch's lateness behind the fastest recent one: the arrival jitter reported (p95). */
  readonly jitter: ArrivalJitter;
  /** The age of the newest patch at each recent frame, behind the fastest arrival: local time and age, ms. */
  #ageAt: number[] = [];
  #age: number[] = [];
  /** The same ages in increasing order: one insertion and removal per frame instead of a sort. */
  #sortedAges: number[] = [];
  /** The server time drawn this frame, ms; NaN until the first patch. */
  time = Number.NaN;
  /** The newest server time received, ms. */
  newest = Number.NaN;
  /** The delay the clock is steering towards, ms behind the fastest arrival. */
  targetDelayMs = 0;
  /** The clock's rate in the last frame (1 = real time). */
  rate = 1;
  /** Frames drawn past the newest patch (carried along) / stopped at the extrapolation bound. */
  underruns = 0;
  stopped = 0;
  frames = 0;
  #lastFrame = Number.NaN;
  #catchingUp = false;

  constructor(settings: PlaybackSettings) {
    this.patchIntervalMs = settings.patchIntervalMs;
    this.maxDelayMs = settings.maxDelayMs ?? 4 * settings.patchIntervalMs;
    this.maxExtrapolationMs = settings.maxExtrapolationMs ?? 2 * settings.patchIntervalMs;
    this.coverage = settings.coverage ?? 0.95;
    this.windowMs = settings.windowMs ?? 4000;
    this.jitter = new ArrivalJitter(this.windowMs);
    this.targetDelayMs = this.#delayFor(this.patchIntervalMs);
  }

  /** A patch stamped `serverTime` arrived at `arrivalTime` (local ms). */
  arrive(serverTime: number, arrivalTime: number): void {
    this.jitter.add(serverTime, arrivalTime);
    if (!(serverTime <= this.newest)) this.newest = serverTime;
  }

  /** How far behind the newest patch this frame is drawn, ms (negative while carried past it). */
  get delayMs(): number {
    return this.newest - this.time;
  }

  /** Advance to the frame drawn at `frameTime` (local ms, the frame's own timestamp); returns the server time to draw. */
  advance(frameTime: number): number {
    if (Number.isNaN(this.newest)) return this.time;
    const now = frameTime - this.jitter.baseTransitMs; // the server time the fastest patch would show now
    this.#rememberAge(frameTime, now - this.newest);
    const target = now - this.targetDelayMs;
    // A hitch is drawn as the time it took: cutting it short would leave the clock behind, to be made up later.
    const step = Number.isNaN(this.#lastFrame) ? 0 : Math.max(0, frameTime - this.#lastFrame);
    this.#lastFrame = frameTime;
    this.frames++;
    if (Number.isNaN(this.time) || Math.abs(target - this.time) > RESYNC_MS) {
      this.time = Math.min(target, this.newest);
      this.rate = 1;
      return this.time;
    }
    const error = target - (this.time + step); // how far off real-time playback would leave us
    // Only time lost standing at the extrapolation bound is made up fast; a delay that shrinks is slewed like any other.
    if (error < this.patchIntervalMs / 2) this.#catchingUp = false;
    const limit = this.#catchingUp ? RATE_CATCH_UP : RATE_ADJUST;
    const band = DEAD_BAND * this.patchIntervalMs;
    const steer = error > band ? error - band : error < -band ? error + band : 0;
    this.rate = 1 + Math.max(-RATE_ADJUST, Math.min(limit, steer * RATE_GAIN));
    const bound = this.newest + this.maxExtrapolationMs;
    this.time = Math.min(this.time + step * this.rate, bound);
    if (this.time > this.newest) this.underruns++;
    if (this.time >= bound) {
      this.stopped++;
      this.#catchingUp = true;
    }
    return this.time;
  }

  #rememberAge(frameTime: number, age: number): void {
    this.#ageAt.push(frameTime);
    this.#age.push(age);
    this.#sortedAges.splice(sortedIndex(this.#sortedAges, age), 0, age);
    while (this.#ageAt.length > 1 && this.#ageAt[0] < frameTime - this.windowMs) {
      this.#ageAt.shift();
      this.#sortedAges.splice(sortedIndex(this.#sortedAges, this.#age.shift()!), 1);
    }
    const sorted = this.#sortedAges;
    this.targetDelayMs = this.#delayFor(sorted[Math.min(sorted.length - 1, Math.floor(this.coverage * sorted.length))]);
  }

  #delayFor(ageMs: number): number {
    const interval = this.patchIntervalMs;
    return Math.max(interval, Math.min(this.maxDelayMs, ageMs + interval / 4));
  }
}

export interface TrackSettings {
  /** Fields that are angles (radians), interpolated the short way round. */
  angles?: boolean[];
  /** A move longer than this between two samples (over the non-angle fields) is a teleport: placed, not slid. */
  snap?: number;
  /** How long a left-over difference takes to glide out after the buffer ran dry, ms. */
  glideMs?: number;
  /**
   * Draw the mean over this much server time around the playback time, ms (0: the exact sample).
   * A server that applies a late input on the next tick moves a player nothing, then two steps:
   * averaging over two ticks draws that as the steady walk it is, for half that much more delay.
   */
  smoothMs?: number;
}

const TRACK_CAPACITY = 64;

/** One entity's samples on the server timeline, and where to draw it at a playback time. */
export class Track {
  readonly fields: number;
  readonly #angles: boolean[];
  readonly #snap: number;
  readonly #glideMs: number;
  readonly #smoothMs: number;
  #times: number[] = [];
  #values: number[][] = [];
  #last: number[] | undefined;
  #lastFrame = Number.NaN;
  #carried = false;
  #lastTime = Number.NaN;
  #offset: number[];

  constructor(fields: number, settings: TrackSettings = {}) {
    this.fields = fields;
    this.#angles = settings.angles ?? [];
    this.#snap = settings.snap ?? Number.POSITIVE_INFINITY;
    this.#glideMs = settings.glideMs ?? 100;
    this.#smoothMs = settings.smoothMs ?? 0;
    this.#offset = new Array(fields).fill(0);
  }

  /** The entity's values at server time `time`; an older or equal time than the newest is ignored. */
  push(time: number, values: readonly number[]): void {
    const n = this.#times.length;
    if (n > 0 && time <= this.#times[n - 1]) return;
    this.#times.push(time);
    this.#values.push(values.slice());
    if (this.#times.length > TRACK_CAPACITY) {
      this.#times.shift();
      this.#values.shift();
    }
  }

  get newestTime(): number {
    return this.#times.length ? this.#times[this.#times.length - 1] : Number.NaN;
  }

  /**
   * Where to draw the entity at playback time `time`, in the frame drawn at
   * `frameTime`: between the two samples around it; past the newest,
   * carried along the last motion for at most `maxExtrapolationMs`.
   */
  sample(time: number, frameTime: number, maxExtrapolationMs: number): number[] {
    const out = new Array<number>(this.fields).fill(0);
    if (this.#times.length === 0) return out;
    const carried = this.#smoothed(time, maxExtrapolationMs, out);
    const step = Number.isNaN(this.#lastFrame) ? 0 : Math.max(0, frameTime - this.#lastFrame);
    this.#lastFrame = frameTime;
    if (this.#carried && !carried && this.#last) {
      // The truth about the last frame's time has arrived: whatever was carried wrongly glides out from there.
      const truth = new Array<number>(this.fields).fill(0);
      this.#smoothed(this.#lastTime, 0, truth);
      const offset = truth.map((v, i) => this.#last![i] - v);
      const distance = Math.hypot(...offset.filter((_, i) => !this.#angles[i]));
      if (distance <= this.#snap) this.#offset = offset.map((d, i) => (this.#angles[i] ? wrapAngle(d) : d));
    }
    this.#carried = carried;
    this.#lastTime = time;
    const decay = Math.exp(-step / this.#glideMs);
    for (let i = 0; i < this.fields; i++) {
      this.#offset[i] *= decay;
      if (Math.abs(this.#offset[i]) < 1e-3) this.#offset[i] = 0;
      out[i] += this.#offset[i];
    }
    this.#last = out.slice();
    return out;
  }

  /**
   * The path's mean over `smoothMs` around `time` into `out`; true when that window reaches past the newest sample.
   * Exact, stretch by stretch between the path's corners (samples, and where carrying along ends): a mean of a few
   * points would stand still while they straddled a player's turn back.
   */
  #smoothed(time: number, maxExtrapolationMs: number, out: number[]): boolean {
    if (this.#smoothMs <= 0 || this.#teleportWithin(time - this.#smoothMs / 2, time + this.#smoothMs / 2)) {
      return this.#at(time, maxExtrapolationMs, out); // a respawn is placed, not smeared over the window
    }
    const from = time - this.#smoothMs / 2, to = time + this.#smoothMs / 2;
    const corners = [from];
    for (const t of this.#times) if (t > from && t < to) corners.push(t);
    const carriedUntil = this.newestTime + maxExtrapolationMs;
    if (carriedUntil > corners[corners.length - 1] && carriedUntil < to) corners.push(carriedUntil);
    corners.push(to);
    const first = new Array<number>(this.fields).fill(0);
    this.#at(from, maxExtrapolationMs, first);
    let before = first.slice();
    let after = new Array<number>(this.fields).fill(0);
    out.fill(0);
    for (let c = 1; c < corners.length; c++) {
      this.#at(corners[c], maxExtrapolationMs, after);
      // Relative to the window's first angle, so an aim turning across ±π is averaged the short way round.
      for (let i = 0; i < this.fields; i++) if (this.#angles[i]) after[i] = first[i] + wrapAngle(after[i] - first[i]);
      const share = (corners[c] - corners[c - 1]) / (to - from);
      for (let i = 0; i < this.fields; i++) out[i] += ((before[i] + after[i]) / 2) * share;
      [before, after] = [after, before];
    }
    return to > this.newestTime;
  }

  /** The samples' values at `time` into `out`; true when that is past the newest sample (carried along). */
  #at(time: number, maxExtrapolationMs: number, out: number[]): boolean {
    const n = this.#times.length;
    if (n === 1 || time <= this.#times[0]) {
      this.#copy(this.#values[time <= this.#times[0] ? 0 : n - 1], out);
      return n === 1 && time > this.#times[0];
    }
    if (time >= this.#times[n - 1]) {
      // Carried along the motion of the last two segments, not one: a single segment may hold a made-up step.
      const b = n - 1, a = Math.max(0, n - 3);
      const ahead = Math.max(0, Math.min(time, this.#times[b] + maxExtrapolationMs) - this.#times[b]);
      if (this.#teleport(a, b)) this.#copy(this.#values[b], out);
      else this.#blend(a, b, 1 + ahead / (this.#times[b] - this.#times[a]), out);
      return time > this.#times[b];
    }
    let b = n - 1;
    while (b > 1 && this.#times[b - 1] > time) b--;
    const a = b - 1;
    const u = (time - this.#times[a]) / (this.#times[b] - this.#times[a]);
    if (this.#teleport(a, b)) this.#copy(this.#values[u < 1 ? a : b], out);
    else this.#blend(a, b, u, out);
    return false;
  }

  #teleportWithin(from: number, to: number): boolean {
    for (let i = 1; i < this.#times.length; i++) {
      if (this.#times[i] > from && this.#times[i - 1] < to && this.#teleport(i - 1, i)) return true;
    }
    return false;
  }

  #teleport(a: number, b: number): boolean {
    if (!Number.isFinite(this.#snap)) return false;
    let sum = 0;
    for (let i = 0; i < this.fields; i++) {
      if (this.#angles[i]) continue;
      const d = this.#values[b][i] - this.#values[a][i];
      sum += d * d;
    }
    return Math.sqrt(sum) > this.#snap;
  }

  #copy(values: number[], out: number[]): void {
    for (let i = 0; i < this.fields; i++) out[i] = values[i];
  }

  #blend(a: number, b: number, u: number, out: number[]): void {
    const va = this.#values[a], vb = this.#values[b];
    for (let i = 0; i < this.fields; i++) {
      out[i] = this.#angles[i] ? va[i] + wrapAngle(vb[i] - va[i]) * u : va[i] + (vb[i] - va[i]) * u;
    }
  }
}

/** Where `value` goes in the increasing array `sorted` (the first index whose value is not below it). */
function sortedIndex(sorted: number[], value: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** An angle difference brought into (-π, π]. */
export function wrapAngle(radians: number): number {
  const tau = Math.PI * 2;
  let d = radians % tau;
  if (d > Math.PI) d -= tau;
  else if (d <= -Math.PI) d += tau;
  return d;
}

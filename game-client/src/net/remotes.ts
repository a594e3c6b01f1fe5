/**
 * A room's patches on the jitter buffer (shared/interpolation.ts): one
 * playback clock fed by every patch's server stamp and arrival time, and one
 * track per remote entity sampled at every patch. Generic: a room type's
 * client module says which entities to sample and which fields they have;
 * the arena's players (position and aim) and projectiles (on the same clock)
 * use it through rooms/arena/client/prediction.ts.
 */
import type { Room } from "@colyseus/sdk";
import { Playback, TickGrid, Track, type TrackSettings } from "../../../shared/interpolation.ts";
import type { MotionFigures } from "../../../shared/motion-figures.ts";

/** What draws other entities: our jitter buffer, or the SDK's lerp and clock (the client before it, for comparison: `?remotes=sdk`). */
export type RemoteDrawing = "buffer" | "sdk";

/** What a room type's client draws from the jitter buffer, for the debug hook and the F3 overlay. */
export interface RemoteView {
  readonly remotes: RemoteDrawing;
  readonly timeline: PatchTimeline;
  /** How smoothly the remote entities are drawn (shared/motion-figures.ts). */
  readonly motion: MotionFigures;
}

/** The room's patches as a timeline: each patch's server time and arrival, and the server time to draw. */
export class PatchTimeline {
  readonly playback: Playback;
  readonly #listeners: ((serverTime: number) => void)[] = [];
  readonly #off: () => void;
  #lastStamp = Number.NaN;
  /** The frame being drawn (local ms), as given to `frame()`. */
  frameTime = Number.NaN;

  /** `tickMs`: the simulation's fixed step, whose grid patches are placed on (shared/interpolation.ts, TickGrid); 0 keeps the raw stamps. */
  constructor(room: Room, patchIntervalMs: number, tickMs = 0) {
    this.playback = new Playback({ patchIntervalMs });
    const grid = new TickGrid(tickMs);
    const listener = () => {
      const stamp = room.clock.lastServerTime();
      if (stamp === this.#lastStamp || stamp <= 0) return; // not a timed patch
      this.#lastStamp = stamp;
      const serverTime = grid.place(stamp);
      this.playback.arrive(serverTime, performance.now());
      for (const fn of this.#listeners) fn(serverTime);
    };
    room.onStateChange(listener);
    this.#off = () => room.onStateChange.remove(listener);
  }

  /** Call `fn` at every patch, after it is decoded, with its server time. */
  onPatch(fn: (serverTime: number) => void): void {
    this.#listeners.push(fn);
  }

  /** Once per rendered frame, with the frame's timestamp: returns the server time to draw (NaN before the first patch). */
  frame(frameTime: number): number {
    this.frameTime = frameTime;
    return this.playback.advance(frameTime);
  }

  /** The server time drawn this frame, ms. */
  get time(): number {
    return this.playback.time;
  }

  dispose(): void {
    this.#off();
  }
}

/** Tracks for a set of entities, keyed by their decoded state object. */
export class EntityTracks<E extends object> {
  readonly #timeline: PatchTimeline;
  readonly #fields: number;
  readonly #settings: TrackSettings;
  #tracks = new Map<E, Track>();
  #seen = new Set<E>();

  constructor(timeline: PatchTimeline, fields: number, settings: TrackSettings = {}) {
    this.#timeline = timeline;
    this.#fields = fields;
    this.#settings = settings;
  }

  /**
   * Sample the entities of one patch: call once per patch with every entity
   * to draw and its values; entities not given are forgotten.
   */
  sample(serverTime: number, entities: Iterable<[E, number[]]>): void {
    this.#seen.clear();
    for (const [entity, values] of entities) {
      this.#seen.add(entity);
      let track = this.#tracks.get(entity);
      if (!track) {
        track = new Track(this.#fields, this.#settings);
        this.#tracks.set(entity, track);
      }
      track.push(serverTime, values);
    }
    for (const entity of this.#tracks.keys()) if (!this.#seen.has(entity)) this.#tracks.delete(entity);
  }

  /** How far behind the playback clock these entities are drawn: half their smoothing window, ms. */
  get lagMs(): number {
    return (this.#settings.smoothMs ?? 0) / 2;
  }

  /** Where to draw `entity` this frame; undefined if it has no samples yet. */
  at(entity: E): number[] | undefined {
    const track = this.#tracks.get(entity);
    const playback = this.#timeline.playback;
    if (!track || Number.isNaN(playback.time)) return undefined;
    // The smoothing window ends at the playback time, so it needs no sample the buffer has not planned for.
    return track.sample(playback.time - this.lagMs, this.#timeline.frameTime, playback.maxExtrapolationMs);
  }

  entities(): IterableIterator<E> {
    return this.#tracks.keys();
  }
}

/**
 * The contract between the bot fleet (room-type agnostic) and a room type's
 * bots (rooms/<type>/bots.ts, which exports `behaviours`). The fleet joins,
 * keeps the session going (stay, churn, storm), measures, and paces fixed
 * steps at the rate the room advertises; a behaviour decides what to send.
 */
import type { InputHandle, Room } from "@colyseus/sdk";

export type SessionPattern = "stay" | "churn" | "storm";

export type Rng = () => number;

/** A seeded generator, so a bot's choices can be replayed in tests. */
export function seededRng(seed: number): Rng {
  let s = seed >>> 0 || 1;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The link's round trip, ms, as the browser estimates it (shared/round-trip.ts); NaN until measured. */
export type NetworkRtt = () => number;

/**
 * Which room a bot plays in, for behaviours that choose it (a board id, say):
 * bots share a room `perRoom` at a time, bot `bot` in room `room`, and `run`
 * tells this run's rooms from an earlier run's.
 */
export interface BotSeat {
  bot: number;
  room: number;
  perRoom: number;
  run: string;
}

/** What a behaviour gets when its bot has joined a room. */
export interface BotContext {
  room: Room;
  rng: Rng;
  rtt: NetworkRtt;
  seat: BotSeat;
  /** The bot's user id from its guest identity ("" against a server without identities). */
  userId: string;
  /** Record one move's round trip to its acknowledgement, ms (for moves sent as requests; inputs are timed by the fleet). */
  acknowledged(ms: number): void;
  /** Record one sample of a timing the behaviour declared in `figures.timings`, ms. */
  time(name: string, ms: number): void;
  /** Add to a count the behaviour declared in `figures.counts` (bytes, say); reported per client-second. */
  count(name: string, amount: number): void;
}

/** One bot's play in one room. */
export interface BotPlayer {
  /**
   * The fixed-step input this player sends, if the room is predicted: the
   * fleet times its acknowledgements and calls `step()` once per fixed step
   * at the rate the room advertises (`input.stepMs`).
   */
  readonly input?: InputHandle<any>;
  /** Decide and send one step's input. */
  step?(): void;
  /** The bot is leaving: stop any timers of its own (a turn-based player's think time). */
  stop?(): void;
}

/** How a bot plays a room type, and how its session goes. */
export interface Behaviour {
  session: SessionPattern;
  /** Does this behaviour read the state beyond the first full snapshot? */
  decodesPatches: boolean;
  /** Options for joinOrCreate besides the name (a mode, say), or a function of the bot's seat for behaviours that choose their room. */
  joinOptions?: Record<string, unknown> | ((seat: BotSeat) => Record<string, unknown>);
  /**
   * Figures the behaviour measures itself: each timing is reported as
   * `<name>_count`, `<name>_p50_ms`, `_p95_ms`, `_p99_ms`, `_max_ms`; each
   * count as `<name>_per_client_s`. All over the steady part of the run.
   */
  figures?: { timings?: readonly string[]; counts?: readonly string[] };
  play(context: BotContext): BotPlayer;
}

/** What rooms/<type>/bots.ts exports. */
export interface BotModule {
  behaviours: Record<string, Behaviour>;
}

/** A context for driving a behaviour in a spec, outside the fleet: whatever is not given is a no-op or a neutral value. */
export function specContext(given: Pick<BotContext, "room" | "rng"> & Partial<BotContext>): BotContext {
  return {
    rtt: () => 0,
    seat: { bot: 0, room: 0, perRoom: 1, run: "spec" },
    userId: "",
    acknowledged: () => undefined,
    time: () => undefined,
    count: () => undefined,
    ...given,
  };
}

/** The figure names a behaviour's own measurements are reported under (usable in --assert). */
export function behaviourFigureNames(behaviour: Behaviour): string[] {
  const timings = (behaviour.figures?.timings ?? []).flatMap((t) => ["count", "p50_ms", "p95_ms", "p99_ms", "max_ms"].map((s) => `${t}_${s}`));
  const counts = (behaviour.figures?.counts ?? []).map((c) => `${c}_per_client_s`);
  return [...timings, ...counts];
}

/** The bot behaviours of a room type, from its folder; an error names the known ones. */
export async function behavioursOf(roomType: string): Promise<Record<string, Behaviour>> {
  if (!/^[a-z][a-z0-9-]*$/.test(roomType)) throw new Error(`"${roomType}" is not a room type name.`);
  let module: BotModule;
  try {
    module = await import(`../rooms/${roomType}/bots.ts`) as BotModule;
  } catch (error) {
    throw new Error(`No bot behaviours for room type "${roomType}" (rooms/${roomType}/bots.ts): ${(error as Error).message}`);
  }
  if (!module.behaviours || Object.keys(module.behaviours).length === 0) {
    throw new Error(`rooms/${roomType}/bots.ts exports no behaviours.`);
  }
  return module.behaviours;
}

export async function behaviourFor(roomType: string, name: string): Promise<Behaviour> {
  const behaviours = await behavioursOf(roomType);
  const behaviour = behaviours[name];
  if (!behaviour) throw new Error(`No behaviour "${name}" for room type "${roomType}". Known: ${Object.keys(behaviours).join(", ")}.`);
  return behaviour;
}

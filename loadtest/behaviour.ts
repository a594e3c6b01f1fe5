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
 * Where a bot stands in the fleet: its number, the fleet's size, the room it
 * plays in for behaviours that choose it (bots share a room `perRoom` at a
 * time; `run` tells this run's rooms from an earlier run's: a board id, say),
 * and what the run was told for its room type (`--param key=value`).
 */
export interface BotSeat {
  /** This bot's number, 0 … size − 1. */
  bot: number;
  /** Bots at the top of the ramp. */
  size: number;
  room: number;
  perRoom: number;
  run: string;
  params: Readonly<Record<string, string>>;
}

/** What a behaviour gets when its bot has joined a room. */
export interface BotContext {
  room: Room;
  rng: Rng;
  rtt: NetworkRtt;
  seat: BotSeat;
  /** The bot's user id from its guest identity ("" against a server without identities). */
  userId: string;
  /** The user id of bot `bot`, once that bot has signed in (any worker). */
  userOf(bot: number): string | undefined;
  /** Record one move's round trip to its acknowledgement, ms (for moves sent as requests; inputs are timed by the fleet). */
  acknowledged(ms: number): void;
  /** Record a duration of the behaviour's own, ms: reported fleet-wide as `<name>_count`, `<name>_p50_ms`, `_p95_ms`, `_p99_ms`, `_max_ms`. */
  time(name: string, ms: number): void;
  /** Count events (or bytes) of the behaviour's own: reported as `<name>` (steady part), `<name>_per_s` and `<name>_per_client_s`. */
  count(name: string, amount?: number): void;
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
  /** The run is ending: send nothing new and wait until everything sent is settled (acknowledged). */
  quiet?(): Promise<void>;
  /** After every bot of the fleet is quiet: fetch what is still missing, then return what reconcile() reads. */
  account?(): Promise<unknown>;
}

/** How a bot plays a room type, and how its session goes. */
export interface Behaviour {
  session: SessionPattern;
  /** Does this behaviour read the state beyond the first full snapshot? */
  decodesPatches: boolean;
  /** Options for joinOrCreate besides the name (a mode, say), or a function of the bot's seat (a chat channel, a board). */
  joinOptions?: Record<string, unknown> | ((seat: BotSeat) => Record<string, unknown>);
  play(context: BotContext): BotPlayer;
  /** The figures it reports, name → what it means: names derived from its `time`/`count` (`<t>_p99_ms`, `<c>_per_s`…) or from `reconcile`; the report's own section and --assert take these. */
  figures?: Readonly<Record<string, string>>;
  /** Checks `--param` before the run; throws with a message naming the bad one. */
  checkParams?(params: Readonly<Record<string, string>>): void;
  /** The fleet-wide figures from every bot's account() (lost and duplicated messages, say). */
  reconcile?(accounts: unknown[]): Record<string, number>;
}

/** How long the fleet waits for its bots to go quiet, and then to account, before going on without the stragglers, ms. */
export const SETTLE_TIMEOUT_MS = 30_000;

/** What rooms/<type>/bots.ts exports. */
export interface BotModule {
  behaviours: Record<string, Behaviour>;
}

/** A context for driving a behaviour in a spec, outside the fleet: whatever is not given is a no-op or a neutral value. */
export function specContext(given: Pick<BotContext, "room" | "rng"> & Partial<BotContext>): BotContext {
  return {
    rtt: () => 0,
    seat: { bot: 0, size: 1, room: 0, perRoom: 1, run: "spec", params: {} },
    userId: "",
    userOf: () => undefined,
    acknowledged: () => undefined,
    time: () => undefined,
    count: () => undefined,
    ...given,
  };
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

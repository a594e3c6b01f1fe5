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

/** Where a bot stands in the fleet, and what the run was told for its room type (`--param key=value`). */
export interface FleetPlace {
  /** This bot's number, 0 … size − 1. */
  index: number;
  /** Bots at the top of the ramp. */
  size: number;
  params: Readonly<Record<string, string>>;
}

/** What a behaviour gets when its bot has joined a room. */
export interface BotContext {
  room: Room;
  rng: Rng;
  rtt: NetworkRtt;
  place: FleetPlace;
  /** This bot's user id (its guest token's subject); undefined against a server without identity. */
  userId: string | undefined;
  /** The user id of bot `index`, once that bot has signed in (any worker). */
  userOf(index: number): string | undefined;
  /** Record one move's round trip to its acknowledgement, ms (for moves sent as requests; inputs are timed by the fleet). */
  acknowledged(ms: number): void;
  /** Record a duration of the behaviour's own, ms: reported fleet-wide as `<figure>_p50_ms`, `_p99_ms`… */
  time(figure: string, ms: number): void;
  /** Count events of the behaviour's own: reported as `<figure>` (steady part) and `<figure>_per_s`. */
  count(figure: string, n?: number): void;
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
  /** Options for joinOrCreate besides the name (a mode, say); a function picks them per bot (a chat channel). */
  joinOptions?: Record<string, unknown> | ((place: FleetPlace) => Record<string, unknown>);
  play(context: BotContext): BotPlayer;
  /** Figures this behaviour adds, name → what it means (for --assert and the report's own section). */
  figures?: Readonly<Record<string, string>>;
  /** Checks `--param` before the run; throws with a message naming the bad one. */
  checkParams?(params: Readonly<Record<string, string>>): void;
  /** The fleet-wide figures from every bot's account() (lost and duplicated messages, say). */
  reconcile?(accounts: unknown[]): Record<string, number>;
}

/**
 * The context of one bot outside the fleet (a spec driving a behaviour
 * directly): the only bot of its fleet, no parameters, no measured link, its
 * own figures kept nowhere; `acknowledged` gets each timed move.
 */
export function soloContext(room: Room, rng: Rng, acknowledged: (ms: number) => void = () => undefined): BotContext {
  return {
    room, rng, rtt: () => 0, acknowledged,
    place: { index: 0, size: 1, params: {} }, userId: undefined, userOf: () => undefined,
    time: () => undefined, count: () => undefined,
  };
}

/** How long the fleet waits for its bots to go quiet, and then to account, before going on without the stragglers, ms. */
export const SETTLE_TIMEOUT_MS = 30_000;

/** What rooms/<type>/bots.ts exports. */
export interface BotModule {
  behaviours: Record<string, Behaviour>;
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

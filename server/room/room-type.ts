/**
 * A room type describes itself in one object, exported by its folder's
 * index.ts (rooms/<type>/index.ts) and listed in rooms/index.ts. The server
 * takes that list (`createGameServer(config, roomTypes)`) and names no room
 * type itself.
 *
 * Settings are a zod object whose every field has a default. The operator
 * overrides one with the type's namespaced variable: `roundSeconds` of the
 * type `arena` is ARENA_ROUND_SECONDS. server/config.ts reads them once at
 * boot with the rest of the environment; a bad value stops the process with
 * the variable's name. Clients never choose a setting: what they may choose
 * goes in `joinOptions`/`createOptions`, validated by the room.
 */
import type { Room } from "@colyseus/core";
import { z } from "zod";

/** What every room gets from the server's configuration, whatever its type. */
export interface FrameworkSettings {
  /** Fixed steps per second (TICK_RATE): the one authority, advertised to predicting clients. */
  tickRate: number;
  /** State patches per second (PATCH_RATE). */
  patchRate: number;
  /** How long a dropped player's seat is held, s (RECONNECT_SECONDS). */
  reconnectSeconds: number;
  /** Colyseus's hard cap on frames per client per second (MAX_MESSAGES_PER_SECOND). */
  maxMessagesPerSecond: number;
}

/** What a room type accepts (RoomTypeDefinition.admits), checked by the framework's onAuth (server/room/admission.ts). */
export interface Admission {
  /** Guest identities (POST /auth/guest); false admits only the external provider's users (AUTH_JWKS_URL). */
  guests: boolean;
}

export const DEFAULT_ADMISSION: Admission = Object.freeze({ guests: true });

/** The slice of a bot module the fleet needs (loadtest/): behaviours by name. */
export interface BotModule {
  behaviours: Record<string, unknown>;
}

type RoomClass = new (...args: any[]) => Room<any>;
type AnySettings = z.ZodObject<Record<string, z.ZodType>>;

export interface RoomTypeDefinition<S extends AnySettings = AnySettings> {
  /** The matchmaking name (`joinOrCreate(name)`), lower case; also the env prefix. */
  name: string;
  /** Shown on the title screen. */
  title: string;
  /** One line about the game, under its title. */
  summary: string;
  /** The authority: a GameRoom subclass. */
  room: RoomClass;
  /** The type's settings; every field needs a default. */
  settings?: S;
  /** Create options that split rooms (Colyseus `filterBy`): `joinOrCreate("arena", { mode: "duel" })` only matches duels. */
  filterBy?: readonly string[];
  /**
   * Bytes each room of this type sets aside to encode its state, twice
   * (patches, and the full state a joining player gets). Size it from the
   * type's fullest state (a state.test.ts builds it); default 8 KB.
   */
  stateBufferBytes?: number;
  /**
   * Who may join, besides holding a valid identity token (the framework's
   * onAuth checks every request): `{ guests: false }` admits only accounts
   * from the external identity provider (AUTH_JWKS_URL). Default: guests too.
   */
  admits?: Admission;
  /** Listed on the title screen as a game to play (GET ROOM_TYPES_PATH); false for a service other scenes join, such as chat. Default true. */
  listed?: boolean;
  /** Shown to players when this process drains (a server restart), before they are moved on. */
  drainNotice?: string;
  /**
   * Rooms of this type outlive their process (server/room/durable.ts): each
   * writes a snapshot to the Store every `snapshotMs` and at a drain, and a
   * restarted or surviving process restores it under the same room id with
   * its seats held. `version` names the room's snapshot layout: raise it when
   * the state or the room's snapshot() changes shape, and older snapshots are
   * refused cleanly instead of restored wrongly. Absent: rooms end with their process.
   */
  durable?: { snapshotMs?: number; version?: number };
  /** Its bot behaviours (rooms/<type>/bots.ts), for `npm run loadtest -- --room <name>`. */
  bots?: () => Promise<BotModule>;
  /** Its helpers for specs (rooms/<type>/testing.ts): staging a scene on the server-side room. */
  testing?: () => Promise<object>;
}

export interface RoomType<S extends AnySettings = AnySettings> extends Required<Omit<RoomTypeDefinition<S>, "bots" | "testing" | "settings" | "durable">> {
  settings: S;
  /** How its rooms outlive their process, or undefined when they do not. */
  durable: Durability | undefined;
  bots: (() => Promise<BotModule>) | undefined;
  testing: (() => Promise<object>) | undefined;
  /** The env variable for a setting: `envName("roundSeconds")` → "ARENA_ROUND_SECONDS". */
  envName(setting: string): string;
}

export type SettingsOf<T> = T extends RoomType<infer S> ? z.output<S> : never;

export const DEFAULT_STATE_BUFFER_BYTES = 8 * 1024;

/** A durable room type's snapshot cadence and layout version. */
export interface Durability {
  /** ms between snapshots: the most game time a crash can cost. */
  snapshotMs: number;
  version: number;
}

/** Default snapshot interval, ms: well under a second of play lost to a crash, at a cost bench/snapshot.ts measures. */
export const DEFAULT_SNAPSHOT_MS = 250;

const NAME = /^[a-z][a-z0-9-]{0,31}$/;

/** Normalise a room type's description once, with the framework's defaults. */
export function defineRoomType<S extends AnySettings = z.ZodObject<{}>>(definition: RoomTypeDefinition<S>): RoomType<S> {
  if (!NAME.test(definition.name)) {
    throw new Error(`Room type name "${definition.name}": use lower-case letters, digits and dashes (it is also the env prefix).`);
  }
  const settings = (definition.settings ?? z.object({})) as S;
  for (const [key, field] of Object.entries(settings.shape)) {
    if (field.safeParse(undefined).success === false) {
      throw new Error(`Room type "${definition.name}": the setting "${key}" needs a default (${envName(definition.name, key)} may override it).`);
    }
  }
  const type = Object.freeze({
    name: definition.name,
    title: definition.title,
    summary: definition.summary,
    room: definition.room,
    settings,
    filterBy: definition.filterBy ?? [],
    stateBufferBytes: definition.stateBufferBytes ?? DEFAULT_STATE_BUFFER_BYTES,
    admits: Object.freeze({ ...DEFAULT_ADMISSION, ...definition.admits }),
    listed: definition.listed ?? true,
    drainNotice: definition.drainNotice ?? "This server is restarting: you will be moved to a new room.",
    durable: definition.durable ? Object.freeze(durability(definition.name, definition.durable)) : undefined,
    bots: definition.bots,
    testing: definition.testing,
    envName: (setting: string) => envName(definition.name, setting),
  });
  definedTypes.add(type);
  return type;
}

/** Every descriptor defineRoomType made, so a room folder's module can be searched for its one type. */
const definedTypes = new WeakSet<object>();

/**
 * The room types of a list of room folders' modules (rooms/index.ts), in
 * order: each module exports exactly one descriptor, so listing a type is
 * one line, `await import("./<type>/index.ts")`.
 */
export function listRoomTypes(...modules: readonly Record<string, unknown>[]): readonly RoomType<any>[] {
  const types = modules.map((module) => {
    const found = Object.values(module).filter((value): value is RoomType<any> => typeof value === "object" && value !== null && definedTypes.has(value));
    if (found.length !== 1) {
      const names = Object.keys(module).join(", ") || "nothing";
      throw new Error(`A room folder's index.ts must export exactly one defineRoomType(...) descriptor; one exports ${found.length} (its exports: ${names}).`);
    }
    return found[0];
  });
  const seen = new Set<string>();
  for (const type of types) {
    if (seen.has(type.name)) throw new Error(`Two room types are named "${type.name}" in rooms/index.ts; each needs its own name.`);
    seen.add(type.name);
  }
  return Object.freeze(types);
}

function durability(name: string, given: NonNullable<RoomTypeDefinition["durable"]>): Durability {
  const snapshotMs = given.snapshotMs ?? DEFAULT_SNAPSHOT_MS;
  const version = given.version ?? 1;
  if (!Number.isFinite(snapshotMs) || snapshotMs < 10) throw new Error(`Room type "${name}": durable.snapshotMs must be at least 10 ms, got ${snapshotMs}.`);
  if (!Number.isSafeInteger(version) || version < 1) throw new Error(`Room type "${name}": durable.version must be a positive integer, got ${version}.`);
  return { snapshotMs, version };
}

function envName(type: string, setting: string): string {
  return `${type}_${setting}`.replace(/[-\s]/g, "_").replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();
}

/** Thrown by `parseRoomSettings`, with the variable to fix. */
export class RoomSettingsError extends Error {
  readonly variable: string;
  constructor(variable: string, problem: string) {
    super(problem);
    this.variable = variable;
  }
}

/**
 * The type's settings: its defaults, overridden by its namespaced variables
 * in `env`. A variable's text becomes the field's kind (number, boolean or
 * text) before the schema checks it.
 */
export function parseRoomSettings<S extends AnySettings>(type: RoomType<S>, env: Record<string, string | undefined>): z.output<S> {
  const given: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(type.settings.shape)) {
    const raw = env[type.envName(key)];
    if (raw === undefined || raw === "") continue;
    given[key] = fromText(raw, kindOf(field));
  }
  const parsed = type.settings.safeParse(given);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? "");
    throw new RoomSettingsError(key ? type.envName(key) : type.name.toUpperCase(), issue.message);
  }
  return Object.freeze(parsed.data) as z.output<S>;
}

/** The kind a setting's text is read as, from the schema under its default/optional wrappers. */
function kindOf(field: z.ZodType): string {
  let def = field.def as { type: string; innerType?: z.ZodType };
  while (def.innerType && (def.type === "default" || def.type === "optional" || def.type === "prefault" || def.type === "nullable")) {
    def = def.innerType.def as typeof def;
  }
  return def.type;
}

function fromText(raw: string, kind: string): unknown {
  if (kind === "number" || kind === "int") return raw.trim() === "" ? Number.NaN : Number(raw);
  if (kind === "boolean") return raw === "true" || raw === "1" ? true : raw === "false" || raw === "0" ? false : raw;
  return raw;
}

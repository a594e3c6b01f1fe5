/**
 * The only module that reads the server's settings from process.env (the
 * runtime's, ALLOCATOR, are server/launch.ts's, read before anything loads).
 * Everything is validated once at boot, frozen, and handed out as a typed
 * object; a bad value stops the process with the variable's name and what it
 * should be.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { parseRoomSettings, RoomSettingsError, type FrameworkSettings, type RoomType } from "./room/room-type.ts";

const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  HOST: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // What the SDK puts after ws:// — host[:port][/prefix]; a scheme here would be doubled.
  PUBLIC_ADDRESS: z.string().regex(/^[^\s/:]+(:\d+)?(\/[^\s]*)?$/, "expected host[:port][/path] without a scheme, e.g. game-1.example.com or 127.0.0.1:3001").optional(),
  LOG_LEVEL: LogLevel.default("info"),
  TICK_RATE: z.coerce.number().int().min(1).max(240).default(30),
  PATCH_RATE: z.coerce.number().min(1).max(120).default(20),
  RECONNECT_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(120),
  DRAIN_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  MAX_ROOMS_PER_PROCESS: z.coerce.number().int().min(1).default(500),
  MAX_CCU_PER_PROCESS: z.coerce.number().int().min(1).default(2000),
  ADMIN_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  MONITOR_USERNAME: z.string().min(1).optional(),
  MONITOR_PASSWORD: z.string().min(8, "use at least 8 characters").optional(),
}).refine((e) => Boolean(e.MONITOR_USERNAME) === Boolean(e.MONITOR_PASSWORD), {
  path: ["MONITOR_PASSWORD"],
  message: "set MONITOR_USERNAME and MONITOR_PASSWORD together (or neither, which turns /monitor off)",
});

export type Config = Readonly<{
  port: number;
  host: string | undefined;
  redisUrl: string | undefined;
  publicAddress: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  /** What every room gets, whatever its type (server/room/room-type.ts). */
  rooms: Readonly<FrameworkSettings>;
  /** Each room type's settings by type name: defaults, overridden by its namespaced variables (ARENA_ROUND_SECONDS…). */
  roomSettings: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** How long rooms get to finish after SIGTERM before their players are moved on (close 4001). */
  drainSeconds: number;
  /** Placement caps: a process at either one takes no new rooms. */
  maxRoomsPerProcess: number;
  maxCcuPerProcess: number;
  /** Bearer token for POST /admin/announce; unset turns the route off. */
  adminToken: string | undefined;
  /** Basic-auth credentials for /monitor; unset turns the route off. */
  monitor: Readonly<{ username: string; password: string }> | undefined;
}>;

/**
 * Parse and freeze a configuration; `env` defaults to the process
 * environment. `roomTypes` are the types this server offers: their settings
 * are read here too, so the environment is read in one place.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, roomTypes: readonly RoomType[] = []): Config {
  // Empty strings mean "unset": a Procfile or .env line like `REDIS_URL=` should not fail.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const e = parsed.data;
  const roomSettings: Record<string, Readonly<Record<string, unknown>>> = {};
  for (const type of roomTypes) {
    try {
      roomSettings[type.name] = parseRoomSettings(type, present);
    } catch (error) {
      if (error instanceof RoomSettingsError) throw new ConfigError(error.variable, error.message);
      throw error;
    }
  }
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    publicAddress: e.PUBLIC_ADDRESS,
    logLevel: e.LOG_LEVEL,
    rooms: Object.freeze({
      tickRate: e.TICK_RATE,
      patchRate: e.PATCH_RATE,
      reconnectSeconds: e.RECONNECT_SECONDS,
      maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
    }),
    roomSettings: Object.freeze(roomSettings),
    drainSeconds: e.DRAIN_SECONDS,
    maxRoomsPerProcess: e.MAX_ROOMS_PER_PROCESS,
    maxCcuPerProcess: e.MAX_CCU_PER_PROCESS,
    adminToken: e.ADMIN_TOKEN,
    monitor: e.MONITOR_USERNAME && e.MONITOR_PASSWORD
      ? Object.freeze({ username: e.MONITOR_USERNAME, password: e.MONITOR_PASSWORD })
      : undefined,
  });
}

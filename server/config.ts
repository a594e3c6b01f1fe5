/**
 * The only module that reads the server's settings from process.env (the
 * runtime's, ALLOCATOR, are server/launch.ts's, read before anything loads).
 * Everything is validated once at boot, frozen, and handed out as a typed
 * object; a bad value stops the process with the variable's name and what it
 * should be.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { isIP } from "node:net";
import { z } from "zod";
import { ConfigError } from "./errors.ts";
import { parseRoomSettings, RoomSettingsError, type FrameworkSettings, type RoomType } from "./room/room-type.ts";

/**
 * The per-address limits skip these when UNLIMITED_ADDRESSES is unset outside
 * production: on a developer's machine every tab and every bot of
 * `npm run loadtest` comes from loopback. Production limits everyone.
 */
export const DEVELOPMENT_UNLIMITED_ADDRESSES: readonly string[] = Object.freeze(["127.0.0.1", "::1"]);

const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/** A comma-separated list; empty items are dropped. */
const List = z.string().transform((s) => s.split(",").map((item) => item.trim()).filter(Boolean));
const Origins = List.pipe(z.array(z.string().regex(/^https?:\/\/[^\s/]+$/, "expected origins like https://play.example.com, comma-separated (scheme, host and port; no path)")));
const Addresses = List.pipe(z.array(z.string().refine((a) => isIP(a) !== 0, "expected IP addresses, comma-separated")));

const Env = z.object({
  NODE_ENV: z.string().optional(),
  // Identity (server/identity/, checked by server/room/admission.ts): guest tokens are HS256 JWTs signed with this.
  AUTH_SECRET: z.string().min(32, "use at least 32 characters (e.g. `openssl rand -base64 48`)").optional(),
  AUTH_ISSUER: z.string().min(1).default("tickforge"),
  AUTH_TOKEN_SECONDS: z.coerce.number().int().min(10).max(7 * 24 * 3600).default(3600),
  AUTH_SESSION_MAX_SECONDS: z.coerce.number().int().min(60).default(30 * 24 * 3600),
  AUTH_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  AUTH_JWKS_ISSUER: z.string().min(1).optional(),
  AUTH_JWKS_AUDIENCE: z.string().min(1).optional(),
  // The edge (server/edge/): who may connect, and how much one address may take.
  ALLOWED_ORIGINS: Origins.optional(),
  TRUSTED_PROXIES: Addresses.optional(),
  UNLIMITED_ADDRESSES: Addresses.optional(),
  MAX_SOCKETS_PER_ADDRESS: z.coerce.number().int().min(1).default(64),
  MATCHMAKING_PER_SECOND: z.coerce.number().min(0.1).default(5),
  MATCHMAKING_BURST: z.coerce.number().int().min(1).default(20),
  ROOMS_CREATED_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  HEADERS_TIMEOUT_SECONDS: z.coerce.number().min(1).max(120).default(5),
  // Operator surfaces (server/ops/operator-access.ts).
  METRICS_TOKEN: z.string().min(16, "use at least 16 characters").optional(),
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  METRICS_HOST: z.string().min(1).default("127.0.0.1"),
  COMPRESSION_THRESHOLD_BYTES: z.coerce.number().int().min(0).default(0),
  MAX_SEND_BUFFER_BYTES: z.coerce.number().int().min(16 * 1024).default(128 * 1024),
  // TLS terminated by this process (a single process without a proxy).
  TLS_CERT: z.string().refine(existsSync, "no such file (a PEM certificate chain)").optional(),
  TLS_KEY: z.string().refine(existsSync, "no such file (a PEM private key)").optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  HOST: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  // Without REDIS_URL the Store is a SQLite file in this folder (server/storage/).
  DATA_DIR: z.string().min(1).default("data"),
  // Live notifications kept per user until they acknowledge them (server/ops/notifications.ts).
  NOTIFICATIONS_KEPT: z.coerce.number().int().min(1).max(1000).default(50),
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
}).refine((e) => Boolean(e.TLS_CERT) === Boolean(e.TLS_KEY), {
  path: ["TLS_KEY"],
  message: "set TLS_CERT and TLS_KEY together (or neither: plain HTTP, TLS at the proxy)",
}).refine((e) => !(e.AUTH_JWKS_ISSUER || e.AUTH_JWKS_AUDIENCE) || Boolean(e.AUTH_JWKS_URL), {
  path: ["AUTH_JWKS_URL"],
  message: "AUTH_JWKS_ISSUER and AUTH_JWKS_AUDIENCE need AUTH_JWKS_URL (the identity provider's key set)",
}).refine((e) => !e.AUTH_JWKS_URL || Boolean(e.AUTH_JWKS_ISSUER && e.AUTH_JWKS_AUDIENCE), {
  path: ["AUTH_JWKS_ISSUER"],
  message: "with AUTH_JWKS_URL, set AUTH_JWKS_ISSUER and AUTH_JWKS_AUDIENCE too: a token is only accepted from that issuer, for that audience",
}).refine((e) => e.NODE_ENV !== "production" || !e.AUTH_JWKS_URL || e.AUTH_JWKS_URL.startsWith("https:"), {
  path: ["AUTH_JWKS_URL"],
  message: "must be https: when NODE_ENV=production (over plain http anyone on the path could swap the provider's keys)",
}).refine((e) => e.NODE_ENV !== "production" || Boolean(e.AUTH_SECRET), {
  path: ["AUTH_SECRET"],
  message: "required when NODE_ENV=production (a generated secret would differ per process and per restart, logging every player out)",
});

export type Config = Readonly<{
  port: number;
  host: string | undefined;
  redisUrl: string | undefined;
  /** Where the SQLite Store keeps its file when REDIS_URL is unset (DATA_DIR). */
  dataDir: string;
  /** Notifications kept per user until acknowledged; the oldest go first (NOTIFICATIONS_KEPT). */
  notificationsKept: number;
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
  /** Bearer token for the operator routes (/admin/…, docs/operations.md); unset turns them off. */
  adminToken: string | undefined;
  /** Basic-auth credentials for /monitor; unset turns the route off. */
  monitor: Readonly<{ username: string; password: string }> | undefined;
  /** NODE_ENV=production: no generated secrets, no localhost origins by default. */
  production: boolean;
  auth: AuthConfig;
  edge: EdgeConfig;
  /** Who may read /metrics, and where it is served. */
  metrics: Readonly<{ token: string | undefined; port: number | undefined; host: string }>;
  /** Certificate and key files when this process terminates TLS itself. */
  tls: Readonly<{ certPath: string; keyPath: string }> | undefined;
}>;

export type AuthConfig = Readonly<{
  /** Signs and verifies guest tokens (HS256). */
  secret: string;
  /** True when AUTH_SECRET was unset and this process made one up (development only; serve.ts warns). */
  secretGenerated: boolean;
  /** `iss` of the guest tokens this server signs. */
  issuer: string;
  /** How long a guest token lives; clients refresh before then. */
  tokenSeconds: number;
  /** How long after a guest's first token refreshes stop (AUTH_SESSION_MAX_SECONDS). */
  sessionMaxSeconds: number;
  /** An external identity provider whose tokens are accepted too. */
  external: Readonly<{ jwksUrl: string; issuer: string; audience: string }> | undefined;
}>;

export type EdgeConfig = Readonly<{
  /** Origins allowed on HTTP (CORS) and WebSocket upgrades; undefined: this server's own, plus localhost in development. */
  allowedOrigins: readonly string[] | undefined;
  allowLocalhostOrigins: boolean;
  /** Peers whose X-Forwarded-For is believed. */
  trustedProxies: readonly string[];
  /** Addresses the per-address limits do not apply to (a load-test machine). */
  unlimitedAddresses: readonly string[];
  maxSocketsPerAddress: number;
  matchmakingPerSecond: number;
  matchmakingBurst: number;
  roomsCreatedPerMinute: number;
  headersTimeoutMs: number;
  /** Messages at least this long are sent with permessage-deflate; 0 turns compression off. */
  compressionThresholdBytes: number;
  /** A socket whose outgoing buffer passes this is dropped as a slow consumer (seat held). */
  maxSendBufferBytes: number;
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
  // UNLIMITED_ADDRESSES set empty is not unset: it takes loopback's development exemption away (test/edge/, npm run attack).
  const unlimitedAddresses = env.UNLIMITED_ADDRESSES !== undefined ? e.UNLIMITED_ADDRESSES ?? [] : e.NODE_ENV === "production" ? [] : [...DEVELOPMENT_UNLIMITED_ADDRESSES];
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
    dataDir: e.DATA_DIR,
    notificationsKept: e.NOTIFICATIONS_KEPT,
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
    production: e.NODE_ENV === "production",
    auth: Object.freeze({
      secret: e.AUTH_SECRET ?? randomBytes(48).toString("base64url"),
      secretGenerated: !e.AUTH_SECRET,
      issuer: e.AUTH_ISSUER,
      tokenSeconds: e.AUTH_TOKEN_SECONDS,
      sessionMaxSeconds: e.AUTH_SESSION_MAX_SECONDS,
      external: e.AUTH_JWKS_URL && e.AUTH_JWKS_ISSUER && e.AUTH_JWKS_AUDIENCE
        ? Object.freeze({ jwksUrl: e.AUTH_JWKS_URL, issuer: e.AUTH_JWKS_ISSUER, audience: e.AUTH_JWKS_AUDIENCE })
        : undefined,
    }),
    metrics: Object.freeze({ token: e.METRICS_TOKEN, port: e.METRICS_PORT, host: e.METRICS_HOST }),
    tls: e.TLS_CERT && e.TLS_KEY ? Object.freeze({ certPath: e.TLS_CERT, keyPath: e.TLS_KEY }) : undefined,
    edge: Object.freeze({
      allowedOrigins: e.ALLOWED_ORIGINS ? Object.freeze(e.ALLOWED_ORIGINS) : undefined,
      allowLocalhostOrigins: e.NODE_ENV !== "production",
      trustedProxies: Object.freeze(e.TRUSTED_PROXIES ?? []),
      unlimitedAddresses: Object.freeze(unlimitedAddresses),
      maxSocketsPerAddress: e.MAX_SOCKETS_PER_ADDRESS,
      matchmakingPerSecond: e.MATCHMAKING_PER_SECOND,
      matchmakingBurst: e.MATCHMAKING_BURST,
      roomsCreatedPerMinute: e.ROOMS_CREATED_PER_MINUTE,
      headersTimeoutMs: e.HEADERS_TIMEOUT_SECONDS * 1000,
      maxSendBufferBytes: e.MAX_SEND_BUFFER_BYTES,
      compressionThresholdBytes: e.COMPRESSION_THRESHOLD_BYTES,
    }),
  });
}

/**
 * The only module that reads process.env. Everything is validated once at
 * boot, frozen, and handed out as a typed object; a bad value stops the
 * process with the variable's name and what it should be.
 */
import { z } from "zod";
import { ConfigError } from "./errors.ts";

const LogLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  HOST: z.string().min(1).optional(),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  PUBLIC_ADDRESS: z.string().min(1).optional(),
  LOG_LEVEL: LogLevel.default("info"),
  TICK_RATE: z.coerce.number().int().min(1).max(240).default(30),
  RECONNECT_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  MAX_MESSAGES_PER_SECOND: z.coerce.number().int().min(1).default(120),
});

export type Config = Readonly<{
  port: number;
  host: string | undefined;
  redisUrl: string | undefined;
  publicAddress: string | undefined;
  logLevel: z.infer<typeof LogLevel>;
  tickRate: number;
  reconnectSeconds: number;
  maxMessagesPerSecond: number;
}>;

/** Parse and freeze a configuration; `env` defaults to the process environment. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset": a Procfile or .env line like `REDIS_URL=` should not fail.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = Env.safeParse(present);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(String(issue.path[0]), issue.message);
  }
  const e = parsed.data;
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    redisUrl: e.REDIS_URL,
    publicAddress: e.PUBLIC_ADDRESS,
    logLevel: e.LOG_LEVEL,
    tickRate: e.TICK_RATE,
    reconnectSeconds: e.RECONNECT_SECONDS,
    maxMessagesPerSecond: e.MAX_MESSAGES_PER_SECOND,
  });
}

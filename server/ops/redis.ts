/**
 * The Redis side of a multi-process deployment: Colyseus's RedisPresence and
 * RedisDriver on connections tuned for outages, plus the process's view of
 * whether Redis is reachable right now.
 *
 * When Redis goes away, rooms keep ticking (nothing in a step touches Redis),
 * matchmaking refuses quickly with a clear error (see server/room/admission.ts), and
 * when it returns this process re-lists its running rooms and its load, which
 * a Redis restart without persistence would otherwise have forgotten.
 */
import { matchMaker } from "@colyseus/core";
import { RedisDriver } from "@colyseus/redis-driver";
import { RedisPresence } from "@colyseus/redis-presence";
import { Redis, type RedisOptions } from "ioredis";
import { logger } from "../logger.ts";
import { redisUp } from "./metrics.ts";

/** How every Tickforge connection to Redis behaves while Redis is away (matchmaking's and the store's). */
export const REDIS_CONNECTION_OPTIONS: RedisOptions = {
  // A command queued while Redis is away fails after one reconnect attempt
  // rather than holding a matchmaking request for ioredis's default 20.
  maxRetriesPerRequest: 1,
  // Reconnect forever, quickly: players notice matchmaking being down, not the retries.
  retryStrategy: (attempt: number) => Math.min(100 * attempt, 1000),
};

/** Tries at re-listing rooms after Redis returns, 0.5 s apart. */
const RELIST_ATTEMPTS = 5;

export interface RedisLink {
  presence: RedisPresence;
  driver: RedisDriver;
  /** True while both the presence and the driver connections are usable. */
  isUp(): boolean;
  /** The URL without its password, for logs and error messages. */
  where: string;
}

/** Whether this process's Redis is reachable; always true with local presence. */
let linkIsUp: () => boolean = () => true;
let linkWhere = "";

/** Local presence: nothing to lose (also resets a previous server's link in the same process, as tests do). */
export function useLocalPresence(): void {
  linkIsUp = () => true;
  linkWhere = "";
  redisUp.set(1);
}

export function matchmakingOutage(): string | undefined {
  if (linkIsUp()) return undefined;
  return `Matchmaking is unavailable: Redis at ${linkWhere} is unreachable. Games in progress continue; try again in a few seconds.`;
}

export function connectRedis(url: string): RedisLink {
  const where = redactRedisUrl(url);
  const pub = new Redis(url, { ...REDIS_CONNECTION_OPTIONS, connectionName: "tickforge-presence" });
  const driverClient = new Redis(url, { ...REDIS_CONNECTION_OPTIONS, connectionName: "tickforge-driver" });
  const presence = new RedisPresence(pub); // duplicates `pub` for its subscriber connection
  const driver = new RedisDriver(driverClient);
  const log = logger.child({ redis: where });

  const isUp = () => pub.status === "ready" && driverClient.status === "ready";
  let wasUp = false;
  let everUp = false;

  const onChange = () => {
    const up = isUp();
    redisUp.set(up ? 1 : 0);
    if (up === wasUp) return;
    wasUp = up;
    if (!up) {
      log.error("Redis unreachable: matchmaking refuses new seats until it returns; running rooms keep playing");
      return;
    }
    if (!everUp) { everUp = true; return; }
    void relist(log);
  };
  for (const client of [pub, driverClient]) {
    client.on("ready", onChange);
    client.on("close", onChange);
    client.on("end", onChange);
    // ioredis reports every failed reconnect; the transitions above are what an operator needs.
    client.on("error", (error: Error) => log.debug({ err: error.message }, "redis connection error"));
  }

  linkIsUp = isUp;
  linkWhere = where;
  return { presence, driver, isUp, where };
}

/**
 * At boot, wait for Redis (it may start after us, as in a compose file or a
 * fresh VM); give up after `timeoutMs` with an error naming the address.
 */
export async function waitForRedis(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
    let cause: unknown;
    probe.on("error", (error) => { cause = error; }); // the socket's reason (ECONNREFUSED…), clearer than connect()'s
    try {
      await probe.connect();
      await probe.ping();
      return;
    } catch (error) {
      last = cause ?? error;
    } finally {
      probe.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`Redis at ${redactRedisUrl(url)} is unreachable (${(last as Error)?.message ?? "no answer"}) after ${timeoutMs / 1000} s. Start Redis or fix REDIS_URL.`);
}

/** A Redis restarted without its data has lost our listings: put back what is still running. */
async function relist(log: typeof logger) {
  for (let attempt = 1; ; attempt++) {
    try {
      await matchMaker.restoreMissingRoomCaches();
      await matchMaker.stats.persist(true);
      log.info({ rooms: matchMaker.stats.local.roomCount }, "Redis is back: this process's rooms are listed again");
      return;
    } catch (error) {
      if (attempt === RELIST_ATTEMPTS) {
        log.error({ err: error }, "Redis is back but this process's rooms could not be listed again: they are playable, not joinable");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/** `url` with its password hidden, for logs and errors. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(invalid REDIS_URL)";
  }
}

/**
 * Graceful shutdown with a bounded drain.
 *
 * On SIGTERM (or SIGINT) the process stops taking new rooms, every room
 * tells its players ("shutdown" `{ reason, disconnectInMs }`, in its room
 * type's words) and keeps playing for DRAIN_SECONDS, then closes their sockets
 * with 4001, which clients take as "join a new room elsewhere". Colyseus's own shutdown waits with no timeout
 * for rooms to go; a hard deadline here makes sure the process always exits.
 */
import { matchMaker, type Server } from "@colyseus/core";
import { SHUTDOWN_CLOSE_CODE } from "../errors.ts";
import { liveRooms, type DrainPlan } from "./live-rooms.ts";
import { logger } from "../logger.ts";
import { draining } from "./metrics.ts";
import type { Placement } from "./placement.ts";

/** Past the drain, time for sockets and Redis to close before the process exits anyway (ms). */
export const HARD_DEADLINE_GRACE_MS = 5000;

export type { DrainPlan };

let plan: DrainPlan | undefined;

/** The drain in progress, if this process is shutting down through `drainAndExit`. */
export function currentDrain(): DrainPlan | undefined {
  return plan;
}

export interface ShutdownOptions {
  drainSeconds: number;
  placement: Placement;
}

/** Route SIGTERM/SIGINT and crashes through the bounded drain. A second signal exits at once. */
export function installGracefulShutdown(server: Server, options: ShutdownOptions): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (plan) {
      logger.warn({ signal }, "second signal during drain: exiting now");
      process.exit(1);
    }
    void drainAndExit(server, options, { drainMs: options.drainSeconds * 1000 }, signal, 0);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  process.on("uncaughtException", (error) => {
    logger.fatal({ err: error }, "uncaught exception: moving players elsewhere and exiting");
    if (plan) return;
    void drainAndExit(server, options, { reason: "This server hit an internal error.", drainMs: 0 }, "uncaughtException", 1);
  });
  // Colyseus fires some Redis writes without awaiting them; during an outage they reject here.
  process.on("unhandledRejection", (reason) => {
    logger.warn({ err: reason }, "unhandled promise rejection");
  });
}

async function drainAndExit(server: Server, options: ShutdownOptions, drain: DrainPlan, cause: string, exitCode: number): Promise<never> {
  plan = drain;
  draining.set(1);
  const deadlineMs = drain.drainMs + HARD_DEADLINE_GRACE_MS;
  setTimeout(() => {
    logger.error({ deadlineMs }, "shutdown passed its hard deadline: exiting anyway");
    process.exit(1);
  }, deadlineMs);

  const started = Date.now();
  logger.info({ cause, drainMs: drain.drainMs, rooms: matchMaker.stats.local.roomCount, ccu: matchMaker.stats.local.ccu }, "draining: no new rooms, players warned");
  // Warn players first, without Redis: the drain must work during an outage too.
  for (const room of liveRooms) room.beginDrain(drain);
  await options.placement.drain();
  // Locks every room, calls onBeforeShutdown (a GameRoom is already draining), waits for all to go.
  await server.gracefullyShutdown(false);
  if (matchMaker.stats.local.roomCount > 0) {
    // Colyseus gave up early (Redis unreachable): let the drain run out, then close what is left.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + drain.drainMs - Date.now())));
    await Promise.allSettled(matchMaker.disconnectAll(SHUTDOWN_CLOSE_CODE));
  }
  options.placement.stop();
  logger.info({ ms: Date.now() - started }, "drained: exiting");
  process.exit(exitCode);
}

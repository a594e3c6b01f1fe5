/**
 * Structured JSON logs (pino). The root logger's level is set once at boot
 * from the configuration; rooms log through children carrying their ids.
 */
import { pino, type Logger } from "pino";

export type { Logger };

export const logger: Logger = pino({ level: "info", base: { pid: process.pid } });

export function setLogLevel(level: string): void {
  logger.level = level;
}

/** Colyseus logs through this (`defineServer({ logger })`), so its lines are JSON too. */
// Not a child logger: children keep the level they were born with, and this one is born before setLogLevel.
const fromColyseus = { component: "colyseus" };
const line = (args: unknown[]) => args.map((a) => (a instanceof Error ? a.message : typeof a === "string" ? a : JSON.stringify(a))).join(" ");
export const colyseusLogger = {
  trace: (...args: unknown[]) => logger.trace(fromColyseus, line(args)),
  debug: (...args: unknown[]) => logger.debug(fromColyseus, line(args)),
  info: (...args: unknown[]) => logger.info(fromColyseus, line(args)),
  warn: (...args: unknown[]) => logger.warn(fromColyseus, line(args)),
  error: (...args: unknown[]) => logger.error(fromColyseus, line(args)),
};

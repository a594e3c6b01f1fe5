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

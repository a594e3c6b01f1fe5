/** Entry point: configuration, then the server, then listen. */
import type { AddressInfo } from "node:net";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createGameServer } from "./app.ts";
import { logger, setLogLevel } from "./logger.ts";

let config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Tickforge cannot start: ${error.message}`);
  process.exit(1);
}

setLogLevel(config.logLevel);
const server = createGameServer(config);
await server.listen(config.port, config.host);
const { port } = server.transport.server!.address() as AddressInfo; // the real one when PORT=0
logger.info({ port, redis: Boolean(config.redisUrl) }, `Tickforge listening on http://localhost:${port}`);

/** The server, once main.ts has settled the runtime: configuration, then the server, then listen; signals drain it (server/ops/shutdown.ts). */
import type { AddressInfo } from "node:net";
import { matchMaker } from "@colyseus/core";
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createGameServer } from "./app.ts";
import { logger, setLogLevel } from "./logger.ts";
import { limitConsole } from "./log-limit.ts";
import { waitForRedis } from "./ops/redis.ts";
import { installGracefulShutdown } from "./ops/shutdown.ts";
import { activeAllocator } from "./launch.ts";
import { listenForMetrics, metricsAddress } from "./ops/operator-access.ts";
import type { RoomType } from "./room/room-type.ts";
import { StoreError } from "./storage/store.ts";

/** How long a booting process waits for Redis to come up (ms). */
const REDIS_BOOT_WAIT_MS = 15_000;

export async function serve(roomTypes: readonly RoomType[]): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env, roomTypes);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Tickforge cannot start: ${error.message}`);
    process.exit(1);
  }

  setLogLevel(config.logLevel);
  if (config.auth.secretGenerated) {
    logger.warn("AUTH_SECRET is unset: signing guest tokens with a secret generated for this run. Tokens die with the process and other processes refuse them; set AUTH_SECRET (required with NODE_ENV=production).");
  }
  if (!config.production && config.edge.unlimitedAddresses.length > 0) {
    logger.info({ unlimitedAddresses: config.edge.unlimitedAddresses }, "Per-address limits skip these addresses (UNLIMITED_ADDRESSES; loopback by default outside production, so local bots and tabs are not refused).");
  }
  if (config.redisUrl) {
    try {
      await waitForRedis(config.redisUrl, REDIS_BOOT_WAIT_MS);
    } catch (error) {
      console.error(`Tickforge cannot start: ${(error as Error).message}`);
      process.exit(1);
    }
  }
  limitConsole(); // from here on, what the decoders write to the console is bounded (server/log-limit.ts)
  let server: ReturnType<typeof createGameServer>;
  try {
    server = createGameServer(config, roomTypes);
  } catch (error) {
    // The Store opens at boot: an unwritable DATA_DIR or a SQLite file from a newer schema stops here, with where.
    if (!(error instanceof StoreError)) throw error;
    console.error(`Tickforge cannot start: ${error.message}`);
    process.exit(1);
  }
  installGracefulShutdown(server, { drainSeconds: config.drainSeconds, placement: server.placement });
  await server.listen(config.port, config.host);
  const metricsListener = await listenForMetrics(config);
  const { port } = server.transport.server!.address() as AddressInfo; // the real one when PORT=0
  server.placement.advertiseMetrics(metricsAddress(config, port, (metricsListener?.address() as AddressInfo | undefined)?.port));
  if (config.redisUrl && !config.publicAddress) {
    logger.warn("REDIS_URL without PUBLIC_ADDRESS: a player matched to a room on another process cannot reach it (docs/scaling.md)");
  }
  logger.info(
    { port, processId: matchMaker.processId, redis: Boolean(config.redisUrl), publicAddress: config.publicAddress, allocator: activeAllocator() },
    `Tickforge listening on ${config.tls ? "https" : "http"}://localhost:${port}`,
  );
}

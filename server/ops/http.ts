/**
 * Plain HTTP routes beside the game: health, metrics, operator routes
 * (announcements, the Colyseus monitor) and the built browser client.
 */
import express, { type Application, type NextFunction, type Request, type Response } from "express";
import basicAuth from "express-basic-auth";
import { timingSafeEqual } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { matchMaker } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import { ROOM_TYPES_PATH, type RoomTypeInfo } from "../../shared/protocol.ts";
import type { RoomType } from "../room/room-type.ts";
import { announce, AnnouncementRequest } from "./announcements.ts";
import type { Config } from "../config.ts";
import { mountIdentityRoutes } from "../identity/routes.ts";
import type { IdentityVerifier } from "../identity/tokens.ts";
import { logger } from "../logger.ts";
import { metricsResponse, operatorAsking, targetsResponse } from "./operator-access.ts";
import { matchmakingOutage } from "./redis.ts";
import { currentDrain } from "./shutdown.ts";

export const CLIENT_DIST = fileURLToPath(new URL("../../dist/client/", import.meta.url));

export function routes(config: Config, roomTypes: readonly RoomType[], identities: IdentityVerifier) {
  const offered: RoomTypeInfo[] = roomTypes.filter((type) => type.listed).map(({ name, title, summary }) => ({ name, title, summary }));
  return function mountRoutes(app: Application): void {
    // What the title screen lists: every room type this server offers.
    app.get(ROOM_TYPES_PATH, (_req, res) => {
      res.json(offered);
    });

    // 503 while draining, so a load balancer stops sending matchmaking here. The details are for operators.
    app.get("/health", (req, res) => {
      const drain = currentDrain();
      const outage = matchmakingOutage();
      const status = drain ? "draining" : "ok";
      if (!operatorAsking(req, config)) {
        res.status(drain ? 503 : 200).json({ status });
        return;
      }
      res.status(drain ? 503 : 200).json({
        status,
        processId: matchMaker.processId,
        redis: !config.redisUrl ? "unused" : outage ? "down" : "ok",
        rooms: matchMaker.stats.local.roomCount,
        ccu: matchMaker.stats.local.ccu,
        uptimeSeconds: Math.round(process.uptime()),
      });
    });

    // With METRICS_PORT, /metrics and /metrics/targets live on their own listener only (server/ops/operator-access.ts).
    if (config.metrics.port === undefined) {
      app.get("/metrics", async (req, res) => {
        const answer = await metricsResponse(req.get("authorization"), config);
        res.status(answer.status).type(answer.type).send(answer.body);
      });
      app.get("/metrics/targets", async (req, res) => {
        const answer = await targetsResponse(req.get("authorization"), config);
        res.status(answer.status).type(answer.type).send(answer.body);
      });
    }

    mountIdentityRoutes(app, identities);
    mountAnnouncements(app, config);
    mountMonitor(app, config);
    mountClient(app);
  };
}

/** POST /admin/announce `{ text }` with `Authorization: Bearer $ADMIN_TOKEN`: reaches every client on every process. */
function mountAnnouncements(app: Application, config: Config) {
  const token = config.adminToken;
  if (!token) {
    app.post("/admin/announce", (_req, res) => {
      res.status(404).json({ error: "Announcements are off on this server: set ADMIN_TOKEN to enable POST /admin/announce." });
    });
    return;
  }
  app.post("/admin/announce", requireBearer(token), express.json({ limit: "4kb" }), async (req, res) => {
    const parsed = AnnouncementRequest.safeParse(req.body);
    if (!parsed.success) {
      res.status(400).json({ error: parsed.error.issues[0].message });
      return;
    }
    try {
      const sent = await announce(matchMaker.presence, parsed.data.text);
      logger.info({ text: sent.text }, "announcement sent");
      res.status(202).json(sent);
    } catch (error) {
      logger.error({ err: error }, "announcement failed");
      res.status(503).json({ error: matchmakingOutage() ?? "Could not publish the announcement; try again." });
    }
  });
}

/** @colyseus/monitor behind basic auth; without MONITOR_USERNAME/MONITOR_PASSWORD the route does not exist. */
function mountMonitor(app: Application, config: Config) {
  if (!config.monitor) {
    logger.info("/monitor is off: set MONITOR_USERNAME and MONITOR_PASSWORD to enable it");
    return;
  }
  const { username, password } = config.monitor;
  app.use("/monitor", basicAuth({ users: { [username]: password }, challenge: true, realm: "tickforge" }), monitor());
}

function mountClient(app: Application) {
  if (!existsSync(CLIENT_DIST)) {
    app.get("/", (_req, res) => {
      res.status(503).type("text").send("The game client is not built. Run `npm run build` (npm start does it for you).");
    });
    return;
  }
  app.use(express.static(CLIENT_DIST, { index: "index.html", maxAge: "1h", setHeaders: noCacheForHtml }));
}

function requireBearer(token: string) {
  const expected = Buffer.from(`Bearer ${token}`);
  return (req: Request, res: Response, next: NextFunction) => {
    const given = Buffer.from(req.get("authorization") ?? "");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.status(401).json({ error: "Send the operator token: Authorization: Bearer <ADMIN_TOKEN>." });
  };
}

function noCacheForHtml(res: express.Response, path: string) {
  if (path.endsWith(".html")) res.setHeader("Cache-Control", "no-cache");
}

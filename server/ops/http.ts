/**
 * Plain HTTP routes beside the game: health, metrics, operator routes
 * (announcements, notifications, mutes, kicks, the Colyseus monitor) and the
 * built browser client.
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
import { z } from "zod";
import { announce, AnnouncementRequest } from "./announcements.ts";
import { muteUser, MuteRequest, unmuteUser } from "./mutes.ts";
import { NotificationRequest, UserId, type Notifier } from "./notifications.ts";
import type { Config } from "../config.ts";
import { mountIdentityRoutes } from "../identity/routes.ts";
import type { IdentityVerifier } from "../identity/tokens.ts";
import { logger } from "../logger.ts";
import { metricsResponse, operatorAsking, targetsResponse } from "./operator-access.ts";
import { matchmakingOutage } from "./redis.ts";
import { currentDrain } from "./shutdown.ts";
import type { Store } from "../storage/store.ts";

export const CLIENT_DIST = fileURLToPath(new URL("../../dist/client/", import.meta.url));

export function routes(config: Config, roomTypes: readonly RoomType[], identities: IdentityVerifier, operations: { notifier: Notifier; store: Store }) {
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
    mountOperatorRoutes(app, config, operations.notifier, operations.store);
    mountMonitor(app, config);
    mountClient(app);
  };
}

/** The operator's routes (docs/operations.md), each a JSON POST with `Authorization: Bearer $ADMIN_TOKEN`. */
export const OperatorRoute = Object.freeze({
  /** `{ text }`: to every client on every process. */
  ANNOUNCE: "/admin/announce",
  /** `{ userId, text, kind?, data?, id? }`: one user's notification, wherever they are, or kept until they connect. */
  NOTIFY: "/admin/notify",
  /** `{ userId, seconds, reason }`: the user may not talk in chat until then, on any process. */
  MUTE: "/admin/mute",
  /** `{ userId }`: lift a mute early. */
  UNMUTE: "/admin/unmute",
  /** `{ userId, reason, roomType? }`: close the user's sockets (in rooms of that type, or all) on every process. */
  KICK: "/admin/kick",
});

const OperatorNotification = NotificationRequest.extend({ userId: UserId, kind: NotificationRequest.shape.kind.default("operator") });
const UnmuteRequest = z.object({ userId: UserId });
const KickRequest = z.object({
  userId: UserId,
  reason: z.string().trim().min(1, "Give the player a reason: reason.").max(100, "A kick's reason is at most 100 characters (it travels in the close frame)."),
  roomType: z.string().min(1).max(64).optional(),
});

function mountOperatorRoutes(app: Application, config: Config, notifier: Notifier, store: Store) {
  const token = config.adminToken;
  if (!token) {
    for (const path of Object.values(OperatorRoute)) {
      app.post(path, (_req, res) => {
        res.status(404).json({ error: `Operator routes are off on this server: set ADMIN_TOKEN to enable POST ${path}.` });
      });
    }
    return;
  }
  const operator = [requireBearer(token), express.json({ limit: "4kb" })];
  const post = <S extends z.ZodType>(path: string, shape: S, what: string, act: (body: z.output<S>) => Promise<{ status: number; body: unknown }>) => {
    app.post(path, ...operator, async (req, res) => {
      const parsed = shape.safeParse(req.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        res.status(400).json({ error: issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message });
        return;
      }
      try {
        const answer = await act(parsed.data);
        logger.info({ route: path, body: parsed.data }, `operator: ${what}`);
        res.status(answer.status).json(answer.body);
      } catch (error) {
        logger.error({ err: error, route: path }, `operator: ${what} failed`);
        res.status(503).json({ error: matchmakingOutage() ?? `Could not ${what}: the store or Redis is unavailable; try again.` });
      }
    });
  };

  post(OperatorRoute.ANNOUNCE, AnnouncementRequest, "announce", async ({ text }) => ({ status: 202, body: await announce(matchMaker.presence, text) }));
  post(OperatorRoute.NOTIFY, OperatorNotification, "notify", async ({ userId, ...request }) => ({
    status: 202, body: await notifier.notify(userId, { from: "operator", ...request }),
  }));
  post(OperatorRoute.MUTE, MuteRequest, "mute", async ({ userId, seconds, reason }) => ({
    status: 200, body: { userId, ...(await muteUser(store, userId, seconds, reason)) },
  }));
  post(OperatorRoute.UNMUTE, UnmuteRequest, "unmute", async ({ userId }) => ({ status: 200, body: { userId, lifted: await unmuteUser(store, userId) } }));
  post(OperatorRoute.KICK, KickRequest, "kick", async ({ userId, reason, roomType }) => ({
    status: 202, body: { userId, online: await notifier.kick(userId, { reason, ...(roomType ? { roomType } : {}) }) },
  }));
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

/**
 * Who may read the operator surfaces. /health answers a load balancer with
 * its status alone (200 ok, 503 draining); the details (process id, Redis,
 * rooms, players, uptime) need the operator token, ADMIN_TOKEN. /metrics
 * needs METRICS_TOKEN when one is set, and with METRICS_PORT it is served
 * only on that (internal) listener, not on the players' port.
 */
import { timingSafeEqual } from "node:crypto";
import http from "node:http";
import { hostname } from "node:os";
import type { Request } from "express";
import type { Config } from "../config.ts";
import { logger } from "../logger.ts";
import { registry } from "./metrics.ts";
import { scrapeTargets } from "./placement.ts";

/** True when `req` carries `Authorization: Bearer <token>` (compared in constant time). */
export function bearerMatches(authorization: string | undefined, token: string | undefined): boolean {
  if (!token) return false;
  const expected = Buffer.from(`Bearer ${token}`);
  const given = Buffer.from(authorization ?? "");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** May this request see /health's details? */
export function operatorAsking(req: Request, config: Config): boolean {
  return bearerMatches(req.get("authorization"), config.adminToken);
}

/** The /metrics answer, or why not; shared by the public route and the internal listener. */
export async function metricsResponse(authorization: string | undefined, config: Config): Promise<{ status: number; type: string; body: string }> {
  if (config.metrics.token && !bearerMatches(authorization, config.metrics.token)) {
    return { status: 401, type: "application/json", body: JSON.stringify({ error: "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>." }) };
  }
  return { status: 200, type: registry.contentType, body: await registry.metrics() };
}

/**
 * GET /metrics/targets: every live process of the deployment and where its
 * /metrics answers, in Prometheus's HTTP service-discovery format, behind
 * the same token as /metrics.
 */
export async function targetsResponse(authorization: string | undefined, config: Config): Promise<{ status: number; type: string; body: string }> {
  if (config.metrics.token && !bearerMatches(authorization, config.metrics.token)) {
    return { status: 401, type: "application/json", body: JSON.stringify({ error: "Send the metrics token: Authorization: Bearer <METRICS_TOKEN>." }) };
  }
  try {
    return { status: 200, type: "application/json", body: JSON.stringify(await scrapeTargets()) };
  } catch (error) {
    return { status: 503, type: "application/json", body: JSON.stringify({ error: `Cannot list the processes: ${(error as Error).message}. Try again once Redis is back.` }) };
  }
}

/** Where this process's /metrics answers for operators: the metrics listener, else its own address on the private network. */
export function metricsAddress(config: Config, playersPort: number, metricsPort: number | undefined): string {
  const reachable = (host: string | undefined) => (!host || host === "0.0.0.0" || host === "::" ? hostname() : host.includes(":") ? `[${host}]` : host);
  if (metricsPort !== undefined) return `${reachable(config.metrics.host)}:${metricsPort}`;
  // A per-process PUBLIC_ADDRESS (no path prefix) reaches this process alone; a proxy's /pN prefix refuses /metrics.
  if (config.publicAddress && !config.publicAddress.includes("/")) return config.publicAddress;
  return `${reachable(config.host)}:${playersPort}`;
}

/** With METRICS_PORT, a listener of its own for /metrics (bind it to an internal address with METRICS_HOST). */
export async function listenForMetrics(config: Config): Promise<http.Server | undefined> {
  const { port, host } = config.metrics;
  if (port === undefined) return undefined;
  const server = http.createServer(async (req, res) => {
    const respond = req.url === "/metrics" ? metricsResponse : req.url === "/metrics/targets" ? targetsResponse : undefined;
    if (!respond) {
      res.writeHead(404).end();
      return;
    }
    const answer = await respond(req.headers.authorization, config);
    res.writeHead(answer.status, { "content-type": answer.type }).end(answer.body);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, host, resolve));
  logger.info({ port: (server.address() as { port: number }).port, host }, "/metrics and /metrics/targets served on their own listener");
  return server;
}

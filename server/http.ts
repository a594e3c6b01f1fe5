/**
 * Plain HTTP routes beside the game: health and the built browser client.
 */
import express, { type Application } from "express";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { matchMaker } from "@colyseus/core";
import { registry } from "./metrics.ts";

export const CLIENT_DIST = fileURLToPath(new URL("../dist/client/", import.meta.url));

export function mountRoutes(app: Application): void {
  app.get("/health", (_req, res) => {
    res.json({ status: "ok", processId: matchMaker.processId, uptimeSeconds: Math.round(process.uptime()) });
  });

  app.get("/metrics", async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });

  if (!existsSync(CLIENT_DIST)) {
    app.get("/", (_req, res) => {
      res.status(503).type("text").send("The game client is not built. Run `npm run build` (npm start does it for you).");
    });
    return;
  }
  app.use(express.static(CLIENT_DIST, { index: "index.html", maxAge: "1h", setHeaders: noCacheForHtml }));
}

function noCacheForHtml(res: express.Response, path: string) {
  if (path.endsWith(".html")) res.setHeader("Cache-Control", "no-cache");
}

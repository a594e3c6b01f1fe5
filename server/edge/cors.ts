/**
 * CORS on every HTTP route, matchmaking included, through Colyseus's own
 * hook: its request listener sets `controller.DEFAULT_CORS_HEADERS` merged
 * with `controller.getCorsHeaders(headers)` on every response and answers
 * preflights. Out of the box that echoes any Origin with credentials allowed;
 * here only an allowed origin (server/edge/origins.ts) gets any CORS header.
 *
 * `Access-Control-Allow-Credentials` is sent to allowed cross-origin pages
 * only, because the SDK's fetch uses `credentials: "include"` and a browser
 * will not hand such a response to the page without it. Identity travels as a
 * bearer token, never a cookie, so a page that is refused cannot act as a
 * player even with a request the browser sends without a preflight.
 */
import { matchMaker } from "@colyseus/core";
import type { EdgeConfig } from "../config.ts";
import { originAllowed } from "./origins.ts";

export function corsHeadersFor(edge: EdgeConfig, origin: string | null, host: string | null): Record<string, string> {
  if (!origin || !originAllowed(edge, origin, host)) return { Vary: "Origin" };
  return {
    "Access-Control-Allow-Origin": origin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Allow-Headers": "Content-Type, Accept, Authorization",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Max-Age": "600",
    Vary: "Origin",
  };
}

/** Replace Colyseus's CORS answer with ALLOWED_ORIGINS's, for every route this process serves. */
export function governCors(edge: EdgeConfig): void {
  const controller = matchMaker.controller;
  controller.DEFAULT_CORS_HEADERS = {} as typeof controller.DEFAULT_CORS_HEADERS;
  controller.getCorsHeaders = (headers: Headers) => corsHeadersFor(edge, headers.get("origin"), headers.get("host"));
}

/**
 * Which pages may talk to this server: ALLOWED_ORIGINS, or by default the
 * server's own origin (the page it serves) and, outside production, any
 * localhost page. A request without an Origin header is not a browser acting
 * for a page (a bot, a native client, curl), and is let through: the Origin
 * check protects players' browsers from other sites, it is not authentication.
 */
import type { EdgeConfig } from "../config.ts";

const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

export function originAllowed(edge: EdgeConfig, origin: string | undefined | null, host: string | undefined | null): boolean {
  if (!origin) return true;
  if (edge.allowedOrigins) return edge.allowedOrigins.includes(origin);
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return edge.allowLocalhostOrigins && LOCALHOST.test(origin);
}

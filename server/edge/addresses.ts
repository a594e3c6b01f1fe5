/**
 * Which address a request comes from. The TCP peer, unless that peer is one
 * of TRUSTED_PROXIES: then the nearest X-Forwarded-For entry that is not a
 * trusted proxy itself. A client can write anything into X-Forwarded-For, so
 * it is read only when a proxy we run put it there.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { IncomingMessage } from "node:http";

/** IPv4 peers arrive as ::ffff:1.2.3.4 on a dual-stack socket: one address, one spelling. */
export function normalizeAddress(address: string | undefined): string {
  if (!address) return "unknown";
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/**
 * Who a limit counts: an IPv4 address, or an IPv6 address's /64, since one
 * subscriber is handed a whole /64 and could otherwise take a fresh address
 * for every socket.
 */
export function limitHolder(address: string): string {
  if (!address.includes(":")) return address;
  const [head, tail = ""] = address.split("%")[0].toLowerCase().split("::");
  const groups = (part: string) => part.split(":").filter(Boolean).flatMap((g) => (g.includes(".") ? ["v4", "v4"] : [g]));
  const before = groups(head);
  const after = address.includes("::") ? groups(tail) : [];
  const full = [...before, ...Array(Math.max(0, 8 - before.length - after.length)).fill("0"), ...after];
  return `${full.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

export function clientAddress(req: IncomingMessage, trustedProxies: readonly string[]): string {
  const peer = normalizeAddress(req.socket.remoteAddress);
  if (!trustedProxies.includes(peer)) return peer;
  const forwarded = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded ?? "").split(",").map((hop) => normalizeAddress(hop.trim())).filter((hop) => hop !== "unknown" && hop !== "");
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!trustedProxies.includes(hops[i])) return hops[i];
  }
  return peer;
}

/** The address of the HTTP request being handled, for code that runs inside its handling (room creation). */
export const requestAddress = new AsyncLocalStorage<string>();

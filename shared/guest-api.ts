/**
 * The client side of the identity routes, for every client we ship: the
 * browser game, the bots, the tests. Pure: it is bundled into the browser.
 * `fetchFn` is the one the SDK client uses (bots pass theirs).
 */
import { GUEST_SIGN_IN_PATH, TOKEN_REFRESH_PATH, type IssuedToken } from "./protocol.ts";

export type { IssuedToken };

type FetchLike = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

/** A refused identity request: `code` is the AuthErrorCode (or 400 for a bad name). */
export class IdentityRequestError extends Error {
  override name = "IdentityRequestError";
  readonly code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** POST /auth/guest: a new guest identity and its token. */
export function requestGuestToken(endpoint: string, name: string, fetchFn: FetchLike = fetch): Promise<IssuedToken> {
  return call(fetchFn, endpoint, GUEST_SIGN_IN_PATH, { "content-type": "application/json" }, JSON.stringify({ name }));
}

/**
 * POST /auth/refresh: the same identity, a later expiry; the old token stays valid until its own expiry.
 * With `rename`, a guest's token also carries that name from now on (same user id).
 */
export function refreshToken(endpoint: string, token: string, fetchFn: FetchLike = fetch, rename?: string): Promise<IssuedToken> {
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (rename === undefined) return call(fetchFn, endpoint, TOKEN_REFRESH_PATH, headers);
  return call(fetchFn, endpoint, TOKEN_REFRESH_PATH, { ...headers, "content-type": "application/json" }, JSON.stringify({ name: rename }));
}

/** When to refresh a token: at two thirds of its life, so a slow network still beats its expiry. */
export function refreshDueAt(issued: IssuedToken, now = Date.now()): number {
  return now + Math.max(0, (issued.expiresAt - now) * (2 / 3));
}

async function call(fetchFn: FetchLike, endpoint: string, path: string, headers: Record<string, string>, body?: string): Promise<IssuedToken> {
  const response = await fetchFn(endpoint.replace(/\/$/, "") + path, { method: "POST", headers, body });
  const payload = await response.json().catch(() => ({})) as IssuedToken & { code?: number; error?: string };
  if (!response.ok) throw new IdentityRequestError(payload.code ?? response.status, payload.error ?? `HTTP ${response.status} from ${path}`);
  return payload;
}

/**
 * Live notifications as a player sees them, for specs and probes: the
 * client's own NotificationFeed over the rooms a player is in, keeping what
 * it showed, and the operator's routes as an operator calls them.
 */
import type { Room } from "@colyseus/sdk";
import { NotificationFeed, type Notification } from "../game-client/src/net/notifications.ts";

export class NotificationWatcher {
  readonly feed = new NotificationFeed();
  /** Every notification the feed showed, in order (each id once). */
  readonly shown: Notification[] = [];
  readonly #waiters = new Set<() => void>();

  constructor(...rooms: Room<any>[]) {
    this.feed.subscribe((notification) => {
      this.shown.push(notification);
      for (const wake of [...this.#waiters]) wake();
    });
    for (const room of rooms) this.listen(room);
  }

  listen(room: Room<any>): void {
    this.feed.listen(room);
  }

  /** Resolves with the first shown notification matching `predicate` (already shown, or the next one that is). */
  until(predicate: (n: Notification) => boolean, what: string, timeoutMs = 10_000): Promise<Notification> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.shown.find(predicate);
        if (!found) return false;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}; shown: ${JSON.stringify(this.shown.map((n) => n.text))}`));
      }, timeoutMs);
      if (!check()) this.#waiters.add(check);
    });
  }
}

/** POST `body` to an operator route (server/ops/http.ts OperatorRoute) with `token` as the bearer, if any. */
export async function operatorPost(endpoint: string, path: string, body: unknown, token?: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${endpoint}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

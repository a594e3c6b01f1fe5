/**
 * The player's guest identity in the browser: a token from POST /auth/guest,
 * kept in localStorage so a reload (or a new tab) is the same player, sent
 * with every matchmaking request (`client.auth.token`), and refreshed at two
 * thirds of its life so it never runs out mid-game.
 */
import type { Client, Room } from "@colyseus/sdk";
import { refreshDueAt, refreshToken, requestGuestToken, type IssuedToken } from "../../../shared/guest-api.ts";

const IDENTITY_KEY = "tickforge.identity";
/** A stored token with less than this left is refreshed before use: it could run out on the way. */
const MIN_REMAINING_MS = 5_000;

function storage(): Storage | undefined {
  try {
    return globalThis.localStorage;
  } catch {
    return undefined; // storage disabled: a new guest per page load
  }
}

export function loadIdentity(now = Date.now()): IssuedToken | undefined {
  const raw = storage()?.getItem(IDENTITY_KEY);
  if (!raw) return undefined;
  try {
    const stored = JSON.parse(raw) as IssuedToken;
    if (typeof stored.token === "string" && typeof stored.user?.id === "string" && stored.expiresAt > now) return stored;
  } catch {
    // corrupt: forgotten below
  }
  storage()?.removeItem(IDENTITY_KEY);
  return undefined;
}

export class GuestIdentity {
  #client: Client;
  #endpoint: string;
  #current: IssuedToken | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #signingIn: Promise<IssuedToken> | undefined;
  /** The room whose automatic reconnections must carry the current token. */
  room: Room | undefined;

  constructor(client: Client, endpoint: string) {
    this.#client = client;
    this.#endpoint = endpoint;
  }

  get userId(): string | undefined {
    return this.#current?.user.id;
  }

  /** Sign in: the stored identity (refreshed if it is nearly spent), else a new guest named `name`. */
  ensure(name: string): Promise<IssuedToken> {
    // The title screen's lobby and a quick Play may both ask at once: one sign-in serves both.
    this.#signingIn ??= this.#signIn(name).finally(() => { this.#signingIn = undefined; });
    return this.#signingIn;
  }

  async #signIn(name: string): Promise<IssuedToken> {
    const current = this.#current ?? loadIdentity();
    // Signed in on the title screen before a name was typed: the same guest takes the name now, so rooms and chat show it.
    if (current && name && current.user.name !== name && current.expiresAt - Date.now() > MIN_REMAINING_MS) {
      try {
        const renamed = await refreshToken(this.#endpoint, current.token, undefined, name);
        this.#use(renamed);
        return renamed;
      } catch {
        // refused (a name the server will not take, say): play on under the name the token has
      }
    }
    if (current && current.expiresAt - Date.now() > MIN_REMAINING_MS) {
      this.#use(current);
      return current;
    }
    if (current && current.expiresAt > Date.now()) {
      try {
        const refreshed = await refreshToken(this.#endpoint, current.token);
        this.#use(refreshed);
        return refreshed;
      } catch {
        // expired on the way: a new guest below
      }
    }
    const issued = await requestGuestToken(this.#endpoint, name || "Player");
    this.#use(issued);
    return issued;
  }

  dispose(): void {
    clearTimeout(this.#refreshTimer);
  }

  #use(issued: IssuedToken): void {
    this.#current = issued;
    storage()?.setItem(IDENTITY_KEY, JSON.stringify(issued));
    this.#client.auth.token = issued.token;
    // The SDK reconnects a dropped room to the URL it first opened, token included: give it the new one.
    const connection = this.room?.connection as { url?: string } | undefined;
    if (connection?.url) {
      const url = new URL(connection.url);
      url.searchParams.set("_authToken", issued.token);
      connection.url = url.toString();
    }
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = setTimeout(() => void this.#refresh(), refreshDueAt(issued) - Date.now());
  }

  async #refresh(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    try {
      this.#use(await refreshToken(this.#endpoint, current.token));
    } catch (error) {
      console.warn(`Tickforge: could not refresh the identity token (${(error as Error).message}); retrying in 10 s`);
      if (current.expiresAt > Date.now()) this.#refreshTimer = setTimeout(() => void this.#refresh(), 10_000);
    }
  }
}

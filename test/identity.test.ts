/**
 * Identity: guest tokens, the framework's onAuth on every room type, refresh,
 * an external identity provider (a local JWKS), and the refusals each bad
 * token gets, against a real server.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Client } from "@colyseus/sdk";
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from "jose";
import { definePlugins } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { framework, GameRoom } from "../server/room/GameRoom.ts";
import { defineRoomType } from "../server/room/room-type.ts";
import { roomTypes } from "../rooms/index.ts";
import { AuthErrorCode } from "../shared/protocol.ts";
import { refreshToken, requestGuestToken } from "../shared/guest-api.ts";
import { localRoom } from "../rooms/arena/testing.ts";
import { GuestClient } from "../tools/identity.ts";
import { startServer, type TestServer } from "../tools/server.ts";
import { waitForState } from "../tools/wait.ts";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";
const PROVIDER = { issuer: "https://id.studio.test", audience: "tickforge-game" };

class MembersRoom extends GameRoom {
  plugins = definePlugins([...framework()]);
  onJoin() {}
}
/** A room type that only admits the studio's own users. */
const membersOnly = defineRoomType({ name: "members", title: "Members", summary: "The studio's own users only.", room: MembersRoom, admits: { guests: false } });

let ts: TestServer;
let jwks: Server;
let providerKey: CryptoKey;
let providerPublicKey: CryptoKey;

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("ES256");
  providerKey = privateKey;
  providerPublicKey = publicKey;
  const jwk = { ...(await exportJWK(publicKey)), kid: "studio-1", alg: "ES256", use: "sig" };
  jwks = createServer((_req, res) => res.setHeader("content-type", "application/json").end(JSON.stringify({ keys: [jwk] })));
  jwks.listen(0, "127.0.0.1");
  await once(jwks, "listening");
  ts = await startServer({
    AUTH_SECRET: SECRET,
    AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`,
    AUTH_JWKS_ISSUER: PROVIDER.issuer,
    AUTH_JWKS_AUDIENCE: PROVIDER.audience,
  }, [...roomTypes, membersOnly]);
});
afterAll(async () => {
  await ts?.close();
  jwks?.close();
});

/** A client sending exactly `token` (no guest sign-in). */
function clientWith(token: string | undefined): Client {
  const client = new Client(ts.endpoint);
  if (token) client.auth.token = token;
  return client;
}

function sign(claims: Record<string, unknown>, { secret = SECRET, issuer = "tickforge", expiresAt = "1h" as string | number } = {}) {
  return new SignJWT({ name: "Mallory", guest: true, ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(issuer)
    .setSubject(String(claims.sub ?? "guest-forged"))
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(secret));
}

function providerToken(claims: { sub: string; audience?: string; issuer?: string }) {
  return new SignJWT({ preferred_username: "Studio Sam" })
    .setProtectedHeader({ alg: "ES256", kid: "studio-1" })
    .setIssuer(claims.issuer ?? PROVIDER.issuer)
    .setAudience(claims.audience ?? PROVIDER.audience)
    .setSubject(claims.sub)
    .setExpirationTime("10m")
    .sign(providerKey);
}

describe("guest identity", () => {
  it("admits a player with a guest token, and client.auth carries its stable user id and name", async () => {
    const client = new GuestClient(ts.endpoint, "Ada");
    const issued = await client.identity;
    expect(issued.user).toMatchObject({ name: "Ada", guest: true });
    expect(issued.expiresAt).toBeGreaterThan(Date.now());
    const room = await client.joinOrCreate("arena", { name: "Ada" });
    const seat = localRoom(room.roomId).clients.find((c) => c.sessionId === room.sessionId)!;
    expect(seat.auth).toMatchObject({ userId: issued.user.id, name: "Ada", guest: true, issuer: "tickforge" });
    await room.leave();
  });

  it("refuses a guest name that is empty or too long with 400 and a reason", async () => {
    await expect(requestGuestToken(ts.endpoint, "   ")).rejects.toMatchObject({ code: 400, message: "Pick a name." });
    await expect(requestGuestToken(ts.endpoint, "x".repeat(17))).rejects.toMatchObject({ code: 400 });
  });

  it("requires an identity in every room type, the lobby included", async () => {
    await expect(clientWith(undefined).joinOrCreate("lobby")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_MISSING });
    const lobby = await new GuestClient(ts.endpoint).joinOrCreate("lobby");
    await lobby.leave();
  });
});

describe("refused tokens, each with its own code", () => {
  it("refuses a matchmaking request without a token (440)", async () => {
    await expect(clientWith(undefined).joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_MISSING, message: expect.stringContaining("/auth/guest") });
  });

  it("refuses a token signed with another secret (441)", async () => {
    const forged = await sign({ sub: "guest-admin" }, { secret: "not-the-server-secret-not-the-server-secret" });
    await expect(clientWith(forged).joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("refuses a real token whose claims were edited (441)", async () => {
    const { token } = await requestGuestToken(ts.endpoint, "Eve");
    const [header, , signature] = token.split(".");
    const edited = Buffer.from(JSON.stringify({ iss: "tickforge", sub: "guest-someone-else", name: "Eve", guest: true, exp: 4102444800 })).toString("base64url");
    await expect(clientWith(`${header}.${edited}.${signature}`).joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("refuses something that is not a JWT (441)", async () => {
    await expect(clientWith("hello").joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("refuses an expired token (442) with a message that says to refresh", async () => {
    const expired = await sign({ sub: "guest-old" }, { expiresAt: Math.floor(Date.now() / 1000) - 60 });
    await expect(clientWith(expired).joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_EXPIRED, message: expect.stringContaining("refresh") });
  });

  it("refuses a token from an issuer it does not know (443), even one signed with its own secret", async () => {
    const foreign = await sign({ sub: "guest-x" }, { issuer: "https://elsewhere.example" });
    await expect(clientWith(foreign).joinOrCreate("arena")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_FOREIGN_ISSUER });
  });
});

describe("refresh", () => {
  it("gives the same user a later expiry, while its game goes on", async () => {
    const client = new GuestClient(ts.endpoint, "Stayer");
    const first = await client.identity;
    const room = await client.joinOrCreate("arena", { name: "Stayer" });
    await new Promise((resolve) => setTimeout(resolve, 1100)); // JWT times are in whole seconds
    const refreshed = await refreshToken(ts.endpoint, first.token);
    expect(refreshed.user.id).toBe(first.user.id);
    expect(refreshed.expiresAt).toBeGreaterThan(first.expiresAt);
    client.auth.token = refreshed.token;
    // Still playing on the same socket: the server keeps sending its state.
    const server = localRoom(room.roomId) as any;
    server.state.players.get(room.sessionId).kills = 7;
    await waitForState(room, (s) => s.players.get(room.sessionId)?.kills === 7, 10_000, "a patch after the refresh");
    expect(room.connection.isOpen).toBe(true);
    // The new token matchmakes as the same user.
    const second = await client.joinOrCreate("arena", { name: "Stayer" });
    expect(localRoom(second.roomId).clients.find((c) => c.sessionId === second.sessionId)!.auth.userId).toBe(first.user.id);
    await Promise.all([room.leave(), second.leave()]);
  });

  it("renames a guest on request, keeping its user id", async () => {
    const first = await requestGuestToken(ts.endpoint, "Player");
    const renamed = await refreshToken(ts.endpoint, first.token, undefined, "Ada");
    expect(renamed.user).toMatchObject({ id: first.user.id, name: "Ada" });
    await expect(refreshToken(ts.endpoint, first.token, undefined, "\u0007")).rejects.toMatchObject({ code: 400 });
  });

  it("keeps the guest's session start through refreshes", async () => {
    const authTime = Math.floor(Date.now() / 1000) - 3600;
    const refreshed = await refreshToken(ts.endpoint, await sign({ sub: "guest-steady", auth_time: authTime }));
    expect(decodeJwt(refreshed.token).auth_time).toBe(authTime);
  });

  it("stops refreshing a guest session older than AUTH_SESSION_MAX_SECONDS (442), so a stolen token cannot live for ever", async () => {
    const monthAndADayAgo = Math.floor(Date.now() / 1000) - 31 * 24 * 3600;
    await expect(refreshToken(ts.endpoint, await sign({ sub: "guest-ancient", auth_time: monthAndADayAgo })))
      .rejects.toMatchObject({ code: AuthErrorCode.TOKEN_EXPIRED, message: expect.stringMatching(/sign in again/) });
  });

  it("does not refresh an expired token (442), nor without one (440)", async () => {
    const expired = await sign({ sub: "guest-late" }, { expiresAt: Math.floor(Date.now() / 1000) - 1 });
    await expect(refreshToken(ts.endpoint, expired)).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_EXPIRED });
    await expect(refreshToken(ts.endpoint, "")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_MISSING });
  });
});

describe("an external identity provider (AUTH_JWKS_URL)", () => {
  it("admits its users, as themselves and not as guests", async () => {
    const room = await clientWith(await providerToken({ sub: "user-42" })).joinOrCreate("members");
    const seat = localRoom(room.roomId).clients.find((c) => c.sessionId === room.sessionId)!;
    expect(seat.auth).toMatchObject({ userId: "user-42", name: "Studio Sam", guest: false, issuer: PROVIDER.issuer });
    await room.leave();
  });

  it("refuses guests in a room type that admits only the provider's users (444)", async () => {
    await expect(new GuestClient(ts.endpoint).joinOrCreate("members")).rejects.toMatchObject({ code: AuthErrorCode.GUESTS_NOT_ADMITTED });
  });

  it("refuses the provider's token for another audience (443)", async () => {
    const token = await providerToken({ sub: "user-42", audience: "another-game" });
    await expect(clientWith(token).joinOrCreate("members")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_FOREIGN_ISSUER });
  });

  it("refuses an HMAC token that names the provider, whatever key it was signed with (441)", async () => {
    const token = await new SignJWT({}).setProtectedHeader({ alg: "HS256", kid: "studio-1" }).setIssuer(PROVIDER.issuer)
      .setAudience(PROVIDER.audience).setSubject("user-1").setExpirationTime("10m").sign(new TextEncoder().encode(JSON.stringify(await exportJWK(providerPublicKey))));
    await expect(clientWith(token).joinOrCreate("members")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });

  it("refuses a token that names the provider but is signed with another key (441)", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const token = await new SignJWT({}).setProtectedHeader({ alg: "ES256", kid: "studio-1" }).setIssuer(PROVIDER.issuer)
      .setAudience(PROVIDER.audience).setSubject("user-1").setExpirationTime("10m").sign(privateKey);
    await expect(clientWith(token).joinOrCreate("members")).rejects.toMatchObject({ code: AuthErrorCode.TOKEN_INVALID });
  });
});

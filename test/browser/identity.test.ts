/**
 * The game's identity in a real browser: it signs in as a guest before it
 * plays, keeps the token across a reload (same player, same seat), and
 * refreshes it before it runs out without dropping the game. Tokens here live
 * 12 s, so the refresh (at two thirds of a token's life) comes during the test.
 */
import { describe, expect, it } from "vitest";
import { localRoom } from "../../rooms/arena/testing.ts";
import { gameUnderTest, holdUntilMoved, play } from "./browser.ts";

/** While the browser is offline, its reconnection attempts fail; Chromium logs each one. */
const OFFLINE_ERRORS = [/ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

const suite = gameUnderTest({ AUTH_TOKEN_SECONDS: "12" });

/** The identity the server holds for a player, by room and session. */
function serverIdentity(roomId: string, sessionId: string) {
  return localRoom(roomId).clients.find((c) => c.sessionId === sessionId)?.auth as { userId: string; name: string; guest: boolean } | undefined;
}

const storedIdentity = () => JSON.parse(localStorage.getItem("tickforge.identity") ?? "null") as { token: string; expiresAt: number; user: { id: string } } | null;

describe("identity in the browser", () => {
  it("plays as a guest, reloads and resumes as the same identity and seat", async () => {
    await suite.withGame(async (game) => {
      const sessionId = await play(game, "Grace");
      const userId = await game.read((h) => h.userId);
      const roomId = (await game.read((h) => h.roomId))!;
      expect(userId).toMatch(/^guest-/);
      expect(serverIdentity(roomId, sessionId)).toMatchObject({ userId, guest: true });
      await holdUntilMoved(game, "KeyD", "x", 30);

      await game.page.reload();
      const resumed = await game.until((h) => h.scene === "Game" && h.connection === "connected" && h.sessionId, "the reloaded page to resume its seat");
      expect(resumed).toBe(sessionId);
      expect(await game.read((h) => h.userId)).toBe(userId);
      expect(serverIdentity(roomId, sessionId)?.userId).toBe(userId);
    });
  });

  it("refreshes its token before it expires, keeping the same identity and the same game", async () => {
    await suite.withGame(async (game) => {
      const sessionId = await play(game, "Hopper");
      const first = (await game.page.evaluate(storedIdentity))!;
      const refreshed = await game.until(
        (_h, before) => { const now = JSON.parse(localStorage.getItem("tickforge.identity") ?? "null"); return now && now.expiresAt > before && now; },
        "the page to refresh its token", first.expiresAt, 20_000,
      );
      expect(refreshed.user.id).toBe(first.user.id);
      expect(refreshed.token).not.toBe(first.token);
      expect(await game.read((h) => [h.connection, h.sessionId])).toEqual(["connected", sessionId]);
      // The first token has now expired; the game still plays on the same socket.
      await game.until((_h, expiresAt) => Date.now() > expiresAt + 1000, "the first token to expire", first.expiresAt, 20_000);
      await holdUntilMoved(game, "KeyS", "y", 30);
      expect(await game.read((h) => [h.connection, h.sessionId])).toEqual(["connected", sessionId]);
      // A drop now resumes with the refreshed token: the first one would be refused as expired.
      await game.context.setOffline(true);
      await game.until((h) => h.connection === "reconnecting", "the page to notice the drop");
      await game.context.setOffline(false);
      await game.until((h) => h.connection === "connected", "the page to reconnect", undefined, 30_000);
      expect(await game.read((h) => h.sessionId)).toBe(sessionId);
    }, { expectedErrors: OFFLINE_ERRORS });
  });
});

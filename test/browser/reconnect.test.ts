/**
 * Reconnection in a real browser: a network drop and a page reload both
 * resume the same seat (same sessionId); once the server's window is over,
 * the page says the session expired and offers to play again.
 */
import { describe, expect, it } from "vitest";
import { gameUnderTest, play } from "./browser.ts";

/** While the browser is offline, its reconnection attempts fail; Chromium logs each one. */
const OFFLINE_ERRORS = [/ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

const suite = gameUnderTest();

describe("reconnection", () => {
  it("resumes the same player after the network drops and comes back", async () => {
    await suite.withGame(async (game) => {
      const id = await play(game, "Linus");
      await game.context.setOffline(true);
      await game.until((h) => h.connection === "reconnecting", "the page to notice the drop");
      expect(await game.read((h) => h.message)).toMatch(/Reconnecting/);

      await game.context.setOffline(false);
      await game.until((h) => h.connection === "connected" && h.stats, "the page to reconnect", undefined, 30_000);
      expect(await game.read((h) => h.sessionId)).toBe(id);
    }, { expectedErrors: OFFLINE_ERRORS });
  });

  it("resumes the same seat after a page reload", async () => {
    await suite.withGame(async (game) => {
      const id = await play(game, "Margaret");
      await game.page.reload();
      const resumed = await game.until((h) => h.scene === "Game" && h.connection === "connected" && h.sessionId, "the reloaded page to resume its seat");
      expect(resumed).toBe(id);
    });
  });
});

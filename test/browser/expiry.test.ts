/**
 * After the server's reconnection window (RECONNECT_SECONDS, 1 s here) a
 * reloaded page cannot take its seat back: it says the session expired and
 * offers to play again, which joins as a new player.
 */
import { describe, expect, it } from "vitest";
import { waitForState } from "../../tools/wait.ts";
import { gameUnderTest, play } from "./browser.ts";

const suite = gameUnderTest({ RECONNECT_SECONDS: "1" });

describe("an expired session", () => {
  it("is reported on the title screen, and playing again joins as a new player", async () => {
    // The refused resume is an HTTP error response, which Chromium logs as a failed resource load.
    const game = await suite.open({ expectedErrors: [/Failed to load resource/] });
    const watcher = await suite.server.client().joinOrCreate("arena", { name: "Watcher" });
    try {
      const id = await play(game, "Barbara");
      await game.page.goto("about:blank"); // leave without consent: the server holds the seat for 1 s
      await waitForState(watcher, (s) => !s.players.has(id), 10_000, "the server to give the seat up");

      await game.page.goto(`${suite.server.endpoint}/`);
      await game.until((h) => h.scene === "Title" && h.connection === "expired", "the page to report the expired session");
      expect(await game.read((h) => h.message)).toMatch(/session expired/i);

      await game.page.keyboard.press("Enter");
      const again = await game.until((h) => h.scene === "Game" && h.connection === "connected" && h.sessionId, "playing again");
      expect(again).not.toBe(id);
      expect(game.errors).toEqual([]);
    } finally {
      await watcher.leave();
      await game.close();
    }
  });
});

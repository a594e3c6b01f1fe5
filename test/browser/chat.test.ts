/**
 * The chat panel in a real browser against a real server: two players talk
 * in the global channel and privately from the title screen (the recipient
 * of the private message gets a toast and an unread count), then in the
 * match channel of the arena they play in, where typing into the chat never
 * moves the player and Esc closes the chat instead of leaving the game.
 * A private message during the match raises a toast and an unread count. A
 * line sent while offline waits as pending and arrives once.
 * Pages are driven with real key presses and read through the panel's DOM
 * (data-chat attributes) and the debug hook; test-artifacts/chat-panel.png
 * is the picture in docs/.
 */
import { mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { gameUnderTest, play, type GamePage } from "./browser.ts";

/** Two chromium pages with software GL on a busy machine: opening them alone takes seconds. */
const TWO_PAGES_MS = 180_000;
/** How long one step may take while other browser specs share the two cores. */
const STEP_MS = 60_000;

const suite = gameUnderTest();

/** While a page is offline its joins and sockets fail; Chromium logs each one. */
const OFFLINE_ERRORS = [/ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

const panel = (game: GamePage, selector: string, hasText?: string) =>
  game.page.locator(`[data-chat="panel"] ${selector}`, hasText === undefined ? {} : { hasText });

/** Type `text` into the open panel's input with real key presses and send it with Enter. */
async function say(game: GamePage, text: string): Promise<void> {
  await panel(game, '[data-chat="input"]').click();
  await game.page.keyboard.type(text);
  await game.page.keyboard.press("Enter");
}

/** Until `text` is a stored (acknowledged) line of the visible conversation. */
async function shown(game: GamePage, text: string): Promise<void> {
  await panel(game, '[data-chat="line"][data-state="stored"]', text).waitFor({ timeout: STEP_MS });
}

/** Two pages on the title screen, signed in as Ada and Grace, each seeing the other in the global channel. */
async function twoPlayers(): Promise<[GamePage, GamePage]> {
  const [ada, grace] = await Promise.all([suite.open({ name: "Ada", expectedErrors: OFFLINE_ERRORS }), suite.open({ name: "Grace" })]);
  await panel(ada, '[data-chat="member"]', "Grace").waitFor({ timeout: STEP_MS });
  await panel(grace, '[data-chat="member"]', "Ada").waitFor({ timeout: STEP_MS });
  return [ada, grace];
}

describe("the chat panel", () => {
  it("carries a channel message and a private one between two pages, with a toast and an unread count for the recipient", async () => {
    const [ada, grace] = await twoPlayers();
    try {
      await say(ada, "hello <b>everyone</b>");
      await shown(grace, "hello <b>everyone</b>");
      await shown(ada, "hello <b>everyone</b>");
      // Text is text: the markup arrives as characters, and no element was made from it.
      expect(await panel(grace, '[data-chat="log"] b').count()).toBe(0);

      await panel(ada, '[data-chat="member"]', "Grace").click();
      await say(ada, "psst, over here");
      // The toast is the live notification the server raised for the direct message, with the message once its line is here.
      const toast = grace.page.locator('[data-chat="toast"]', { hasText: "Ada sent you a message" });
      await Promise.all([shown(ada, "psst, over here"), toast.filter({ hasText: "psst, over here" }).waitFor({ timeout: STEP_MS })]);
      const directChip = panel(grace, '[data-chat="conversation"][data-channel^="dm:"]');
      expect(await directChip.locator('[data-chat="unread"]').textContent()).toBe("1");

      await toast.click();
      await shown(grace, "psst, over here");
      expect(await directChip.locator('[data-chat="unread"]').count()).toBe(0);
      await say(grace, "hi Ada");
      await shown(ada, "hi Ada");

      expect(ada.errors).toEqual([]);
      expect(grace.errors).toEqual([]);
    } finally {
      await Promise.all([ada.close(), grace.close()]);
    }
  }, TWO_PAGES_MS);

  it("keeps a line sent while offline as pending, and delivers it once when the connection returns", async () => {
    const [ada, grace] = await twoPlayers();
    try {
      await ada.context.setOffline(true);
      await panel(ada, '[data-chat="conversation"][data-channel="global"].tfc-chip-off').waitFor({ timeout: STEP_MS });
      await say(ada, "sent from a tunnel");
      await panel(ada, '[data-chat="line"][data-state="pending"]', "sent from a tunnel").waitFor({ timeout: STEP_MS });

      await ada.context.setOffline(false);
      await shown(ada, "sent from a tunnel");
      await shown(grace, "sent from a tunnel");
      expect(await panel(grace, '[data-chat="line"]', "sent from a tunnel").count()).toBe(1);
      expect(await panel(ada, '[data-chat="line"]', "sent from a tunnel").count()).toBe(1);
      expect(grace.errors).toEqual([]);
    } finally {
      await Promise.all([ada.close(), grace.close()]);
    }
  }, TWO_PAGES_MS);

  it("talks in the match channel of the arena both play, and typing there neither moves the player nor leaves the game", async () => {
    const [ada, grace] = await twoPlayers();
    try {
      await play(ada, "");
      const roomId = await ada.read((h) => h.roomId);
      await play(grace, "");
      expect(await grace.read((h) => h.roomId)).toBe(roomId);
      // In a game the chat starts folded to its tab, covering nothing; Enter opens it on the match channel and focuses its input.
      for (const game of [ada, grace]) {
        await game.page.locator('[data-chat="tab"]').waitFor({ timeout: STEP_MS });
        await game.page.keyboard.press("Enter");
        await panel(game, `[data-chat="conversation"][data-channel="match:${roomId}"].tfc-chip-on`).waitFor({ timeout: STEP_MS });
        expect(await game.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.chat)).toBe("input");
      }

      const before = await ada.read((h) => ({ x: h.self!.x, y: h.self!.y }));
      await ada.page.keyboard.type("wasd wasd, good game");
      await ada.page.keyboard.press("Enter");
      await shown(grace, "wasd wasd, good game");
      await shown(ada, "wasd wasd, good game");
      expect(await ada.read((h) => ({ x: h.self!.x, y: h.self!.y }))).toEqual(before);

      await say(grace, "gg, again after this?");
      await shown(ada, "gg, again after this?");

      // A private message during the match: a toast and an unread count, the match channel stays on screen.
      await panel(grace, '[data-chat="member"]', "Ada").click();
      await say(grace, "rematch, just us?");
      await ada.page.locator('[data-chat="toast"]', { hasText: "Grace sent you a message" }).filter({ hasText: "rematch, just us?" }).waitFor({ timeout: STEP_MS });
      expect(await panel(ada, '[data-chat="conversation"][data-channel^="dm:"] [data-chat="unread"]').textContent()).toBe("1");

      await panel(grace, `[data-chat="conversation"][data-channel="match:${roomId}"]`).click();
      await panel(grace, '[data-chat="input"]').click();
      await grace.page.keyboard.type("nice sh");
      await panel(ada, '[data-chat="typing"]', "Grace is typing").waitFor({ timeout: STEP_MS });

      mkdirSync("test-artifacts", { recursive: true });
      await ada.page.screenshot({ path: "test-artifacts/chat-panel.png" });

      await ada.page.keyboard.press("Escape"); // closes the chat, stays in the game
      await ada.page.locator('[data-chat="tab"] .tfc-badge', { hasText: "1" }).waitFor({ timeout: STEP_MS });
      expect(await ada.read((h) => [h.scene, h.roomId])).toEqual(["Game", roomId]);

      expect(ada.errors).toEqual([]);
      expect(grace.errors).toEqual([]);
    } finally {
      await Promise.all([ada.close(), grace.close()]);
    }
  }, TWO_PAGES_MS);
});

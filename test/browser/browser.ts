/**
 * Browser test support: Debian's chromium driven by playwright-core, pages
 * that fail the test on page errors and console errors (warnings are fine:
 * software GL logs plenty), and helpers that read the game's debug hook
 * (`window.__tickforge`) instead of pixels.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { launchBrowser } from "../../tools/chromium.ts";
import { openGame, type GamePage, type OpenOptions } from "../../tools/game-page.ts";
import { startServer, type TestServer } from "../../tools/server.ts";

export { launchBrowser } from "../../tools/chromium.ts";
export { openGame, play, type GamePage, type Hook, type OpenOptions } from "../../tools/game-page.ts";

/** What a browser test file plays against: one real server and one chromium. */
export interface GameUnderTest {
  readonly server: TestServer;
  readonly browser: Browser;
  /** Open the game against this server (see openGame). */
  open(options?: OpenOptions): Promise<GamePage>;
  /** Open the game, play `scene` in it, fail on any page or console error it caused, and close it. */
  withGame(scene: (game: GamePage) => Promise<void>, options?: OpenOptions): Promise<void>;
}

/**
 * Start a real server (with `env`) and a chromium before the file's tests,
 * and stop both after them.
 */
export function gameUnderTest(env: Record<string, string> = {}): GameUnderTest {
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    [server, browser] = await Promise.all([startServer(env), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("gameUnderTest() is used before its beforeAll ran");
    return value;
  };
  const open = (options?: OpenOptions) => openGame(started(browser), started(server).endpoint, options);
  return {
    get server() { return started(server); },
    get browser() { return started(browser); },
    open,
    async withGame(scene, options) {
      const game = await open(options);
      try {
        await scene(game);
        expect(game.errors).toEqual([]);
      } finally {
        await game.close();
      }
    },
  };
}

/** Hold a key until the own player's authoritative position moved `units` along an axis. */
export async function holdUntilMoved(game: GamePage, key: string, axis: "x" | "y", units: number): Promise<void> {
  const from = await game.read((h, axis) => h.self![axis], axis);
  await game.page.keyboard.down(key);
  try {
    await game.until((h, [axis, from, units]) => Math.abs(h.self![axis] - from) >= units,
      `${key} to move the player ${units} units`, [axis, from, units] as const);
  } finally {
    await game.page.keyboard.up(key);
  }
}

/** Where the page draws a given player this frame. */
export function drawnPosition(game: GamePage, id: string): Promise<{ x: number; y: number } | undefined> {
  return game.read((h, id) => {
    const p = h.players.find((q) => q.id === id);
    return p ? { x: p.drawnX, y: p.drawnY } : undefined;
  }, id);
}

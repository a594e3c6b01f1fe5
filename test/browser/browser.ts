/**
 * Browser test support: Debian's chromium driven by playwright-core, pages
 * that fail the test on page errors and console errors (warnings are fine:
 * software GL logs plenty), and helpers that read the game's debug hook
 * (`window.__tickforge`) instead of pixels.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { DebugHook } from "../../game-client/src/game/debug.ts";
import { launchBrowser } from "../support/chromium.ts";
import { startServer, type TestServer } from "../support/server.ts";

export { launchBrowser } from "../support/chromium.ts";

export type Hook = DebugHook & { countColours(): Promise<number> };
declare global {
  interface Window { __tickforge: Hook }
}

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

type Truthy<T> = Exclude<T, undefined | null | false | "" | 0>;

export interface GamePage {
  context: BrowserContext;
  page: Page;
  /** Page errors and console errors seen so far; a test expects this to stay empty. */
  errors: string[];
  /** Run `fn` in the page with the debug hook and a JSON-serializable `arg` (it cannot close over test variables). */
  read<T, A = undefined>(fn: (hook: Hook, arg: A) => T, arg?: A): Promise<Awaited<T>>;
  /** Wait until `fn` returns something truthy in the page; returns it. */
  until<T, A = undefined>(fn: (hook: Hook, arg: A) => T, what: string, arg?: A, timeoutMs?: number): Promise<Truthy<T>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Query string for the page, e.g. "?latency=150". */
  query?: string;
  /** Console errors that this test provokes on purpose (e.g. connection refused while offline). */
  expectedErrors?: RegExp[];
  /** Trust any certificate (a spec's self-signed one). */
  ignoreHTTPSErrors?: boolean;
}

function call(fn: (...args: any[]) => unknown, arg: unknown): string {
  return `(${fn.toString()})(window.__tickforge, ${JSON.stringify(arg ?? null)})`;
}

/** Open the game in a fresh browser context (its own sessionStorage) and wait for the title screen. */
export async function openGame(browser: Browser, endpoint: string, options: OpenOptions = {}): Promise<GamePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: options.ignoreHTTPSErrors });
  const page = await context.newPage();
  const errors: string[] = [];
  const expected = options.expectedErrors ?? [];
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    if (!expected.some((re) => re.test(text))) errors.push(`console error: ${text}`);
  });
  const game: GamePage = {
    context,
    page,
    errors,
    read: (fn, arg) => page.evaluate(call(fn, arg)),
    until: async (fn, what, arg, timeoutMs = 15_000) => {
      try {
        const handle = await page.waitForFunction(call(fn, arg), undefined, { timeout: timeoutMs, polling: 50 });
        return (await handle.jsonValue()) as never;
      } catch (error) {
        throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Page errors so far: ${errors.join(" | ") || "none"}. ${(error as Error).message.split("\n")[0]}`);
      }
    },
    close: () => context.close(),
  };
  await page.goto(`${endpoint}/${options.query ?? ""}`);
  await game.until((h) => h?.scene === "Title", "the title screen");
  return game;
}

/** From the title screen: type a name, press Enter and wait until the own player is in the arena. */
export async function play(game: GamePage, name: string): Promise<string> {
  await game.page.keyboard.type(name);
  await game.page.keyboard.press("Enter");
  return game.until((h) => h.scene === "Game" && h.connection === "connected" && h.self && h.stats && h.sessionId, `${name} to join an arena`);
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

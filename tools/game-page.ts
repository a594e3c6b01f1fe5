/**
 * Driving the game page in chromium, for browser specs and tools that play
 * it (bench/measure-client.ts): pages that collect page and console errors
 * (warnings are fine: software GL logs plenty), and reads of the game's debug
 * hook (`window.__tickforge`) instead of pixels.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { DebugHook } from "../game-client/src/game/debug.ts";
import { NAME_KEY } from "../game-client/src/net/seat.ts";

export type Hook = DebugHook & { countColours(): Promise<number> };
declare global {
  interface Window { __tickforge: Hook }
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
  /** The player's name kept from an earlier visit, so the guest identity (and chat) signs in with it. */
  name?: string;
}

function call(fn: (...args: any[]) => unknown, arg: unknown): string {
  return `(${fn.toString()})(window.__tickforge, ${JSON.stringify(arg ?? null)})`;
}

/** Open the game in a fresh browser context (its own sessionStorage) and wait for the title screen. */
export async function openGame(browser: Browser, endpoint: string, options: OpenOptions = {}): Promise<GamePage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ignoreHTTPSErrors: options.ignoreHTTPSErrors });
  if (options.name !== undefined) await context.addInitScript(([key, name]) => localStorage.setItem(key, name), [NAME_KEY, options.name]);
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

/**
 * From the title screen: type a name, pick the room type's tab (Tab), press
 * Enter and wait until the player is in a room of that type with its play
 * scene up (a play scene sets the debug hook's `scene` to "Game"). In the
 * arena, also until its own player and prediction are there.
 */
export async function play(game: GamePage, name: string, roomType = "arena"): Promise<string> {
  await game.until((h, type) => h.roomTypes.some((t) => t.name === type) && h.selectedRoomType, `the title to offer ${roomType}`, roomType);
  await game.page.keyboard.type(name);
  for (let i = 0; i < 16 && await game.read((h) => h.selectedRoomType) !== roomType; i++) await game.page.keyboard.press("Tab");
  await game.page.keyboard.press("Enter");
  const arena = roomType === "arena";
  return game.until((h, [type, arena]) => h.scene === "Game" && h.roomType === type && h.connection === "connected" && (!arena || (h.self && h.stats)) && h.sessionId,
    `${name} to join a ${roomType} room`, [roomType, arena] as const);
}

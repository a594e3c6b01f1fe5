/**
 * Debian's chromium, driven by playwright-core: the one launch configuration
 * for browser specs and for tools that render a page (bench/measure-client.ts,
 * bench/screenshot.ts). `npx playwright install` cannot download here, so
 * the binary comes from `apt-get install chromium` (.ci/run does it).
 */
import { chromium, type Browser } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
  "--disable-component-update", "--no-first-run",
  // A hidden or occluded page must keep its frame rate: the tests count frames.
  "--disable-background-timer-throttling", "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * npx node bench/screenshot.ts <report.html> [--out <file.png>]
 *
 * Open a loadtest HTML report in headless chromium, wait until every chart has
 * drawn, and save the page as a PNG (docs/loadtest-report.png is made this
 * way). Fails if the page logs an error or a chart is missing.
 */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "commander";
import { launchBrowser } from "../tools/chromium.ts";

/** The charts every report draws (loadtest/report.ts). */
export const REPORT_CHARTS = ["ack", "ccu", "bytes", "tick", "cpu"] as const;

/** Render `htmlFile` and save a full-page screenshot to `pngFile`; returns the page's errors (none on success). */
export async function screenshotReport(htmlFile: string, pngFile: string): Promise<{ errors: string[] }> {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on("pageerror", (error) => errors.push(error.message));
    page.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
    await page.goto(pathToFileURL(resolve(htmlFile)).href);
    // uPlot draws each chart into a canvas inside its card.
    await page.waitForFunction((ids) => ids.every((id) => document.querySelector(`#${id} canvas`)), [...REPORT_CHARTS], { timeout: 10_000 });
    await page.screenshot({ path: pngFile, fullPage: true });
    return { errors };
  } finally {
    await browser.close();
  }
}

if (import.meta.main) {
  const cmd = new Command("screenshot")
    .description("Render a loadtest HTML report in headless chromium and save it as a PNG.")
    .argument("<report.html>", "the report to render")
    .option("-o, --out <file.png>", "where to save the picture", "loadtest-report.png")
    .parse();
  const [html] = cmd.args;
  const { out } = cmd.opts<{ out: string }>();
  const { errors } = await screenshotReport(html, out);
  if (errors.length > 0) {
    console.error(`The report logged errors in chromium:\n${errors.join("\n")}`);
    process.exit(1);
  }
  console.log(`Saved ${out}`);
}

/** The fleet paces by what the room advertises: bots against a 60 Hz server step every 16.7 ms, not at a copied 30 Hz. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../tools/process.ts";
import { startServer, type TestServer } from "../tools/server.ts";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));
const TICK_RATE = 60;

let server: TestServer;
let out: string;
beforeAll(async () => {
  server = await startServer({ TICK_RATE: String(TICK_RATE) });
  out = mkdtempSync(join(tmpdir(), "tickforge-loadtest-"));
});
afterAll(async () => {
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("the bot fleet's pace", () => {
  it("steps its bots at the server's TICK_RATE", async () => {
    const run = await runTool(CLI, [
      "--endpoint", server.endpoint, "--room", "arena", "--behaviour", "move",
      "--bots", "2", "--ramp", "0", "--duration", "5", "--workers", "1", "--out", out, "--name", "pace", "--quiet",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { figures } = JSON.parse(readFileSync(join(out, "pace.json"), "utf8"));
    expect(figures.bot_step_ms).toBeCloseTo(1000 / TICK_RATE, 1);
    // How many of those steps a busy host lets the bots keep varies: the pace, not the count, is the server's.
    expect(figures.inputs_sent).toBeGreaterThan(0);
  }, 60_000);
});

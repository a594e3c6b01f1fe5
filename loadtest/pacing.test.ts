/** The fleet paces by what the room advertises: bots against a 60 Hz server send 60 inputs a second, not a copied 30. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../tools/process.ts";
import { startServer, type TestServer } from "../test/support/server.ts";

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
  it("sends one input per step at the server's TICK_RATE", async () => {
    const run = await runTool(CLI, [
      "--endpoint", server.endpoint, "--room", "arena", "--behaviour", "move",
      "--bots", "2", "--ramp", "0", "--duration", "5", "--workers", "1", "--out", out, "--name", "pace", "--quiet",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const { figures } = JSON.parse(readFileSync(join(out, "pace.json"), "utf8"));
    // Inputs are nearly all a move bot sends (a ping every 2 s besides).
    expect(figures.messages_out_per_client_s).toBeGreaterThan(TICK_RATE * 0.85);
    expect(figures.messages_out_per_client_s).toBeLessThan(TICK_RATE * 1.1);
  }, 60_000);
});

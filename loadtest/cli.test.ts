import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../tools/process.ts";
import { startServer, type TestServer } from "../tools/server.ts";
import { FIGURE_NAMES } from "./cli.ts";
import { screenshotReport } from "../bench/screenshot.ts";

const CLI = fileURLToPath(new URL("./cli.ts", import.meta.url));

const loadtest = (args: string[]) => runTool(CLI, args);

// One server for the file: Colyseus's matchmaker is one per process and is not restarted after a shutdown.
let server: TestServer;
let out: string;
beforeAll(async () => {
  server = await startServer();
  out = mkdtempSync(join(tmpdir(), "tickforge-loadtest-"));
});
afterAll(async () => {
  await server?.close();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe("the loadtest CLI against a real server", () => {
  it("a short run reports every figure and writes the JSON and the HTML report", async () => {
    const run = await loadtest([
      "--endpoint", server.endpoint, "--room", "arena", "--behaviour", "play",
      "--bots", "6", "--ramp", "1", "--duration", "7", "--workers", "2",
      "--latency", "5", "--jitter", "5", "--loss", "1",
      "--out", out, "--name", "short", "--quiet",
      "--assert", "join_ok>=6,join_failed=0,ack_count>0",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    const report = JSON.parse(readFileSync(join(out, "short.json"), "utf8"));
    for (const name of FIGURE_NAMES) expect(report.figures, `figure ${name}`).toHaveProperty(name);
    expect(report.figures.join_ok).toBeGreaterThanOrEqual(6);
    expect(report.figures.ack_p99_ms).toBeGreaterThan(0);
    expect(report.figures.bytes_in_per_client_s).toBeGreaterThan(0);
    expect(report.figures.patch_interval_p50_ms).toBeGreaterThan(0);
    expect(report.figures.server_tick_p99_ms_arena).toBeGreaterThan(0);
    expect(report.figures.server_cpu_ms_per_ccu_s).toBeGreaterThan(0);
    expect(report.figures.bot_cpu_ms_per_bot_s).toBeGreaterThan(0);
    expect(report.series.length).toBeGreaterThanOrEqual(5);
    expect(report.assertions.every((a: { passed: boolean }) => a.passed)).toBe(true);

    const html = readFileSync(join(out, "short.html"), "utf8");
    expect(html).toContain("uPlot");
    expect(html).not.toMatch(/<script[^>]+src=/); // self-contained: nothing fetched
    for (const chart of ["ack", "ccu", "bytes", "tick"]) expect(html).toContain(`id="${chart}"`);
    expect(run.stdout).toContain("ack_p99_ms");

    // A person opens it in a browser: every chart draws, with no page errors.
    const { errors } = await screenshotReport(join(out, "short.html"), "test-artifacts/loadtest-report.png");
    expect(errors).toEqual([]);
  }, 60_000);

  it("exits non-zero when an --assert threshold fails", async () => {
    const run = await loadtest([
      "--endpoint", server.endpoint, "--bots", "2", "--ramp", "0", "--duration", "3",
      "--out", out, "--name", "failing", "--quiet", "--assert", "ack_p99_ms<0.001",
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+ack_p99_ms<0\.001/);
    expect(existsSync(join(out, "failing.json"))).toBe(true);
  }, 30_000);

  it("refuses an assertion on a figure it cannot measure, before starting any bot", async () => {
    const run = await loadtest(["--endpoint", server.endpoint, "--assert", "happiness>3"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown figure "happiness"');
  });

  it("says which server it could not reach", async () => {
    const run = await loadtest(["--endpoint", "http://127.0.0.1:9", "--bots", "1", "--ramp", "0", "--duration", "2", "--quiet"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("http://127.0.0.1:9/metrics");
  });
});

describe("session behaviours against a real server", () => {
  it("a reconnect storm cuts sockets without a close frame and the bots win their seats back", async () => {
    const run = await loadtest([
      "--endpoint", server.endpoint, "--behaviour", "storm", "--storm-every", "7",
      "--bots", "4", "--ramp", "0", "--duration", "11", "--out", out, "--name", "storm", "--quiet",
      "--assert", "disconnects_1006>=4,resume_ok>=4,resume_failed=0,resume_p99_ms>0",
    ]);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.code).toBe(0);
  }, 30_000);

  it("churning bots leave on purpose and join again", async () => {
    const run = await loadtest([
      "--endpoint", server.endpoint, "--behaviour", "churn",
      "--bots", "4", "--ramp", "0", "--duration", "12", "--out", out, "--name", "churn", "--quiet",
      "--assert", "disconnects_4000>=4,join_ok>=8,join_failed=0",
    ]);
    expect(run.stdout).not.toContain("FAIL");
    expect(run.code).toBe(0);
  }, 30_000);
});

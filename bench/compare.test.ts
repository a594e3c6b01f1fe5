import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runTool } from "../tools/process.ts";
import type { Comparison } from "./compare.ts";

const COMPARE = fileURLToPath(new URL("./compare.ts", import.meta.url));
const out = mkdtempSync(join(tmpdir(), "tickforge-compare-test-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

const compare = (args: string[]) => runTool(COMPARE, args);

// Two servers start one after the other, then 5 s of settling and 3 of measuring:
// about 12 s on a quiet host, and past 30 s beside the rest of the suite on two cores.
const TWO_SERVERS_AND_A_RUN_MS = 120_000;

describe("npm run compare", () => {
  it("measures this checkout's server and another commit's side by side, each with the players asked for", async () => {
    const run = await compare(["--base", "HEAD", "--players", "16", "--hold", "3", "--runs", "1", "--out", out]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [file] = readdirSync(out).filter((f) => f.startsWith("compare-"));
    const result = JSON.parse(readFileSync(join(out, file), "utf8")) as Comparison;
    expect(result.runs).toHaveLength(1);
    const [only] = result.runs;
    expect(only.ours.ccu).toBe(16);
    expect(only.base.ccu).toBe(16);
    expect(only.ours.cpuMsPerCcuS).toBeGreaterThan(0);
    expect(only.base.cpuMsPerCcuS).toBeGreaterThan(0);
    expect(only.oursOverBase).toBeCloseTo(only.ours.cpuMsPerCcuS / only.base.cpuMsPerCcuS, 6);
    expect(run.stdout).toMatch(/This checkout over the base: median \d+\.\d{3}/);
  }, TWO_SERVERS_AND_A_RUN_MS);

  it("measures this checkout's server against stock Colyseus side by side, each with the players asked for", async () => {
    const stockOut = mkdtempSync(join(out, "stock-"));
    const run = await compare(["--base", "stock", "--players", "16", "--hold", "3", "--runs", "1", "--out", stockOut]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [file] = readdirSync(stockOut);
    const result = JSON.parse(readFileSync(join(stockOut, file), "utf8")) as Comparison;
    const [only] = result.runs;
    expect(result.baseCommit).toMatch(/^stock Colyseus/);
    expect(only.ours.ccu).toBe(16);
    expect(only.base.ccu).toBe(16);
    expect(only.base.cpuMsPerCcuS).toBeGreaterThan(0);
    // Both fleets' CPU over the same seconds: our bots and the stock SDK clients.
    expect(only.bots!.ours).toBeGreaterThan(0);
    expect(only.bots!.base).toBeGreaterThan(0);
    expect(only.bots!.oursOverBase).toBeCloseTo(only.bots!.ours / only.bots!.base, 6);
    expect(run.stdout).toMatch(/against stock Colyseus with stock SDK clients/);
    expect(run.stdout).toMatch(/Our bots over the stock SDK clients: median \d+\.\d{3}/);
  }, TWO_SERVERS_AND_A_RUN_MS);

  it("measures the stock room on this checkout's packages against the same room on npm's, side by side", async () => {
    const roomsOut = mkdtempSync(join(out, "stock-room-"));
    const run = await compare(["--base", "stock", "--ours", "stock-room", "--players", "16", "--hold", "3", "--runs", "1", "--out", roomsOut]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const [file] = readdirSync(roomsOut);
    const result = JSON.parse(readFileSync(join(roomsOut, file), "utf8")) as Comparison;
    const [only] = result.runs;
    expect(result.ours).toBe("stock-room");
    expect(only.ours.ccu).toBe(16);
    expect(only.base.ccu).toBe(16);
    expect(only.oursOverBase).toBeCloseTo(only.ours.cpuMsPerCcuS / only.base.cpuMsPerCcuS, 6);
    expect(only.bots!.oursOverBase).toBeCloseTo(only.bots!.ours / only.bots!.base, 6);
    expect(run.stdout).toMatch(/The stock room on our packages over npm's: median \d+\.\d{3}/);
  }, TWO_SERVERS_AND_A_RUN_MS);

  it("refuses --ours stock-room against anything but stock", async () => {
    const run = await compare(["--base", "HEAD", "--ours", "stock-room", "--runs", "1", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--ours stock-room runs the stock room on this checkout's packages against the same room on npm's; it takes --base stock/);
  });

  it("refuses --base stock with a behaviour the stock room does not have", async () => {
    const run = await compare(["--base", "stock", "--behaviour", "play", "--runs", "1", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/the stock room has move-only rules; --base stock takes --behaviour move/);
  });

  it("refuses a base that is not a commit, saying what to pass instead", async () => {
    const run = await compare(["--base", "no-such-ref-anywhere", "--players", "16", "--runs", "1", "--out", out]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/"no-such-ref-anywhere" is not a commit in this repository \(try HEAD~1/);
  });
});

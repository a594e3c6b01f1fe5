/**
 * `npm run loadtest` against a cluster: three processes on a private Redis,
 * the bots given only the first one's address. The tester finds the others
 * through GET /metrics/targets and reports the cluster, not the entry process.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runTool } from "../../tools/process.ts";
import { killAll, startProcesses, startRedis, waitForPeers, type GameProcess } from "./support.ts";

const CLI = fileURLToPath(new URL("../../loadtest/cli.ts", import.meta.url));

let cluster: GameProcess[];
let out: string;

beforeAll(async () => {
  const redis = await startRedis();
  cluster = await startProcesses(3, redis.url);
  await waitForPeers(cluster, redis.port);
  out = mkdtempSync(join(tmpdir(), "tickforge-cluster-loadtest-"));
});

afterAll(() => {
  killAll();
  if (out) rmSync(out, { recursive: true, force: true });
});

function report(name: string) {
  return JSON.parse(readFileSync(join(out, `${name}.json`), "utf8"));
}

describe("a loadtest through one entry port of a three-process cluster", () => {
  it("scrapes every process, adds up their players, and never reports negative memory", async () => {
    // 20 arena players fill one room of 16 and open a second, which placement puts on another process.
    const run = await runTool(CLI, [
      "--endpoint", cluster[0].endpoint, "--room", "arena", "--behaviour", "move",
      "--bots", "20", "--ramp", "1", "--duration", "8", "--workers", "1",
      "--out", out, "--name", "entry", "--quiet", "--assert", "join_ok>=20,join_failed=0",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);

    const { figures, processes, series } = report("entry");
    expect(processes.map((p: { processId: string }) => p.processId).sort()).toEqual(cluster.map((p) => p.processId).sort());
    expect(figures.server_processes).toBe(3);
    // Every bot is counted wherever its room is: the last second's CCU, summed over processes, is the fleet.
    expect(series.at(-1).ccu).toBe(20);
    expect(processes.filter((p: { ccu: number }) => p.ccu > 0).length).toBeGreaterThanOrEqual(2);
    expect(figures.server_rss_per_connection_kb).toBeGreaterThanOrEqual(0);
    expect(run.stdout).not.toMatch(/RSS per connection \(KB\)\s*│\s*-/);
  }, 60_000);
});

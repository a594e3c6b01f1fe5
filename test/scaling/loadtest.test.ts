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
      "--out", out, "--name", "entry", "--quiet", "--assert", "join_ok>=20",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);

    const { figures, processes, series } = report("entry");
    expect(processes.map((p: { processId: string }) => p.processId).sort()).toEqual(cluster.map((p) => p.processId).sort());
    expect(figures.server_processes).toBe(3);
    // Every bot is counted wherever its room is: the last second's CCU, summed over processes, is the fleet.
    expect(series.at(-1).ccu).toBe(20);
    expect(processes.filter((p: { ccu: number }) => p.ccu > 0).length).toBeGreaterThanOrEqual(2);
    expect(figures.server_rss_per_connection_kb).toBeGreaterThanOrEqual(0);
    expect(run.stdout).not.toMatch(/RSS per connection \(KB\)\s*│\s*-/);
  }, 60_000);

  // Last in the file: it takes a process away from the cluster the tests share.
  it("--kill-at SIGKILLs the busiest process mid-run, and every player it held resumes its seat or joins anew", async () => {
    const run = await runTool(CLI, [
      "--endpoint", cluster[0].endpoint, "--room", "arena", "--behaviour", "move",
      "--bots", "20", "--ramp", "1", "--duration", "20", "--kill-at", "6", "--workers", "1",
      "--out", out, "--name", "kill", "--quiet",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code, run.stdout).toBe(0);

    const { figures, faults, notes } = report("kill");
    expect(notes.filter((n: string) => n.startsWith("A fault was not injected"))).toEqual([]);
    expect(faults).toHaveLength(1);
    const [kill] = faults;
    expect(kill.kind).toBe("killed");
    expect(cluster.map((p) => p.processId)).toContain(kill.processId);
    expect(kill.players).toBeGreaterThan(0);
    const victim = cluster.find((p) => p.processId === kill.processId)!;
    expect((await victim.exited).signal).toBe("SIGKILL");
    // Each of its players lost its socket and either got its seat back or had to join anew: none is unaccounted for.
    expect(figures.resume_ok + figures.resume_failed).toBeGreaterThanOrEqual(kill.players);
    expect(figures.server_processes).toBe(2);
    expect(figures.server_processes_seen).toBe(3);
  }, 90_000);
});

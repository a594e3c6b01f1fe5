/**
 * npm run fuzz -- --frames 1000000 [--seed N] [--lanes 10] [--batch 500] [--health-ms 1000]
 *
 * Fuzzes every frame type a client can send against a real server process,
 * with a victim playing in the attacked room (test/fuzz/fuzz.ts). Prints a
 * progress line while it runs and a summary table at the end. Exit code: 0
 * when it found nothing, 1 when it found something, 2 when it could not run.
 */
import { fileURLToPath } from "node:url";
import Table from "cli-table3";
import { Command, Option } from "commander";
import { int } from "../../tools/args.ts";
import { describeFindings, fuzz, mb, stillOpen, type FuzzReport } from "./fuzz.ts";

export function program(): Command {
  return new Command("fuzz")
    .description("Fuzz the wire protocol of a real Tickforge server process, with a victim in the attacked room.")
    .option("--frames <n>", "frames to send", int("--frames", 1), 100_000)
    .option("--seed <n>", "seed of the run (default: a random one, printed)", int("--seed", 0, 2 ** 31 - 1))
    .option("--lanes <n>", "attackers at a time, each on its own seat in the victim's room", int("--lanes", 1, 15), 10)
    .option("--batch <n>", "frames between /health checks", int("--batch", 1), 500)
    .option("--health-ms <ms>", "bound on /health's answer after each batch", int("--health-ms", 1), 1000)
    .addOption(new Option("--profile <name>", "full: every strategy's frames; deep: mostly frames that pass the frame check and reach Colyseus's decoders").choices(["full", "deep"]).default("full"))
    .option("--minutes <m>", "stop after this many minutes, and report the frames sent by then", int("--minutes", 1))
    .option("--server-root <dir>", "run the server from another checkout (an older commit, a build on stock packages) to see what the fuzzer finds there")
    .option("--no-minimize", "report a crash or hang with its batch only, without replaying it down to one shrunk frame");
}

export function summaryTable(report: FuzzReport): string {
  const seconds = report.durationMs / 1000;
  const table = new Table({ head: ["figure", "value"] });
  const types = [...report.byType].sort(([a], [b]) => a.localeCompare(b));
  table.push(
    ["seed, profile", `${report.seed}, ${report.profile}`],
    ["frames sent", `${report.sent} of ${report.requested} in ${seconds.toFixed(0)} s (${Math.round(report.sent / seconds)}/s)`],
    ...types.map(([type, n]) => [`  ${type}`, String(n)]),
    ["by strategy", [...report.byStrategy].map(([s, n]) => `${s} ${n}`).join(", ")],
    ["frames read with the socket kept open", String(report.accepted)],
    ["attacker seats taken", String(report.seats)],
    ["attacker sockets closed, by code", [...report.closes].sort(([a], [b]) => a - b).map(([code, n]) => `${code}: ${n}`).join(", ")],
    ["attacker sockets still open at the end", String(stillOpen(report))],
    ["crashes", String(report.crashes)],
    ["hangs", String(report.hangs)],
    ["victim's worst patch rate, received", report.worstPatchRate === undefined ? "no whole second measured" : `${report.worstPatchRate} patches/s (over ${report.patchSeconds} s, by this process's clock)`],
    ["victim's worst patch rate, sent", report.worstServerPatchRate === undefined ? "no whole second measured" : `${report.worstServerPatchRate} patches/s (by the room's clock)`],
    ["slowest /health after a batch", `${report.slowestHealthMs.toFixed(0)} ms`],
    ["server RSS before → after", `${mb(report.rssBefore)} → ${mb(report.rssAfter)} MB`],
    ["log bytes written", `${report.logBytes} (${Math.round(report.logBytes / seconds)}/s)`],
    ["findings", report.findings.length ? report.findings.map((f) => f.kind).join(", ") : "none"],
  );
  return table.toString();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const options = program().parse().opts<{ frames: number; seed?: number; lanes: number; batch: number; healthMs: number; minimize: boolean; profile: "full" | "deep"; serverRoot?: string; minutes?: number }>();
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  process.stderr.write(`fuzz: ${options.frames} frames (${options.profile}), seed ${seed} (replay with --seed ${seed} --profile ${options.profile})\n`);
  try {
    const report = await fuzz({
      frames: options.frames, seed, lanes: options.lanes, batch: options.batch, healthBoundMs: options.healthMs, minimize: options.minimize, profile: options.profile, serverRoot: options.serverRoot, maxMs: options.minutes ? options.minutes * 60_000 : undefined,
      onProgress: (p) => {
        const rate = p.sent / (p.elapsedMs / 1000);
        const eta = (p.total - p.sent) / rate;
        process.stderr.write(`\r${p.sent}/${p.total} frames, ${Math.round(rate)}/s, ${p.closed} attackers closed, worst victim rate ${p.worstPatchRate ?? "–"}/s, findings ${p.findings}, ${Math.round(eta)} s left   `);
      },
    });
    process.stderr.write("\n");
    console.log(summaryTable(report));
    for (const line of describeFindings(report)) console.log(line);
    process.exitCode = report.findings.length ? 1 : 0;
  } catch (error) {
    console.error(`\nfuzz could not run (seed ${seed}): ${(error as Error).stack}`);
    process.exitCode = 2;
  }
}

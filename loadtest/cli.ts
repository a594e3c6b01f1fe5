/**
 * npm run loadtest -- --endpoint http://127.0.0.1:2567 --room arena --bots 500 --ramp 10 --duration 60 --workers 2
 *
 * Runs a bot fleet against one or more Tickforge processes and reports what
 * players feel and what the server pays. Exit code: 0 when every --assert
 * holds, 1 when one fails, 2 when the run could not be made.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError, Option } from "commander";
import { AssertionSyntaxError, checkFigureNames, judge, parseAssertions, type Assertion } from "./assertions.ts";
import { int, num } from "../tools/args.ts";
import { behavioursOf } from "./behaviour.ts";
import { RunError, runLoad } from "./coordinator.ts";
import { buildReport } from "./figures.ts";
import { finalTable, htmlReport, progressLine } from "./report.ts";
import { linearRamp } from "./schedule.ts";
import { checkLinkSettings, type LinkSettings } from "../shared/link.ts";

/** Every figure a run can report; --assert is checked against these before the run starts. */
export const FIGURE_NAMES = [
  "duration_s", "bots_peak", "ccu_peak",
  "join_ok", "join_failed", "join_p50_ms", "join_p95_ms", "join_p99_ms", "join_max_ms",
  "ack_count", "ack_p50_ms", "ack_p95_ms", "ack_p99_ms", "ack_max_ms", "input_backlog_p50", "input_backlog_p99", "inputs_sent", "inputs_acked", "bot_step_ms",
  "patch_interval_p50_ms", "patch_interval_p99_ms", "patch_jitter_p50_ms", "patch_jitter_p95_ms", "patch_jitter_p99_ms",
  "bytes_in_per_client_s", "bytes_out_per_client_s", "messages_in_per_client_s", "messages_out_per_client_s",
  "disconnects_total",
  "resume_ok", "resume_failed", "resumed_percent", "resume_p50_ms", "resume_p99_ms", "resume_max_ms",
  "interruption_p50_ms", "interruption_p99_ms", "interruption_max_ms",
  "fault_players_hit", "restart_replaced", "restart_not_replaced", "restart_replacement_max_s",
  "bot_cpu_ms_per_bot_s", "bot_cpu_percent",
  "server_processes", "server_processes_seen", "server_tick_p99_ms", "server_event_loop_p99_ms", "server_cpu_percent", "server_cpu_ms_per_ccu_s", "server_rss_mb", "server_rss_per_connection_kb",
] as const;

/** A commander parser for a whole-number option in [min, max], with an error that names the option. */
function endpoint(value: string, previous: string[] | undefined): string[] {
  let url: URL;
  try { url = new URL(value); } catch { throw new InvalidArgumentError(`"${value}" is not a URL; write it like http://127.0.0.1:2567.`); }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new InvalidArgumentError(`Endpoints are the server's HTTP address (http:// or https://); got "${value}".`);
  return [...(previous ?? []), url.origin];
}

/** A commander collector for `--param key=value`, repeatable. */
function param(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const at = value.indexOf("=");
  if (at <= 0) throw new InvalidArgumentError(`"${value}" is not key=value; write it like --param channel-size=10.`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

export function program(): Command {
  const behaviours = "named by the room type's rooms/<type>/bots.ts; default its first (the arena's: play, move, churn, storm)";
  return new Command("loadtest")
    .description("Play a fleet of bots against Tickforge servers and report what players feel and what the server pays.")
    .option("-e, --endpoint <url>", "server HTTP address; repeat to spread bots over several processes", endpoint)
    .option("--metrics <url>", "a process to ask for the cluster's processes (GET /metrics/targets) when --endpoint is a proxy that refuses /metrics; repeatable", endpoint)
    .option("-r, --room <type>", "room type to join (default: the first in rooms/index.ts)")
    .addOption(new Option("-b, --behaviour <name>", `how bots play (${behaviours})`))
    .option("-n, --bots <count>", "bots at the top of the ramp", int("--bots", 1, 100_000), 32)
    .option("--ramp <seconds>", "seconds over which the bots join, evenly", num("--ramp", 0, 3600), 5)
    .option("-d, --duration <seconds>", "length of the whole run, ramp included", num("--duration", 1, 86_400), 30)
    .option("-w, --workers <count>", "bot worker processes (default: one per 400 bots, at most one per core)", int("--workers", 1, 256))
    .option("--latency <ms>", "added round-trip latency per bot, half each way (the browser's link conditioner)", num("--latency", 0, 2000), 0)
    .option("--jitter <ms>", "round-trip jitter: each direction's delay varies by ±jitter/2", num("--jitter", 0, 500), 0)
    .option("--loss <percent>", "packet loss, delivered as TCP does: an in-order stall for a retransmission, never a missing message", num("--loss", 0, 50), 0)
    .option("--per-room <count>", "bots per room, for behaviours that choose their room (a board's editors)", int("--per-room", 1, 10_000), 5)
    .option("--rooms <count>", "rooms to fill, for behaviours that choose their room: --bots becomes rooms × --per-room", int("--rooms", 1, 100_000))
    .option("--storm-every <seconds>", "for the storm behaviour: seconds between waves of dropped sockets", num("--storm-every", 1, 3600), 10)
    .option("--storm-fraction <share>", "for the storm behaviour: the share of bots (0–1) whose socket each wave drops", num("--storm-fraction", 0, 1), 1)
    .option("--param <key=value>", "a parameter of the room type's behaviour (repeatable), e.g. chat's channel-size=10", param)
    .option("--kill-at <seconds>", "SIGKILL the process holding the most players this many seconds into the run (processes on this host only)", num("--kill-at", 0, 86_400))
    .option("--restart-at <seconds>", "from this many seconds into the run, SIGTERM every process in turn, each once the one before is replaced at its address (a rolling deploy; the supervisor restarts them: npm run cluster)", num("--restart-at", 0, 86_400))
    .option("--restart-wait <seconds>", "how long a rolling restart waits for a stopped process's replacement before going on", num("--restart-wait", 1, 3600), 60)
    .option("--assert <clauses>", 'thresholds that set the exit code, e.g. "ack_p99_ms<100,join_failed=0"')
    .option("-o, --out <dir>", "directory for the JSON and HTML reports", "loadtest-reports")
    .option("--name <name>", "file name (without extension) for the reports; default: loadtest-<room>-<time>")
    .option("-q, --quiet", "no live progress line")
    .addHelpText("after", `
Figures (names usable in --assert): ${FIGURE_NAMES.join(", ")}, disconnects_<close code>, server_tick_p99_ms_<room type>.

Examples:
  npm run loadtest -- --bots 64 --duration 20
  npm run loadtest -- --endpoint http://127.0.0.1:2567 --room arena --bots 500 --ramp 10 --duration 60 --workers 2
  npm run loadtest -- --room board --rooms 20 --per-room 5 --duration 60
  npm run loadtest -- --endpoint http://127.0.0.1:2567 --bots 480 --ramp 20 --duration 90 --kill-at 40 --assert "resume_failed=0"
  npm run loadtest -- --behaviour storm --bots 48 --latency 40 --jitter 20 --loss 1 --assert "resume_failed=0"
  npm run loadtest -- --room chat --bots 200 --param channel-size=10 --param rate=0.2 --assert "chat_lost=0,chat_duplicated=0"`);
}

export async function main(argv: string[]): Promise<number> {
  const cmd = program();
  cmd.exitOverride();
  try {
    cmd.parse(argv, { from: "user" });
  } catch (error) {
    const code = (error as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2; // --help and --version exit 0
  }
  const o = cmd.opts();
  const endpoints: string[] = o.endpoint ?? ["http://127.0.0.1:2567"];
  let assertions: Assertion[] = [];
  let link: LinkSettings;
  try {
    link = checkLinkSettings({ latencyMs: o.latency, jitterMs: o.jitter, lossPercent: o.loss });
    o.room ??= (await import("../rooms/index.ts")).roomTypes[0].name;
    const known = await behavioursOf(o.room).catch((error: Error) => { throw new AssertionSyntaxError(error.message); });
    o.behaviour ??= Object.keys(known)[0];
    if (!known[o.behaviour]) throw new AssertionSyntaxError(`No behaviour "${o.behaviour}" for ${o.room}. Known: ${Object.keys(known).join(", ")}.`);
    if (o.rooms !== undefined) {
      if (cmd.getOptionValueSource("bots") !== "default") throw new AssertionSyntaxError("Give --rooms (with --per-room) or --bots, not both.");
      o.bots = o.rooms * o.perRoom;
    }
    if (o.ramp >= o.duration) throw new AssertionSyntaxError(`--ramp (${o.ramp} s) must be shorter than --duration (${o.duration} s), or no bot plays at full strength.`);
    known[o.behaviour].checkParams?.(o.param ?? {});
    if (o.assert) {
      assertions = parseAssertions(o.assert);
      checkFigureNames(assertions, [...FIGURE_NAMES, ...Object.keys(known[o.behaviour].figures ?? {})]);
    }
  } catch (error) {
    console.error(`loadtest: ${(error as Error).message}`);
    return 2;
  }
  const workers: number = o.workers ?? Math.max(1, Math.min(availableParallelism(), Math.ceil(o.bots / 400)));
  const config = {
    endpoints, metricsFrom: o.metrics, roomName: o.room, behaviour: o.behaviour, bots: o.bots, rampSeconds: o.ramp, durationSeconds: o.duration, workers,
    link,
    stormEverySeconds: o.stormEvery,
    perRoom: o.perRoom,
    stormFraction: o.stormFraction,
    params: o.param ?? {},
    faults: { killAt: o.killAt, restartAt: o.restartAt, restartWaitSeconds: o.restartWait },
  };

  const live = !o.quiet;
  const tty = process.stderr.isTTY;
  const startedAt = new Date();
  let run;
  try {
    run = await runLoad({
      ...config,
      schedule: linearRamp(o.bots, o.ramp),
      onSecond: (point) => {
        if (!live) return;
        const line = progressLine(point, o.bots);
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (point.t % 5 === 0) process.stderr.write(`${line}\n`);
      },
    });
  } catch (error) {
    if (tty && live) process.stderr.write("\n");
    console.error(`loadtest: ${error instanceof RunError ? error.message : (error as Error).stack}`);
    return 2;
  }
  if (tty && live) process.stderr.write("\n");

  const report = buildReport(run, config, startedAt);
  const verdicts = judge(assertions, report.figures);
  const name = o.name ?? `loadtest-${o.room}-${startedAt.toISOString().replace(/[:.]/g, "-")}`;
  const jsonPath = resolve(o.out, `${name}.json`);
  const htmlPath = join(dirname(jsonPath), `${name}.html`);
  mkdirSync(dirname(jsonPath), { recursive: true });
  writeFileSync(jsonPath, JSON.stringify({ ...report, assertions: verdicts }, null, 2));
  writeFileSync(htmlPath, htmlReport(report, verdicts));
  console.log(finalTable(report, verdicts));
  console.log(`JSON: ${jsonPath}\nHTML: ${htmlPath}`);
  const failed = verdicts.filter((v) => !v.passed);
  if (failed.length) console.log(`${failed.length} of ${verdicts.length} assertion(s) failed.`);
  return failed.length ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

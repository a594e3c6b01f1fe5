/**
 * Ways to show a run: a live progress line, a final table, the JSON file and
 * a self-contained HTML report (uPlot and the data inlined: it opens from
 * disk with no network).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import Table from "cli-table3";
import type { SecondPoint } from "./coordinator.ts";
import type { RunReport } from "./figures.ts";
import type { Verdict } from "./assertions.ts";
import type { LinkSettings } from "../shared/link.ts";

export function progressLine(p: SecondPoint, peak: number): string {
  const ticks = Object.entries(p.tickP99Ms).map(([t, v]) => `${t} ${v.toFixed(2)}`).join(" ") || "-";
  return [
    `t=${String(p.t).padStart(3)}s`,
    `bots ${p.bots}/${peak}`,
    `ccu ${p.ccu}`,
    `joins +${p.joinsOk}${p.joinsFailed ? ` (${p.joinsFailed} failed)` : ""}`,
    `ack p50/p99 ${p.ackP50.toFixed(0)}/${p.ackP99.toFixed(0)} ms`,
    `in ${(p.bytesInPerClient / 1024).toFixed(2)} KB/s/client`,
    `tick p99 ${ticks} ms`,
    `server cpu ${p.serverCpuPercent?.toFixed(0) ?? "–"}%`,
    `bots cpu ${p.botCpuPercent.toFixed(0)}%`,
  ].join(" | ");
}

/** Each figure with its unit and a plain-words label, grouped as the table shows them. */
const SECTIONS: [string, [string, string][]][] = [
  ["Joins (whole run)", [
    ["join_ok", "joins succeeded"], ["join_failed", "joins failed"],
    ["join_p50_ms", "join latency p50 (ms)"], ["join_p95_ms", "join latency p95 (ms)"], ["join_p99_ms", "join latency p99 (ms)"], ["join_max_ms", "join latency max (ms)"],
  ]],
  ["What players feel (steady state)", [
    ["ack_p50_ms", "input→ack p50 (ms)"], ["ack_p95_ms", "input→ack p95 (ms)"], ["ack_p99_ms", "input→ack p99 (ms)"], ["ack_max_ms", "input→ack max (ms)"],
    ["input_backlog_p50", "inputs sent, not yet applied, at a patch: p50"], ["input_backlog_p99", "inputs sent, not yet applied, at a patch: p99"],
    ["patch_interval_p50_ms", "patch interval p50 (ms)"], ["patch_interval_p99_ms", "patch interval p99 (ms)"],
    ["patch_jitter_p50_ms", "patch jitter p50 (ms)"], ["patch_jitter_p99_ms", "patch jitter p99 (ms)"],
    ["bytes_in_per_client_s", "bytes in per client/s"], ["bytes_out_per_client_s", "bytes out per client/s"],
    ["messages_in_per_client_s", "messages in per client/s"], ["messages_out_per_client_s", "messages out per client/s"],
  ]],
  ["Sockets lost without asking (whole run)", [
    ["resume_ok", "resumed in the same seat"], ["resume_failed", "seats lost (joined anew)"], ["resumed_percent", "resumed (%)"],
    ["resume_p50_ms", "time to resume p50 (ms)"], ["resume_p99_ms", "time to resume p99 (ms)"], ["resume_max_ms", "time to resume max (ms)"],
    ["fault_players_hit", "players on killed or stopped processes"],
    ["interruption_p50_ms", "interruption, resumed or rejoined, p50 (ms)"], ["interruption_p99_ms", "interruption p99 (ms)"], ["interruption_max_ms", "interruption max (ms)"],
  ]],
  ["What the server pays (steady state)", [
    ["server_processes", "processes at the end"], ["server_processes_seen", "processes seen"],
    ["ccu_peak", "CCU peak"], ["server_tick_p99_ms", "tick duration p99 (ms)"], ["server_event_loop_p99_ms", "event-loop delay p99, worst second (ms)"],
    ["server_cpu_percent", "CPU (% of one core)"], ["server_cpu_ms_per_ccu_s", "CPU ms per CCU-second"],
    ["server_rss_mb", "RSS (MB)"], ["server_rss_per_connection_kb", "RSS per connection (KB)"],
  ]],
  ["What the bots cost", [
    ["bots_peak", "bots in play, peak"], ["bot_cpu_ms_per_bot_s", "bot CPU ms per bot-second"], ["bot_cpu_percent", "bot CPU (% of one core)"],
  ]],
];

/** The fleet's sections, with the room type's own figures after what the players feel. */
function sectionsOf(report: RunReport): [string, [string, string][]][] {
  const own = Object.entries(report.behaviourFigures ?? {});
  if (own.length === 0) return SECTIONS;
  return [...SECTIONS.slice(0, 2), [`What the ${String(report.config.roomName)} bots measured (steady state; reconciled at the end)`, own], ...SECTIONS.slice(2)];
}

export function finalTable(report: RunReport, verdicts: Verdict[]): string {
  const f = report.figures;
  const table = new Table({ head: ["figure", "value", "name"], style: { head: [], border: [], compact: true } });
  for (const [title, rows] of sectionsOf(report)) {
    table.push([{ colSpan: 3, content: title }]);
    for (const [name, label] of rows) if (f[name] !== undefined) table.push([label, format(f[name]), name]);
    if (title.startsWith("What the server")) {
      for (const name of Object.keys(f).filter((n) => n.startsWith("server_tick_p99_ms_"))) table.push([`tick p99, ${name.slice(19)} rooms (ms)`, format(f[name]), name]);
    }
  }
  const codes = Object.entries(report.closeCodes);
  table.push([{ colSpan: 3, content: "Disconnects by close code" }]);
  if (codes.length === 0) table.push(["none", "0", "disconnects_total"]);
  for (const [code, n] of codes) table.push([`code ${code}${CLOSE_NAMES[code] ? ` (${CLOSE_NAMES[code]})` : ""}`, String(n), `disconnects_${code}`]);
  let out = table.toString();
  if (report.processes.length > 1) {
    const processes = new Table({ head: ["process", "url", "seen (s)", "CCU, last scrape", "RSS MB (idle)", "CPU %"], style: { head: [], border: [], compact: true } });
    for (const p of report.processes) processes.push([p.processId, p.url, `${p.firstSeenS}–${p.lastSeenS}`, String(p.ccu), `${p.rssMb} (${p.idleRssMb})`, String(p.cpuPercent)]);
    out += "\nProcesses:\n" + processes.toString();
  }
  if (report.faults.length) {
    out += "\nFaults:\n" + report.faults.map((e) => `  t=${e.at.toFixed(1)} s  ${e.kind.padEnd(12)} ${e.processId} (${e.url})` +
      (e.players !== undefined ? `, ${e.players} players` : "") +
      (e.replacedBy ? ` by ${e.replacedBy}` : "") + (e.afterSeconds !== undefined ? ` after ${e.afterSeconds} s` : "")).join("\n");
  }
  if (report.notes.length) out += "\nNotes:\n" + report.notes.map((n) => `  ${n}`).join("\n");
  const errors = Object.entries(report.joinErrors);
  if (errors.length) out += "\nJoin errors:\n" + errors.map(([m, n]) => `  ${n} × ${m}`).join("\n");
  if (verdicts.length) out += "\nAssertions:\n" + verdicts.map((v) => `  ${v.passed ? "PASS" : "FAIL"}  ${v.text}  (measured ${v.actual ?? "nothing"})`).join("\n");
  return out;
}

const CLOSE_NAMES: Record<string, string> = {
  1000: "normal", 1001: "going away", 1005: "no status", 1006: "abnormal: socket lost",
  4000: "left on purpose", 4001: "server shutdown", 4002: "kicked or error", 4003: "failed to reconnect", 4010: "may reconnect",
};

function format(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1);
}

const require = createRequire(import.meta.url);

/** One HTML file: summary, charts over time, and the raw JSON, with uPlot inlined. */
export function htmlReport(report: RunReport, verdicts: Verdict[]): string {
  const uplotJs = readFileSync(require.resolve("uplot/dist/uPlot.iife.min.js"), "utf8");
  const uplotCss = readFileSync(require.resolve("uplot/dist/uPlot.min.css"), "utf8");
  const rows = sectionsOf(report).map(([title, list]) => `<tr><th colspan="2">${esc(title)}</th></tr>` +
    list.filter(([n]) => report.figures[n] !== undefined).map(([n, label]) => `<tr><td>${esc(label)}</td><td class="v">${format(report.figures[n])}</td></tr>`).join("")).join("");
  const codes = Object.entries(report.closeCodes).map(([c, n]) => `${c}: ${n}`).join(", ") || "none";
  const verdictHtml = verdicts.length
    ? `<ul class="verdicts">${verdicts.map((v) => `<li class="${v.passed ? "pass" : "fail"}">${v.passed ? "PASS" : "FAIL"} <code>${esc(v.text)}</code> (measured ${v.actual ?? "nothing"})</li>`).join("")}</ul>`
    : "";
  const cfg = report.config;
  const link = cfg.link as LinkSettings | undefined;
  const linkText = link && (link.latencyMs || link.jitterMs || link.lossPercent)
    ? `link +${link.latencyMs} ms round trip ± ${link.jitterMs / 2} ms each way, ${link.lossPercent}% loss as TCP stalls`
    : "no link conditioning";
  // `</` would end the script element early; JSON never needs it escaped otherwise.
  const data = JSON.stringify(report).replace(/<\//g, "<\\/");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Tickforge load test: ${esc(String(cfg.roomName))} × ${report.figures.bots_peak} bots</title>
<style>${uplotCss}
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:20px;margin:0 0 4px}.sub{color:#666;margin-bottom:16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:16px;align-items:start}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px}
table{border-collapse:collapse}td,th{padding:2px 10px;text-align:left}th{background:#eee}td.v{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#1a7f37}.fail{color:#cf222e;font-weight:bold}</style></head>
<body>
<h1>Tickforge load test: ${esc(String(cfg.roomName))} rooms, behaviour “${esc(String(cfg.behaviour))}”</h1>
<div class="sub">${esc(report.startedAt)} · ${report.durationSeconds} s · peak ${report.figures.bots_peak} bots over ${esc(String(cfg.workers))} worker process(es) · endpoints ${esc((cfg.endpoints as string[]).join(", "))} · ${esc(linkText)} · steady window t=${report.steadyWindow[0]}–${report.steadyWindow[1]} s · disconnects ${esc(codes)}</div>
${verdictHtml}
<div class="grid">
<div class="card"><table>${rows}</table></div>
<div class="card" id="ack"></div>
<div class="card" id="ccu"></div>
<div class="card" id="bytes"></div>
<div class="card" id="tick"></div>
<div class="card" id="cpu"></div>
</div>
<script>${uplotJs}</script>
<script>
const report = ${data};
const s = report.series;
const t = s.map(p => p.t);
const width = 600, height = 260;
const line = (label, stroke, extra) => Object.assign({ label, stroke, width: 2 }, extra || {});
function chart(id, title, series, data) {
  new uPlot({ title, width, height, scales: { x: { time: false } }, axes: [{ label: "s" }, {}], series: [{ label: "t (s)" }, ...series] }, [t, ...data], document.getElementById(id));
}
chart("ack", "Input → ack round trip (ms)", [line("p50", "#2da44e"), line("p95", "#bf8700"), line("p99", "#cf222e"), line("max", "#999", { dash: [4, 4] })],
  [s.map(p => p.ackP50), s.map(p => p.ackP95), s.map(p => p.ackP99), s.map(p => p.ackMax)]);
chart("ccu", "Players connected", [line("bots in a room", "#0969da"), line("server CCU", "#8250df", { dash: [6, 3] })], [s.map(p => p.bots), s.map(p => p.ccu)]);
chart("bytes", "Bytes per client per second", [line("in (server → bot)", "#0969da"), line("out (bot → server)", "#bf8700")], [s.map(p => p.bytesInPerClient), s.map(p => p.bytesOutPerClient)]);
const types = [...new Set(s.flatMap(p => Object.keys(p.tickP99Ms)))];
const colours = ["#cf222e", "#0969da", "#2da44e", "#8250df"];
chart("tick", "Tick duration p99 by room type (ms)", types.map((k, i) => line(k, colours[i % colours.length])), types.map(k => s.map(p => p.tickP99Ms[k] ?? null)));
chart("cpu", "CPU (% of one core) and event-loop delay p99 (ms)", [line("server CPU %", "#cf222e"), line("bots CPU %", "#0969da"), line("event loop p99 ms", "#999")],
  [s.map(p => p.serverCpuPercent), s.map(p => p.botCpuPercent), s.map(p => p.eventLoopP99Ms)]);
</script>
</body></html>
`;
}

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

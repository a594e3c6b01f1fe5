/**
 * Measures the demo in headless chromium, for the figures in docs/client.md:
 *   node bench/measure-client.ts [--seconds 20] [--bots 15] [--port 3040] [--remotes both|buffer|sdk]
 *
 * Starts a server process, fills an arena with SDK bots (the load tester's
 * fighters: they move, aim and shoot with the browser's own input schema),
 * opens the game in chromium as the 16th player and walks it around, on a
 * clean link and through the client's link conditioner at 150 ± 30 ms (and
 * with 2 % loss on top). For each it reports frames per second, the own
 * player's prediction corrections, the round trip the page reports (and the
 * least of its room pings less the conditioner's part, and of the network
 * round trips its link probe timed off the main thread), and how
 * smoothly the other players are drawn (shared/motion-figures.ts): once with our
 * jitter buffer and once with the SDK's lerp and clock (`?remotes=sdk`, the
 * client before it), so one run gives the old and the new columns. The two
 * take turns link by link, and the machine's load average is printed.
 */
import { spawn } from "node:child_process";
import { loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { Client, type Room } from "@colyseus/sdk";
import Table from "cli-table3";
import { Command, Option } from "commander";
import { fighter, seededRng, type InputPort } from "../rooms/arena/bots.ts";
import { ArenaInput } from "../rooms/arena/state.ts";
import { requestGuestToken } from "../shared/guest-api.ts";
import type { MotionSummary } from "../shared/motion-figures.ts";
import { launchBrowser } from "../tools/chromium.ts";
import { openGame, play, type GamePage } from "../tools/game-page.ts";
import { spawnServer, waitForHealth } from "../tools/process.ts";
import { int } from "../tools/args.ts";

const options = new Command("measure-client")
  .description("How smoothly a page among bots draws the other players, per link preset, with the SDK's lerp (old) and our jitter buffer (new).")
  .option("--seconds <s>", "how long each page is measured", int("--seconds", 1, 3600), 20)
  .option("--bots <n>", "bots in the page's arena", int("--bots", 0, 15), 15)
  .option("--port <port>", "the server's port", int("--port", 1, 65535), 3040)
  .addOption(new Option("--remotes <which>", "which client draws the others").choices(["both", "buffer", "sdk"]).default("both"))
  .parse()
  .opts<{ seconds: number; bots: number; port: number; remotes: "both" | "buffer" | "sdk" }>();
const modes = options.remotes === "both" ? ["sdk", "buffer"] as const : [options.remotes] as const;
const { seconds, port } = options;
const botCount = options.bots;

const root = fileURLToPath(new URL("..", import.meta.url));
const endpoint = `http://127.0.0.1:${port}`;

async function startServerProcess() {
  const child = spawn(process.execPath, ["game-client/build.ts", "--if-stale"], { cwd: root, stdio: "inherit" });
  await new Promise((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve(code) : reject(new Error(`client build failed (${code})`)))));
  const server = await spawnServer({ port });
  await waitForHealth(server);
  return server.child;
}

async function startBots(count: number): Promise<{ rooms: Room[]; stop(): void }> {
  const rooms: Room[] = [];
  const players: ReturnType<typeof fighter>[] = [];
  let stepMs = 0;
  for (let i = 0; i < count; i++) {
    const client = new Client(endpoint);
    client.auth.token = (await requestGuestToken(endpoint, `Bot ${i + 1}`)).token;
    const room = await client.joinOrCreate("arena", { name: `Bot ${i + 1}` });
    room.onMessage("*", () => {}); // bots don't read kills, chat or announcements
    rooms.push(room);
    const input = room.input({ type: ArenaInput });
    stepMs = input.stepMs ?? stepMs; // the fixed step the room advertises
    players.push(fighter(input as unknown as InputPort, room as never, seededRng(i + 1)));
  }
  const timer = setInterval(() => { for (const p of players) p.step(); }, stepMs || 1000 / 30);
  return { rooms, stop: () => { clearInterval(timer); for (const r of rooms) r.leave(); } };
}

/** Walk the page's player around: a new direction every 600 ms, like a person would. */
async function walk(game: GamePage, ms: number): Promise<void> {
  const keys = ["KeyD", "KeyS", "KeyA", "KeyW"];
  const until = Date.now() + ms;
  for (let i = 0; Date.now() < until; i++) {
    const key = keys[i % keys.length];
    await game.page.keyboard.down(key);
    await new Promise((r) => setTimeout(r, 600));
    await game.page.keyboard.up(key);
  }
}

interface Link { latencyMs: number; jitterMs: number; lossPercent: number }
const LINKS: [string, Link][] = [
  ["clean", { latencyMs: 0, jitterMs: 0, lossPercent: 0 }],
  ["150 ± 30 ms", { latencyMs: 150, jitterMs: 30, lossPercent: 0 }],
  ["150 ± 30 ms, 2 % loss", { latencyMs: 150, jitterMs: 30, lossPercent: 2 }],
];

interface Row {
  remotes: string; link: string; fps: number; corrections: number; atDeath: number; perSecond: number; mean: number; teleports: number;
  pingMs: number; smoothedRttMs: number; restLeastMs: number; probeLeastMs: number; skipped: number; motion: MotionSummary;
  targetDelayMs: number | undefined; jitterMs: number | undefined;
}

async function measure(game: GamePage, remotes: string, link: string, settings: Link): Promise<Row> {
  await game.read((h, s) => h.setLink(s), settings);
  await walk(game, 3000); // let the link, the round trip and the buffer settle before counting
  await game.read((h) => h.resetMotion());
  const before = await game.read((h) => ({ frame: h.frame, at: performance.now(), stats: h.stats! }));
  await walk(game, seconds * 1000);
  const after = await game.read((h) => ({ frame: h.frame, at: performance.now(), stats: h.stats!, ping: h.ping, rtt: h.rtt, rest: h.pingRest, probes: h.pingProbes, motion: h.motion!, playback: h.playback }));
  const elapsed = (after.at - before.at) / 1000;
  const corrections = after.stats.corrections - before.stats.corrections;
  return {
    remotes,
    link,
    fps: (after.frame - before.frame) / elapsed,
    corrections,
    atDeath: after.stats.correctionsAtDeath - before.stats.correctionsAtDeath,
    perSecond: corrections / elapsed,
    // The stats keep a running mean; this row's own mean comes from the difference of the sums.
    mean: corrections > 0
      ? (after.stats.meanCorrection * after.stats.corrections - before.stats.meanCorrection * before.stats.corrections) / corrections
      : 0,
    teleports: after.stats.teleports - before.stats.teleports,
    pingMs: after.ping,
    smoothedRttMs: after.rtt,
    restLeastMs: after.rest.length > 0 ? Math.min(...after.rest) : Number.NaN,
    probeLeastMs: after.probes.length > 0 ? Math.min(...after.probes) : Number.NaN,
    skipped: after.stats.inputsSkipped - before.stats.inputsSkipped,
    motion: after.motion,
    targetDelayMs: remotes === "buffer" ? after.playback?.targetDelayMs : undefined,
    jitterMs: after.playback?.jitterMs,
  };
}

const server = await startServerProcess();
const browser = await launchBrowser();
const bots = await startBots(botCount);
try {
  const rows: Row[] = [];
  let players = 0;
  const loadBefore = loadavg()[0];
  // Old and new take turns link by link, so a machine whose load changes during the run weighs on both alike.
  for (const [name, settings] of LINKS) {
    for (const remotes of modes) {
      const game = await openGame(browser, endpoint, { query: remotes === "sdk" ? "?remotes=sdk" : "" });
      await play(game, "Measurer");
      await game.until((h, n) => h.players.length >= n, "the bots to show", botCount + 1);
      rows.push(await measure(game, remotes, name, settings));
      players = await game.read((h) => h.players.length);
      if (game.errors.length) console.log("page errors:", game.errors);
      // Esc gives the seat up, so the next page finds room in the bots' arena instead of a seat held for this one.
      await game.read((h) => h.setLink({ latencyMs: 0, jitterMs: 0, lossPercent: 0 }));
      await game.page.keyboard.press("Escape");
      await game.until((h) => h.scene === "Title", "the page to leave the arena");
      await game.close();
    }
  }
  const load = loadavg()[0];
  const label = (r: Row) => (r.remotes === "sdk" ? "old: SDK lerp + clock" : "new: jitter buffer");
  const pct = (x: number) => `${(x * 100).toFixed(2)} %`;
  const smooth = new Table({ head: ["link", "client", "fps", "drawn-speed CV (straight)", "of it: clock / truth / drawing", "stall frames", "longest stall (ms)", "stall frames at turns back (of turn frames)", "largest jump ÷ true", "delay mean / p5 / p95 (ms)", "underruns", "buffer delay target (ms)", "arrival jitter p95 (ms)"] });
  for (const r of rows) {
    const m = r.motion;
    smooth.push([r.link, label(r), r.fps.toFixed(1), m.speedCv.toFixed(3), `${m.clockCv.toFixed(3)} / ${m.truthCv.toFixed(3)} / ${m.drawCv.toFixed(3)}`, pct(m.stallShare), m.longestStallMs.toFixed(0), `${pct(m.turnStallShare)} (${m.turnFrames})`, `${m.maxJumpRatio.toFixed(2)}×`,
      `${m.delayMeanMs.toFixed(0)} / ${m.delayP5Ms.toFixed(0)} / ${m.delayP95Ms.toFixed(0)}`, pct(m.underrunShare),
      r.targetDelayMs === undefined ? "-" : r.targetDelayMs.toFixed(0), r.jitterMs === undefined ? "-" : r.jitterMs.toFixed(0)]);
  }
  const own = new Table({ head: ["link", "client", "fps", "HUD ping (ms)", "smoothedRtt (ms)", "least ping less conditioner (ms)", "least probe (ms)", "corrections", "of which at a death", "per second", "mean size (units)", "teleports", "steps left out"] });
  for (const r of rows) {
    own.push([r.link, label(r), r.fps.toFixed(1), r.pingMs.toFixed(0), r.smoothedRttMs.toFixed(0), Number.isNaN(r.restLeastMs) ? "-" : r.restLeastMs.toFixed(1), Number.isNaN(r.probeLeastMs) ? "-" : r.probeLeastMs.toFixed(1), r.corrections, r.atDeath, r.perSecond.toFixed(2), r.mean.toFixed(2), r.teleports, r.skipped]);
  }
  console.log(`\n${players} players in the room, ${seconds} s per row, headless chromium (software WebGL); load average ${loadBefore.toFixed(1)} at the start, ${load.toFixed(1)} at the end`);
  console.log("Other players, as drawn:");
  console.log(smooth.toString());
  console.log("The page's own player and clock:");
  console.log(own.toString());
  console.log(JSON.stringify({ players, seconds, load: [loadBefore, load], rows }));
} finally {
  bots.stop();
  await browser.close();
  server.kill("SIGTERM");
}

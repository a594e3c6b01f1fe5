/**
 * Measures the demo in headless chromium, for the figures in docs/client.md:
 *   node bench/measure-client.ts [--seconds 20] [--bots 15] [--port 3040]
 *
 * Starts a server process, fills an arena with SDK bots (the load tester's
 * fighters: they move, aim and shoot with the browser's own input schema),
 * opens the game in chromium as the 16th player and walks it around, then
 * reports frames per second and prediction corrections per second, first on
 * a clean link and then through the client's link conditioner at
 * 150 ms ± 20 ms (and with 1 % loss on top).
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Client, type Room } from "@colyseus/sdk";
import Table from "cli-table3";
import { fighter, seededRng, type InputPort } from "../rooms/arena/bots.ts";
import { ArenaInput } from "../rooms/arena/state.ts";
import { requestGuestToken } from "../shared/guest-api.ts";
import { launchBrowser } from "../tools/chromium.ts";
import { openGame, play, type GamePage } from "../tools/game-page.ts";
import { spawnServer, waitForHealth } from "../tools/process.ts";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    bots: { type: "string", default: "15" },
    port: { type: "string", default: "3040" },
  },
});
const seconds = Number(values.seconds);
const botCount = Number(values.bots);
const port = Number(values.port);
if (!(seconds > 0) || !(botCount >= 0 && botCount <= 15) || !(port > 0)) {
  console.error("usage: node bench/measure-client.ts [--seconds N>0] [--bots 0..15] [--port P]");
  process.exit(2);
}

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

interface Row { link: string; fps: number; corrections: number; atDeath: number; perSecond: number; mean: number; teleports: number; pingMs: number; skipped: number }

async function measure(game: GamePage, link: string, settings: { latencyMs: number; jitterMs: number; lossPercent: number }): Promise<Row> {
  await game.read((h, s) => h.setLink(s), settings);
  await walk(game, 2000); // let the link settle before counting
  const before = await game.read((h) => ({ frame: h.frame, at: performance.now(), stats: h.stats! }));
  await walk(game, seconds * 1000);
  const after = await game.read((h) => ({ frame: h.frame, at: performance.now(), stats: h.stats!, ping: h.ping }));
  const elapsed = (after.at - before.at) / 1000;
  const corrections = after.stats.corrections - before.stats.corrections;
  return {
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
    skipped: after.stats.inputsSkipped - before.stats.inputsSkipped,
  };
}

const server = await startServerProcess();
const browser = await launchBrowser();
const bots = await startBots(botCount);
try {
  const game = await openGame(browser, endpoint);
  await play(game, "Measurer");
  const players = await game.read((h) => h.players.length);
  const rows = [
    await measure(game, "clean", { latencyMs: 0, jitterMs: 0, lossPercent: 0 }),
    await measure(game, "150 ± 20 ms", { latencyMs: 150, jitterMs: 20, lossPercent: 0 }),
    await measure(game, "150 ± 20 ms, 1 % loss", { latencyMs: 150, jitterMs: 20, lossPercent: 1 }),
  ];
  const table = new Table({ head: ["link", "fps", "corrections", "of which at a death", "per second", "mean size (units)", "teleports", "ping (ms)", "steps left out"] });
  for (const r of rows) {
    table.push([r.link, r.fps.toFixed(1), r.corrections, r.atDeath, r.perSecond.toFixed(2), r.mean.toFixed(2), r.teleports, r.pingMs.toFixed(0), r.skipped]);
  }
  console.log(`\n${players} players in the room, ${seconds} s per row, headless chromium (software WebGL)`);
  console.log(table.toString());
  console.log(JSON.stringify({ players, seconds, rows }));
  if (game.errors.length) console.log("page errors:", game.errors);
  await game.close();
} finally {
  bots.stop();
  await browser.close();
  server.kill("SIGTERM");
}

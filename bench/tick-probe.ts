/**
 * Tick cost of one arena room: starts a server in this process, seats N SDK
 * clients that each send one input per fixed step (moving, aiming, shooting),
 * times every fixed step for a while, and prints p50/p99/max.
 *
 *   npx node bench/tick-probe.ts --clients 16 --seconds 20
 *
 * For fleets, several processes and network figures, use `npm run loadtest`.
 */
import { Command } from "commander";
import { matchMaker } from "@colyseus/core";
import { startServer } from "../tools/server.ts";
import { int } from "../tools/args.ts";
import type { ArenaRoom } from "../rooms/arena/ArenaRoom.ts";
import type { ArenaInput } from "../rooms/arena/state.ts";

const { clients, seconds } = new Command("tick-probe")
  .description("How long an arena's fixed step takes with clients playing in-process.")
  .option("--clients <n>", "players in the arena", int("--clients", 1, 64), 16)
  .option("--seconds <s>", "how long to measure", int("--seconds", 1, 3600), 20)
  .parse()
  .opts<{ clients: number; seconds: number }>();

const ts = await startServer();
const first = await ts.client().create("arena", { name: "probe-0" });
const rooms = [first];
for (let i = 1; i < clients; i++) rooms.push(await ts.client().joinById(first.roomId, { name: `probe-${i}` }));
for (const room of rooms) room.onMessage("*", () => undefined); // kill feed and chat: not measured here
const server = matchMaker.getLocalRoomById(first.roomId) as unknown as ArenaRoom;
const TICK_RATE = server.settings.tickRate; // the server's TICK_RATE: the room's one authority

// Each client changes direction about once a second and fires now and then, one input per step.
const timers = rooms.map((room, i) => {
  const input = room.input<ArenaInput>();
  let n = i * 7;
  return setInterval(() => {
    if (n++ % TICK_RATE === 0) {
      input.data.moveX = Math.floor(Math.random() * 3) - 1;
      input.data.moveY = Math.floor(Math.random() * 3) - 1;
    }
    input.data.aim = (n / 20) % (Math.PI * 2);
    input.data.fire = n % 15 === 0;
    input.send();
  }, 1000 / TICK_RATE);
});

const samples: number[] = [];
server.observeSteps((_tick, seconds) => samples.push(seconds * 1000));
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
timers.forEach(clearInterval);

samples.sort((a, b) => a - b);
const at = (q: number) => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))];
console.log(JSON.stringify({
  clients, seconds, steps: samples.length, tickRateHz: TICK_RATE,
  tick_p50_ms: +at(0.5).toFixed(4), tick_p99_ms: +at(0.99).toFixed(4), tick_max_ms: +samples.at(-1)!.toFixed(4),
  budget_ms: +(1000 / TICK_RATE).toFixed(2),
}));
await Promise.all(rooms.map((r) => r.leave()));
await ts.close();
process.exit(0);

/**
 * `npm run bench:snapshot`: what durable rooms' snapshots cost
 * (server/room/durable.ts), per room type, with real players playing:
 * main-thread time taking snapshots per room per second, time until the
 * Store has each one, and bytes per snapshot. One in-process server, the
 * embedded Store (SQLite) by default, Redis with REDIS_URL.
 *
 *   npm run bench:snapshot                      # 10 s per room type
 *   npm run bench:snapshot -- --seconds 30
 *   REDIS_URL=redis://127.0.0.1:6390 npm run bench:snapshot
 */
import type { Room } from "@colyseus/sdk";
import { Command } from "commander";
import { durableOf } from "../server/room/durable.ts";
import { int } from "../tools/args.ts";
import { localRoom, startServer } from "../tools/server.ts";

const { seconds } = new Command("bench:snapshot")
  .description("What durable rooms' snapshots cost per room type: CPU per room per second, time to the Store, bytes (REDIS_URL for Redis, else SQLite).")
  .option("--seconds <s>", "how long each room type plays", int("--seconds", 1, 3600), 10)
  .parse()
  .opts<{ seconds: number }>();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const ts = await startServer({ LOG_LEVEL: "silent", CARDS_DEAL_DELAY_SECONDS: "0", ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}) });
const timers: NodeJS.Timeout[] = [];

/** Players who keep playing: arena players run in circles and fire, a cards table is dealt, chat members talk. */
async function populate(type: string, players: number): Promise<{ rooms: Room<any>[]; roomId: string }> {
  const rooms: Room<any>[] = [];
  const options = type === "chat" ? { channel: "bench" } : { name: "p0" };
  const first = await ts.client(`p0`).create(type, options);
  rooms.push(first);
  for (let i = 1; i < players; i++) rooms.push(await ts.client(`p${i}`).joinById(first.roomId, type === "chat" ? options : { name: `p${i}` }));
  for (const [i, room] of rooms.entries()) {
    room.onMessage("*", () => undefined);
    if (type === "arena") {
      let step = 0;
      timers.push(setInterval(() => {
        const input = room.input<any>();
        step++;
        input.data.moveX = Math.round(Math.cos((step + i * 7) / 15));
        input.data.moveY = Math.round(Math.sin((step + i * 7) / 15));
        input.data.aim = (step / 10) % (Math.PI * 2);
        input.data.fire = step % 10 === 0;
        input.send();
      }, 33));
    } else if (type === "chat") {
      let n = 0;
      timers.push(setInterval(() => room.send("chat:send", { channel: "bench", id: `${room.sessionId}-${n++}`, text: "hello there" }), 1000));
    }
  }
  return { rooms, roomId: first.roomId };
}

const rows: Record<string, string | number>[] = [];
for (const [type, players] of [["arena", 16], ["cards", 4], ["chat", 10]] as const) {
  const { rooms, roomId } = await populate(type, players);
  await sleep(1000); // the players settle in
  const piece = durableOf(localRoom(roomId))!;
  const before = { ...piece.cost };
  await sleep(seconds * 1000);
  const after = { ...piece.cost };
  const snapshots = after.snapshots - before.snapshots;
  rows.push({
    type,
    players,
    snapshots_per_s: +(snapshots / seconds).toFixed(1),
    cpu_ms_per_room_per_s: +((after.encodeMs - before.encodeMs) / seconds).toFixed(3),
    cpu_share_of_a_core: `${((after.encodeMs - before.encodeMs) / seconds / 10).toFixed(3)} %`,
    encode_ms_per_snapshot: +((after.encodeMs - before.encodeMs) / snapshots).toFixed(3),
    store_ms_per_snapshot: +((after.storeMs - before.storeMs) / snapshots).toFixed(3),
    bytes_per_snapshot: after.bytes,
  });
  for (const timer of timers.splice(0)) clearInterval(timer);
  await Promise.all(rooms.map((room) => room.leave()));
}
console.table(rows);
console.log(JSON.stringify({ store: process.env.REDIS_URL ? "redis" : "sqlite", seconds, rows }));
await ts.close();
process.exit(0);

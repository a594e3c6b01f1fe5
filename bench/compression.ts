/**
 * `npm run compression`: what permessage-deflate costs and saves, off against
 * on (COMPRESSION_THRESHOLD_BYTES), for the two kinds of traffic we send:
 *
 * 1. The arena under play: a server per setting, `npm run loadtest` bots
 *    playing on it, and one observer socket in a full room counting the bytes
 *    that really cross the wire (TCP bytes read) next to the message bytes.
 *    Server CPU and RSS per connection come from the loadtest's report.
 * 2. A large join state: a room with a 4,096-tile board in this process; the
 *    wire bytes of a join, and the CPU the server spends compressing that
 *    first state (the median of 200 deflates with the server's settings).
 *
 *   npm run compression -- --bots 47 --seconds 20 --threshold 512
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateRawSync } from "node:zlib";
import { definePlugins, matchMaker, Protocol } from "@colyseus/core";
import { schema, t } from "@colyseus/schema";
import { PROTOCOL_CODE_MASK } from "@colyseus/shared-types";
import { Command } from "commander";
import WebSocket from "ws";
import { framework, GameRoom } from "../server/room/GameRoom.ts";
import { defineRoomType } from "../server/room/room-type.ts";
import { compressionOptions } from "../server/edge/compression.ts";
import { requestGuestToken } from "../shared/guest-api.ts";
import { spawnServer, stopServer, waitForHealth } from "../tools/process.ts";
import { startServer } from "../tools/server.ts";
import { int } from "../tools/args.ts";

const { bots, seconds, threshold } = new Command("compression")
  .description("What permessage-deflate costs and saves, off against on (COMPRESSION_THRESHOLD_BYTES): the arena under play, and a large join state.")
  .option("--bots <n>", "players besides the observer", int("--bots", 1, 10_000), 47)
  .option("--seconds <s>", "how long each server is measured", int("--seconds", 1, 3600), 20)
  .option("--threshold <bytes>", "the smallest message compressed", int("--threshold", 0, 1 << 20), 512)
  .parse()
  .opts<{ bots: number; seconds: number; threshold: number }>();

interface Observer { ws: WebSocket; messageBytes: number; joinWireBytes: number; close(): void }

/** Join a room with a bare ws socket (which offers permessage-deflate, as browsers do), counting message and wire bytes. */
async function observe(endpoint: string, method: string, roomName: string): Promise<Observer> {
  const { token } = await requestGuestToken(endpoint, "observer");
  const response = await fetch(`${endpoint}/matchmake/${method}/${roomName}`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: "{}",
  });
  const seat = await response.json() as { roomId: string; sessionId: string; processId: string };
  const ws = new WebSocket(`${endpoint.replace("http", "ws")}/${seat.processId}/${seat.roomId}?sessionId=${seat.sessionId}`);
  const observer: Observer = { ws, messageBytes: 0, joinWireBytes: 0, close: () => ws.terminate() };
  await new Promise<void>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      observer.messageBytes += data.byteLength;
      if (data[0] === Protocol.JOIN_ROOM) ws.send(Uint8Array.of(Protocol.JOIN_ROOM));
      if ((data[0] & PROTOCOL_CODE_MASK) === Protocol.ROOM_STATE) {
        observer.joinWireBytes = wireBytes(ws);
        resolve();
      }
    });
  });
  return observer;
}

function wireBytes(ws: WebSocket): number {
  return (ws as unknown as { _socket: import("node:net").Socket })._socket.bytesRead;
}

function runLoadtest(endpoint: string, out: string): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ["loadtest/cli.ts", "--endpoint", endpoint, "--bots", String(bots), "--ramp", "3", "--duration", String(seconds), "-q", "--out", out, "--name", "run"],
      (error) => {
        if (error) return reject(error);
        resolve(JSON.parse(readFileSync(join(out, "run.json"), "utf8")).figures);
      });
  });
}

async function arena(setting: number) {
  const server = await spawnServer({ env: { COMPRESSION_THRESHOLD_BYTES: String(setting) }, stderr: "pipe" });
  try {
    await waitForHealth(server);
    const observer = await observe(server.endpoint, "joinOrCreate", "arena");
    const out = mkdtempSync(join(tmpdir(), "tickforge-compression-"));
    const [wireBefore, messagesBefore, started] = [wireBytes(observer.ws), observer.messageBytes, performance.now()];
    const figures = await runLoadtest(server.endpoint, out);
    const elapsed = (performance.now() - started) / 1000;
    const result = {
      wireBytesPerS: (wireBytes(observer.ws) - wireBefore) / elapsed,
      messageBytesPerS: (observer.messageBytes - messagesBefore) / elapsed,
      serverCpuMsPerCcuS: figures.server_cpu_ms_per_ccu_s,
      serverRssPerConnectionKb: figures.server_rss_per_connection_kb,
      ackP99Ms: figures.ack_p99_ms,
    };
    observer.close();
    return result;
  } finally {
    await stopServer(server);
  }
}

/** A board game's state: 4,096 tiles with an owner and a height, about 60 KB encoded. */
const Tile = schema({ owner: t.string().default(""), height: t.uint16().default(0) }, "Tile");
const BoardState = schema({ tiles: t.array(Tile) }, "BoardState");
function filledBoard() {
  const state = new BoardState();
  for (let i = 0; i < 4096; i++) state.tiles.push(new Tile({ owner: `player-${i % 97}`, height: (i * 7919) % 1000 }));
  return state;
}
class BoardRoom extends GameRoom {
  state = filledBoard();
  plugins = definePlugins([...framework()]);
  onCreate() {
    this.autoDispose = false;
  }
  onJoin() {}
}

const boardType = defineRoomType({ name: "board", title: "Board", summary: "A large join state.", room: BoardRoom, stateBufferBytes: 128 * 1024 });

async function largeJoin() {
  const ts = await startServer({}, [boardType]);
  try {
    const room = await ts.client().create("board");
    const results: Record<string, { wireBytes: number; messageBytes: number }> = {};
    // One process can only have one transport setting: measure the wire with the client offering deflate or not.
    const plain = await observe(ts.endpoint, "joinById", room.roomId);
    results.messages = { wireBytes: plain.joinWireBytes, messageBytes: plain.messageBytes };
    plain.close();
    const state = Buffer.from((matchMaker.getLocalRoomById(room.roomId) as any)._serializer.getFullState(undefined));
    const options = compressionOptions(threshold) as { zlibDeflateOptions: object; serverMaxWindowBits: number };
    const deflate = () => deflateRawSync(state, { ...options.zlibDeflateOptions, windowBits: options.serverMaxWindowBits });
    const compressed = deflate();
    const times: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      deflate();
      times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    await room.leave();
    return { stateBytes: state.byteLength, compressedBytes: compressed.byteLength - 4, deflateMsP50: times[100], deflateMsP99: times[197], joinWireBytesOff: results.messages.wireBytes };
  } finally {
    await ts.close();
  }
}

const off = await arena(0);
const on = await arena(threshold);
const board = await largeJoin();
const kb = (n: number) => (n / 1024).toFixed(1);
console.log(`\nArena, ${bots} bots playing + 1 observer, ${seconds} s (observer's room is full):`);
console.log(`| setting | wire KB/s to one player | message KB/s | server CPU ms per CCU·s | RSS KB per connection | ack p99 ms |`);
console.log(`| --- | --- | --- | --- | --- | --- |`);
for (const [name, r] of [["off", off], [`on (≥ ${threshold} B)`, on]] as const) {
  console.log(`| ${name} | ${kb(r.wireBytesPerS)} | ${kb(r.messageBytesPerS)} | ${r.serverCpuMsPerCcuS?.toFixed(3)} | ${r.serverRssPerConnectionKb?.toFixed(1)} | ${r.ackP99Ms?.toFixed(1)} |`);
}
console.log(`\nLarge join state (4,096-tile board): ${kb(board.stateBytes)} KB encoded; compressed with the server's settings ${kb(board.compressedBytes)} KB (${(100 * board.compressedBytes / board.stateBytes).toFixed(0)} %); deflate p50 ${board.deflateMsP50.toFixed(3)} ms, p99 ${board.deflateMsP99.toFixed(3)} ms per join; wire bytes of the join uncompressed ${kb(board.joinWireBytesOff)} KB`);
process.exit(0);

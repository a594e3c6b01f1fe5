/**
 * The stock reference: a minimal Colyseus 0.18 room with the move-only rules,
 * written the way the Colyseus documentation writes one, played by the stock
 * SDK client, measured on this machine now.
 *
 * The issue quotes stock Colyseus at 1.03 ms per CCU-second for the server and
 * 1.3–1.8 ms per client-second for the SDK client, on another machine. The
 * bare-ws floor (floor.ts) converts milliseconds between machines, but it is
 * mostly system calls, which speed up differently from JavaScript. The stock
 * room runs the same kind of code as ours, so ours over stock, measured here,
 * is the most direct reading of the issue's intent: 0.9 ÷ 1.03 for the server,
 * 1.0 ÷ 1.3–1.8 for the bots.
 *
 * The room: 16 players, positions as float32, a direction message from every
 * client at every 30 Hz step (`onMessage("move")`, the SDK's `room.send`,
 * msgpack), each player moved at the arena's speed and kept inside the arena,
 * patches at 20 Hz. No walls, rewind, input buffer, validation, rate limit or
 * metrics: the "minimal room" of the issue's reference. Clients decode every
 * patch, as the stock SDK always does.
 *
 * Stock means what npm installs: both sides load Colyseus, @colyseus/schema
 * and ws from a private copy of node_modules with the patches of
 * server/patches undone (`stockModules()`: hard links but for the patched
 * packages, a few MB, built once per package-lock and patch set in
 * loadtest-reports/.stock-packages).
 *
 *   node bench/stock.ts serve '<json>'        (prints its port)
 *   node bench/stock.ts clients '<json>'      (plays, then prints both sides' cost over a hold)
 *   node bench/stock.ts play '<json>'         (prints "in" once all have joined, plays until killed)
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { serverEnv } from "../server/launch.ts";
import { DIRECTIONS, rerollAfter } from "../rooms/arena/bots.ts";
import { runHelper, startHelper } from "./pinning.ts";
import { sendInSlots } from "../loadtest/schedule.ts";
import { ARENA_HEIGHT, ARENA_WIDTH, MAX_PLAYERS, PLAYER_RADIUS, PLAYER_SPEED } from "../rooms/arena/constants.ts";
import { loadConfig } from "../server/config.ts";
import { isAlive } from "../tools/process.ts";

/** The stock room runs at the rates our server would in this environment (TICK_RATE, PATCH_RATE), to compare like with like. */
const { tickRate: TICK_RATE, patchRate: PATCH_RATE } = loadConfig(process.env).rooms;

export interface StockResult {
  serverCpuMsPerCcuS: number;
  clientCpuMsPerClientS: number;
  /** Bytes the server process wrote per client-second: WebSocket frames, headers included. */
  bytesInPerClientS: number;
  /** Patches each client received per second. */
  messagesInPerClientS: number;
  /** Moves the server received per client-second. */
  messagesOutPerClientS: number;
  clients: number;
  holdSeconds: number;
}

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PATCHES = join(ROOT, "server/patches");
const SETTLE_MS = 3000;

/** What the stock server has spent and carried since it started. */
export interface StockUsage { cpu: NodeJS.CpuUsage; wchar: number; moves: number; players: number }

export interface StockServer {
  endpoint: string;
  usage(): Promise<StockUsage>;
  stop(): void;
}

/**
 * The stock room's server on `cpus` (taskset), with the runtime environment of ours (allocator, malloc arenas),
 * on the packages as npm installs them unless `modules` says otherwise (`ourModules()`).
 */
export async function startStockServer(cpus?: string, modules = stockModules()): Promise<StockServer> {
  const { child: server, line } = await startHelper("The stock server", SELF, ["serve", JSON.stringify({ modules })], { cpus, env: { ...process.env, ...serverEnv() } });
  const endpoint = `http://127.0.0.1:${Number(line)}`;
  return {
    endpoint,
    usage: async () => (await (await fetch(`${endpoint}/usage`)).json()) as StockUsage,
    stop: () => server.kill("SIGKILL"),
  };
}

export interface StockPlayers {
  /** CPU milliseconds the clients' process has used so far (user + system, from /proc, 10 ms resolution). */
  cpuMs(): number;
  stop(): void;
}

/** `clients` stock SDK clients playing the stock room until stopped; resolves once every one has joined. */
export async function startStockPlayers(endpoint: string, clients: number, modules = stockModules()): Promise<StockPlayers> {
  const { child: fleet } = await startHelper("The stock clients", SELF, ["play", JSON.stringify({ endpoint, clients, modules })]);
  return {
    cpuMs: () => {
      // /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks of 10 ms, after the parenthesised name.
      const fields = readFileSync(`/proc/${fleet.pid}/stat`, "utf8").split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    stop: () => fleet.kill("SIGKILL"),
  };
}

/** Stock Colyseus on `serverCpus` (taskset), `clients` stock SDK clients where this process runs, each side's cost over `holdSeconds`. */
export async function measureStock(clients: number, holdSeconds: number, serverCpus?: string): Promise<StockResult> {
  const server = await startStockServer(serverCpus);
  try {
    return await runHelper<StockResult>("The stock clients", SELF, ["clients", JSON.stringify({ clients, holdSeconds, endpoint: server.endpoint, modules: stockModules() })]);
  } finally {
    server.stop();
  }
}

/**
 * A directory whose node_modules is this checkout's with server/patches
 * undone, and a module in it that re-exports the packages the stock room and
 * clients use (so that they, and everything they import, resolve there).
 * Files are hard links to this checkout's, except in the patched packages,
 * which are real copies with their patch reversed.
 */
export function stockModules(): string {
  const patches = readdirSync(PATCHES).filter((f) => f.endsWith(".patch")).sort();
  const hash = createHash("sha256").update(readFileSync(join(ROOT, "package-lock.json")));
  for (const patch of patches) hash.update(patch).update(readFileSync(join(PATCHES, patch)));
  // Beside node_modules, on its filesystem (hard links cannot cross one), with the bench's other output; not
  // inside it, where it would look like a second copy of each package to anyone counting.
  const cache = join(ROOT, "loadtest-reports/.stock-packages");
  const dir = join(cache, `tickforge-stock-${hash.digest("hex").slice(0, 16)}`);
  if (existsSync(join(dir, "ready"))) return dir;

  // Built aside and renamed into place, so that processes asking at once (two spec files, say) never see half.
  mkdirSync(cache, { recursive: true });
  for (const entry of readdirSync(cache)) {
    const builder = /\.building-(\d+)$/.exec(entry);
    if (entry !== basename(dir) && !(builder && isAlive(Number(builder[1])))) rmSync(join(cache, entry), { recursive: true, force: true });
  }
  const building = `${dir}.building-${process.pid}`;
  mkdirSync(join(building, "node_modules"), { recursive: true });
  const entries = readdirSync(join(ROOT, "node_modules")).map((f) => join(ROOT, "node_modules", f));
  execFileSync("cp", ["-al", ...entries, join(building, "node_modules")]);
  for (const patch of patches) {
    // patch-package names a patch after its package: "@colyseus+core+0.18.17.patch", "ws+8.23.0.patch".
    const name = patch.replace(/\+[^+]+\.patch$/, "").replace("+", "/");
    // A real copy first: reversing the patch in a hard-linked file would undo it in this checkout too.
    rmSync(join(building, "node_modules", name), { recursive: true, force: true });
    execFileSync("cp", ["-a", join(ROOT, "node_modules", name), join(building, "node_modules", name)]);
    execFileSync("git", ["apply", "--reverse", join(PATCHES, patch)], { cwd: building, env: outsideRepository(cache) });
  }
  writeFileSync(join(building, "stock-packages.mjs"), STOCK_PACKAGES_MODULE);
  writeFileSync(join(building, "ready"), new Date().toISOString());
  try {
    renameSync(building, dir);
  } catch {
    rmSync(building, { recursive: true, force: true }); // another process got there first
  }
  if (!existsSync(join(dir, "ready"))) throw new Error(`stock: could not build ${dir}.`);
  return dir;
}

/**
 * The stock room's packages as this checkout runs them, every patch of server/patches applied: a
 * directory holding only the re-exporting module, from which imports resolve to this checkout's
 * node_modules. The stock room on these, against the same room on `stockModules()`, measures what the
 * patches alone save any room (`npm run compare -- --base stock --ours stock-room`).
 */
export function ourModules(): string {
  const dir = join(ROOT, "loadtest-reports/.our-packages");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "stock-packages.mjs"), STOCK_PACKAGES_MODULE);
  return dir;
}

/** The module both package sets load the stock room's packages through, so that they resolve beside it. */
const STOCK_PACKAGES_MODULE = [
  `export * as core from "@colyseus/core";`,
  `export * as transport from "@colyseus/ws-transport";`,
  `export * as schema from "@colyseus/schema";`,
  `export * as sdk from "@colyseus/sdk";`,
].join("\n");

/**
 * The environment for running git in `dir` as if no repository were around it: the cache sits inside this
 * checkout, and `git apply` run in a repository's subdirectory silently skips every path outside it.
 */
export function outsideRepository(dir: string): NodeJS.ProcessEnv {
  return { ...process.env, GIT_CEILING_DIRECTORIES: dir };
}


type StockPackages = {
  core: typeof import("@colyseus/core");
  transport: typeof import("@colyseus/ws-transport");
  schema: typeof import("@colyseus/schema");
  sdk: typeof import("@colyseus/sdk");
};

async function stockPackages(modules: string): Promise<StockPackages> {
  return await import(pathToFileURL(join(modules, "stock-packages.mjs")).href) as StockPackages;
}

async function serve({ modules }: { modules: string }): Promise<void> {
  const packages = await stockPackages(modules);
  const { defineServer, defineRoom, Room } = packages.core;
  const { WebSocketTransport } = packages.transport;
  const { schema, t } = packages.schema;

  const StockPlayer = schema({ x: t.float32().default(0), y: t.float32().default(0) }, "StockPlayer");
  const StockState = schema({ players: t.map(StockPlayer) }, "StockState");
  type Direction = { x: number; y: number };
  // The one addition to the minimal room: counters, so that the bench can check what it carried.
  let moves = 0;
  let players = 0;

  class StockRoom extends Room {
    maxClients = MAX_PLAYERS;
    patchRate = 1000 / PATCH_RATE;
    state = new StockState();
    directions = new Map<string, Direction>();

    onCreate() {
      this.onMessage("move", (client, direction: Direction) => {
        this.directions.set(client.sessionId, direction);
        moves++;
      });
      this.setSimulationInterval((dt) => {
        const step = (PLAYER_SPEED * dt) / 1000;
        this.state.players.forEach((player, sessionId) => {
          const d = this.directions.get(sessionId);
          if (!d) return;
          player.x = Math.min(ARENA_WIDTH - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, player.x + d.x * step));
          player.y = Math.min(ARENA_HEIGHT - PLAYER_RADIUS, Math.max(PLAYER_RADIUS, player.y + d.y * step));
        });
      }, 1000 / TICK_RATE);
    }

    onJoin(client: { sessionId: string }) {
      const player = new StockPlayer();
      player.x = ARENA_WIDTH / 2;
      player.y = ARENA_HEIGHT / 2;
      this.state.players.set(client.sessionId, player);
      players++;
    }

    onLeave(client: { sessionId: string }) {
      this.state.players.delete(client.sessionId);
      this.directions.delete(client.sessionId);
      players--;
    }
  }

  const server = defineServer({
    transport: new WebSocketTransport(),
    rooms: { stock: defineRoom(StockRoom) },
    greet: false,
    express: (app) => {
      // The clients read the server's CPU and bytes written over the same hold as their own.
      app.get("/usage", (_req, res) => { res.json({ cpu: process.cpuUsage(), wchar: bytesWritten(), moves, players } satisfies StockUsage); });
    },
  });
  await server.listen(0, "127.0.0.1");
  const address = (server.transport as unknown as { server: { address(): { port: number } } }).server.address();
  process.stdout.write(`${address.port}\n`);
}

/** Bytes this process has written through write(2) and friends: its sockets' traffic. */
function bytesWritten(): number {
  return Number(/wchar: (\d+)/.exec(readFileSync("/proc/self/io", "utf8"))?.[1] ?? 0);
}

type ClientsOptions = { endpoint: string; clients: number; modules: string };

/** Join every client, then send a move from each at every step until the process ends. */
async function playStock({ endpoint, clients, modules }: ClientsOptions): Promise<{ patches(): number }> {
  await import("../loadtest/node-socket.ts"); // the SDK on `ws`, as our bots run it
  const { Client } = (await stockPackages(modules)).sdk;
  let received = 0;
  const rooms: Awaited<ReturnType<InstanceType<typeof Client>["joinOrCreate"]>>[] = [];
  for (let i = 0; i < clients; i++) {
    const room = await new Client(endpoint).joinOrCreate("stock");
    room.onStateChange(() => { received++; });
    rooms.push(room);
  }
  // The move-only players of our bots (arena-players.ts): one of eight directions, re-rolled about once a
  // second and whenever the arena's edge stops the player; a move at every step, spread as the bots' steps are.
  const pick = () => DIRECTIONS[Math.floor(Math.random() * DIRECTIONS.length)];
  const heading = rooms.map(() => ({ direction: pick(), stepsLeft: rerollAfter(Math.random, TICK_RATE) }));
  const atEdge = (room: (typeof rooms)[number], [dx, dy]: readonly [number, number]) => {
    const me = (room.state as { players?: Map<string, { x: number; y: number }> }).players?.get(room.sessionId);
    if (!me) return false;
    const stopped = (v: number, d: number, max: number) => (d < 0 && v <= PLAYER_RADIUS) || (d > 0 && v >= max - PLAYER_RADIUS);
    return stopped(me.x, dx, ARENA_WIDTH) || stopped(me.y, dy, ARENA_HEIGHT);
  };
  sendInSlots(rooms.length, TICK_RATE, (i) => {
    const h = heading[i];
    if (--h.stepsLeft <= 0 || atEdge(rooms[i], h.direction)) {
      h.direction = pick();
      h.stepsLeft = rerollAfter(Math.random, TICK_RATE);
    }
    rooms[i].send("move", { x: h.direction[0], y: h.direction[1] });
  });
  return { patches: () => received };
}

/** Play, settle, then measure both sides over the hold and print the result. */
async function measureClients(options: ClientsOptions & { holdSeconds: number }): Promise<void> {
  const { endpoint, clients, holdSeconds } = options;
  const play = await playStock(options);
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

  const usage = async () => (await (await fetch(`${endpoint}/usage`)).json()) as StockUsage;
  const startServer = await usage();
  const startClients = process.cpuUsage();
  const startReceived = play.patches();
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, holdSeconds * 1000));
  const clientCpu = process.cpuUsage(startClients);
  const seconds = (performance.now() - startedAt) / 1000;
  const endReceived = play.patches();
  const endServer = await usage();

  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const clientSeconds = clients * seconds;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const result: StockResult = {
    serverCpuMsPerCcuS: round((ms(endServer.cpu) - ms(startServer.cpu)) / clientSeconds),
    clientCpuMsPerClientS: round(ms(clientCpu) / clientSeconds),
    bytesInPerClientS: Math.round((endServer.wchar - startServer.wchar) / clientSeconds),
    messagesInPerClientS: round((endReceived - startReceived) / clientSeconds),
    messagesOutPerClientS: round((endServer.moves - startServer.moves) / clientSeconds),
    clients,
    holdSeconds: round(seconds),
  };
  process.stdout.write(JSON.stringify(result));
  process.exit(0); // the rooms' sockets would keep the process alive; the server is stopped next anyway
}

const [role, json] = process.argv.slice(2);
if (process.argv[1] === SELF) {
  if (role === "serve") await serve(JSON.parse(json) as { modules: string });
  else if (role === "clients") await measureClients(JSON.parse(json) as ClientsOptions & { holdSeconds: number });
  else if (role === "play") {
    await playStock(JSON.parse(json) as ClientsOptions);
    process.stdout.write("in\n");
  } else {
    console.error("stock: run by the bench and npm run compare; roles are `serve`, `clients` and `play`.");
    process.exit(2);
  }
}

/**
 * The floor: what the same socket traffic costs through bare `ws` on this
 * machine, now, with no encoding, no simulation and no decoding.
 *
 * The reference figures (0.64 ms per CCU-second for a bare `ws`
 * server, 0.68–0.71 ms per bot-second for a bare `ws` client) were measured on
 * another machine; a host twice as fast halves every CPU figure, ours and the
 * floor alike. Measuring the floor beside each bench run turns the targets
 * into ratios that carry from one machine to another.
 *
 * A floor server (pinned like the game server) groups clients into rooms and,
 * at the patch rate, sends each client one payload of the size the game's
 * patches averaged; the clients send inputs of the game's average size at the
 * game's input rate and only count what arrives. Both measure their own CPU
 * over a hold once everyone is connected.
 *
 *   node bench/floor.ts serve '<json Traffic>'    (prints its port)
 *   node bench/floor.ts clients '<json>'          (prints its result)
 */
import { once } from "node:events";
import { createServer } from "node:http";
import { fileURLToPath } from "node:url";
import WebSocket, { WebSocketServer } from "ws";
import { serverEnv } from "../server/launch.ts";
import { runHelper, startHelper } from "./pinning.ts";
import { sendInSlots } from "../loadtest/schedule.ts";
import { frameOverhead } from "../loadtest/socket-probe.ts";

/** The traffic of one client, as a load run measured it at the socket (frame bytes, header included). */
export interface Traffic {
  clients: number;
  roomSize: number;
  /** Server → client. */
  messagesInPerClientS: number;
  bytesInPerClientS: number;
  /** Client → server. */
  messagesOutPerClientS: number;
  bytesOutPerClientS: number;
  holdSeconds: number;
}

export interface FloorResult {
  serverCpuMsPerCcuS: number;
  clientCpuMsPerClientS: number;
  /** What the floor actually carried, per client-second, to check it matched the traffic asked for. */
  messagesInPerClientS: number;
  messagesOutPerClientS: number;
  clients: number;
  holdSeconds: number;
}

const SELF = fileURLToPath(import.meta.url);
const SETTLE_MS = 2000;

/** Payload bytes of a frame of `frameBytes` on the wire, the inverse of the bots' byte count (socket-probe.ts). */
function payloadOf(frameBytes: number, masked: boolean): number {
  const smallest = frameOverhead(0, masked);
  return Math.max(1, Math.round(frameBytes - frameOverhead(frameBytes - smallest, masked)));
}

/** The floor for `traffic`: server on `serverCpus` (taskset), clients where this process runs. */
export async function measureFloor(traffic: Traffic, serverCpus?: string): Promise<FloorResult> {
  const { child: server, line } = await startHelper("The floor server", SELF, ["serve", JSON.stringify(traffic)], { cpus: serverCpus, env: { ...process.env, ...serverEnv() } });
  try {
    return await runHelper<FloorResult>("The floor clients", SELF, ["clients", JSON.stringify({ ...traffic, port: Number(line) })]);
  } finally {
    server.kill("SIGKILL");
  }
}

/** Rooms of `roomSize`; at the patch rate every member of every room is sent the same payload. */
async function serve(traffic: Traffic): Promise<void> {
  const payload = Buffer.alloc(payloadOf(traffic.bytesInPerClientS / traffic.messagesInPerClientS, false), 7);
  const rooms: WebSocket[][] = [];
  let received = 0;
  const http = createServer((req, res) => {
    // The clients read the server's CPU over the same hold as their own.
    if (req.url === "/cpu") res.end(JSON.stringify({ cpu: process.cpuUsage(), received }));
    else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on("connection", (ws) => {
    let room = rooms.at(-1);
    if (!room || room.length >= traffic.roomSize) {
      const members: WebSocket[] = room = [];
      rooms.push(members);
      // Each room on its own clock, as each Colyseus room has its own patch interval.
      setInterval(() => { for (const member of members) if (member.readyState === WebSocket.OPEN) member.send(payload); }, 1000 / traffic.messagesInPerClientS);
    }
    room.push(ws);
    ws.on("message", () => { received++; });
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  process.stdout.write(`${(http.address() as { port: number }).port}\n`);
}

/** Connect every client, send inputs at the input rate, count what arrives, and report both sides' CPU. */
async function clients(traffic: Traffic & { port: number }): Promise<void> {
  const input = Buffer.alloc(payloadOf(traffic.bytesOutPerClientS / traffic.messagesOutPerClientS, true), 3);
  const url = `ws://127.0.0.1:${traffic.port}`;
  let received = 0;
  const sockets: WebSocket[] = [];
  for (let i = 0; i < traffic.clients; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on("message", () => { received++; });
    sockets.push(ws);
  }
  await Promise.all(sockets.map((ws) => once(ws, "open")));
  const stopSending = sendInSlots(sockets.length, traffic.messagesOutPerClientS, (i) => sockets[i].send(input));
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

  const serverCpu = async () => (await (await fetch(`http://127.0.0.1:${traffic.port}/cpu`)).json()) as { cpu: NodeJS.CpuUsage; received: number };
  const startServer = await serverCpu();
  const startClients = process.cpuUsage();
  const startReceived = received;
  const startedAt = performance.now();
  await new Promise((resolve) => setTimeout(resolve, traffic.holdSeconds * 1000));
  const clientCpu = process.cpuUsage(startClients);
  const seconds = (performance.now() - startedAt) / 1000;
  const endServer = await serverCpu();
  stopSending();

  const ms = (u: NodeJS.CpuUsage) => (u.user + u.system) / 1000;
  const clientSeconds = traffic.clients * seconds;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const result: FloorResult = {
    serverCpuMsPerCcuS: round((ms(endServer.cpu) - ms(startServer.cpu)) / clientSeconds),
    clientCpuMsPerClientS: round(ms(clientCpu) / clientSeconds),
    messagesInPerClientS: round((received - startReceived) / clientSeconds),
    messagesOutPerClientS: round((endServer.received - startServer.received) / clientSeconds),
    clients: traffic.clients,
    holdSeconds: round(seconds),
  };
  process.stdout.write(JSON.stringify(result));
  for (const ws of sockets) ws.terminate();
}

const [role, json] = process.argv.slice(2);
if (process.argv[1] === SELF) {
  if (role === "serve") await serve(JSON.parse(json) as Traffic);
  else if (role === "clients") await clients(JSON.parse(json) as Traffic & { port: number });
  else {
    console.error("floor: run by the bench (measureFloor); roles are `serve` and `clients`.");
    process.exit(2);
  }
}

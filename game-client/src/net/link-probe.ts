/**
 * The network's round trip to a room's server, timed in a dedicated Worker
 * on a socket of its own: the page's main thread gets to a room socket's
 * answer only once the frame it is drawing is done, a worker's thread as the
 * answer arrives. The samples go to the page's round-trip estimate
 * (shared/round-trip.ts, `addNetwork`), which adds the link conditioner's
 * part from the room's own pings.
 *
 * The socket is the server's latency probe, the one `client.getLatency()`
 * uses: a WebSocket opened at the server's root, which Colyseus answers
 * with one byte per message and closes a second after it opened. So each
 * probe socket carries two pings, and the next ping after that opens a new one.
 *
 * Without `Worker` (Node: the specs, the bots) it does nothing; there no
 * frame holds a ping's answer up, and the room's pings time the network alone.
 */
import { Protocol, type Room } from "@colyseus/sdk";

/** What the page asks of the worker: ping the server at `url`, or (null) let go of the socket. */
type ProbeOrder = { url: string; code: number } | null;

/**
 * The worker's whole program. It runs from its own source text, so it uses
 * nothing from outside this function.
 */
function probeProgram(): void {
  /** Pings one probe socket carries, and how old it may be for another (the server closes it at 1 s). */
  const PINGS_PER_SOCKET = 2;
  const REUSE_WITHIN_MS = 700;
  /** A handshake or an answer awaited this long is given up with its socket, ms. */
  const GIVE_UP_MS = 5000;
  /** After a socket that never opened, orders skipped before trying again: doubled per failure in a row, up to a cap (each failure logs an error in the console). */
  const MOST_SKIPPED = 64;
  let failures = 0;
  let skip = 0;
  let socket: WebSocket | undefined;
  let socketUrl = "";
  let openedAt = 0;
  let pings = 0;
  let sentAt = 0;
  let awaiting = false;
  /** When the socket was opened or its ping sent, whichever is being waited for. */
  let since = 0;

  const retire = (ws: WebSocket) => {
    ws.onmessage = null;
    ws.onclose = null;
    // Closing a socket before its handshake is done logs an error in the page's console.
    if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close();
    else { ws.onopen = null; ws.close(); }
    if (socket === ws) socket = undefined;
  };
  const ping = (ws: WebSocket, code: number) => {
    pings++;
    awaiting = true;
    sentAt = since = performance.now();
    ws.send(new Uint8Array([code]));
  };

  self.onmessage = (event: MessageEvent<ProbeOrder>) => {
    const order = event.data;
    if (order === null) {
      if (socket) retire(socket);
      return;
    }
    const waiting = socket !== undefined && (awaiting || socket.readyState === WebSocket.CONNECTING);
    if (waiting && performance.now() - since < GIVE_UP_MS) return;
    const reusable = socket !== undefined && socketUrl === order.url && socket.readyState === WebSocket.OPEN
      && !awaiting && pings < PINGS_PER_SOCKET && performance.now() - openedAt < REUSE_WITHIN_MS;
    if (reusable) {
      ping(socket!, order.code);
      return;
    }
    if (skip > 0) {
      skip--;
      return;
    }
    if (socket) retire(socket);
    const ws = new WebSocket(order.url);
    ws.binaryType = "arraybuffer";
    socket = ws;
    socketUrl = order.url;
    since = performance.now();
    pings = 0;
    awaiting = false;
    let opened = false;
    ws.onopen = () => {
      opened = true;
      failures = 0;
      openedAt = performance.now();
      ping(ws, order.code);
    };
    ws.onmessage = () => {
      if (!awaiting) return;
      awaiting = false;
      postMessage(performance.now() - sentAt);
      if (pings >= PINGS_PER_SOCKET) retire(ws);
    };
    ws.onclose = () => {
      if (!opened) skip = Math.min(MOST_SKIPPED, 2 ** failures++);
      if (socket === ws) socket = undefined;
    };
  };
}

/** The server's latency probe for `room`: its socket's address without the `/<processId>/<roomId>` and the query. */
export function probeUrlOf(room: Room): string | undefined {
  const ws = (room.connection as unknown as { transport?: { ws?: { url?: string } } }).transport?.ws;
  if (!ws?.url) return undefined;
  const url = new URL(ws.url);
  url.pathname = url.pathname.replace(/\/[\w-]+\/[\w-]+\/?$/, "/");
  url.search = "";
  return url.toString();
}

export class LinkProbe {
  #worker: Worker | undefined;
  readonly #onSample: (ms: number) => void;

  constructor(onSample: (ms: number) => void) {
    this.#onSample = onSample;
  }

  /** Time one round trip to the server of `room`; the sample comes back through `onSample`. */
  ping(room: Room): void {
    if (typeof Worker !== "function") return;
    const url = probeUrlOf(room);
    if (!url) return;
    this.#worker ??= this.#start();
    this.#worker.postMessage({ url, code: Protocol.PING } satisfies ProbeOrder);
  }

  /** Let go of the probe socket (the player left the room or lost it). */
  stop(): void {
    this.#worker?.postMessage(null satisfies ProbeOrder);
  }

  #start(): Worker {
    const source = new Blob([`(${probeProgram.toString()})()`], { type: "text/javascript" });
    const worker = new Worker(URL.createObjectURL(source), { name: "link probe" });
    worker.onmessage = (event: MessageEvent<number>) => this.#onSample(event.data);
    return worker;
  }
}

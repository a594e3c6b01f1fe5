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
 * with one byte per message and closes it a second after it opened. So each
 * probe is a socket that carries two pings back to back and is then closed;
 * the page asks for one every PROBE_EVERY_MS, each a WebSocket handshake on
 * the server.
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
  /** Pings one probe socket carries, back to back (the server closes it a second after it opened). */
  const PINGS_PER_SOCKET = 2;
  /** A handshake or an answer awaited this long is given up with its socket, ms. */
  const GIVE_UP_MS = 5000;
  /** After a socket that never opened, orders skipped before trying again: doubled per failure in a row, up to a cap (each failure logs an error in the console). */
  const MOST_SKIPPED = 16;
  let failures = 0;
  let skip = 0;
  let socket: WebSocket | undefined;
  /** When the current socket was opened or its last ping sent. */
  let since = 0;

  const retire = (ws: WebSocket) => {
    ws.onmessage = null;
    ws.onclose = null;
    // Closing a socket before its handshake is done logs an error in the page's console.
    if (ws.readyState === WebSocket.CONNECTING) ws.onopen = () => ws.close();
    else { ws.onopen = null; ws.close(); }
    if (socket === ws) socket = undefined;
  };

  self.onmessage = (event: MessageEvent<ProbeOrder>) => {
    const order = event.data;
    if (order === null) {
      if (socket) retire(socket);
      return;
    }
    if (socket && performance.now() - since < GIVE_UP_MS) return; // the last burst is still under way
    if (skip > 0) {
      skip--;
      return;
    }
    if (socket) retire(socket);
    const ws = new WebSocket(order.url);
    ws.binaryType = "arraybuffer";
    socket = ws;
    since = performance.now();
    let pings = 0;
    let sentAt = 0;
    let opened = false;
    const ping = () => {
      pings++;
      sentAt = since = performance.now();
      ws.send(new Uint8Array([order.code]));
    };
    ws.onopen = () => {
      opened = true;
      failures = 0;
      ping();
    };
    ws.onmessage = () => {
      postMessage(performance.now() - sentAt);
      if (pings < PINGS_PER_SOCKET) ping();
      else retire(ws);
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

/** How often the page probes, ms: the least of a few round trips is all the estimate keeps, and each probe is a WebSocket handshake on the server. */
export const PROBE_EVERY_MS = 4000;

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

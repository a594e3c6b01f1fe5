/**
 * A bound on each socket's outgoing buffer. A client that stops reading (a
 * stalled phone, a hostile peer) makes the server buffer everything sent to
 * it; past MAX_SEND_BUFFER_BYTES the socket is closed with
 * SLOW_CONSUMER_CLOSE_CODE and destroyed shortly after, returning its buffer.
 * Its room sees a drop, not a kick, so the seat is held for the reconnection
 * window.
 *
 * Checked on a timer rather than on every send: the per-frame path stays as
 * it is, and a socket can overshoot the bound by at most what the server
 * sends it in one interval.
 */
import type { WebSocket } from "ws";
import { Protocol } from "@colyseus/core";
import { Counter } from "prom-client";
import { SLOW_CONSUMER_CLOSE_CODE } from "../errors.ts";
import { logger } from "../logger.ts";
import { registry } from "../metrics.ts";

export const SLOW_CONSUMER_CHECK_MS = 250;
/** Between the close frame and destroying the socket: a slow reader that catches up still gets the code. */
export const SLOW_CONSUMER_GRACE_MS = 2000;

const dropped = new Counter({
  name: "tickforge_slow_consumers_dropped_total",
  help: "Sockets closed because their outgoing buffer passed MAX_SEND_BUFFER_BYTES.",
  registers: [registry],
});

/** Watch `sockets` (the transport's live set); returns a stop function. */
export function dropSlowConsumers(sockets: Set<WebSocket>, maxBytes: number): () => void {
  const closing = new WeakSet<WebSocket>();
  const timer = setInterval(() => {
    for (const socket of sockets) {
      if (socket.bufferedAmount <= maxBytes || closing.has(socket)) continue;
      closing.add(socket);
      dropped.inc();
      logger.warn({ bufferedBytes: socket.bufferedAmount, maxBytes }, "slow consumer dropped: its outgoing buffer is over MAX_SEND_BUFFER_BYTES; its seat is held");
      socket.close(SLOW_CONSUMER_CLOSE_CODE, "You stopped reading: reconnect to resume your seat.");
      setTimeout(() => socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
    }
  }, SLOW_CONSUMER_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A room socket must acknowledge its join (the SDK does so at once): until it
 * does, Colyseus keeps everything the room sends it in a list of its own,
 * which no buffer bound sees. One that has not within `deadlineMs` is closed,
 * and its seat released as for any socket that never completed a join.
 */
export function closeUnacknowledgedJoins(socket: WebSocket, deadlineMs: number): void {
  const timer = setTimeout(() => {
    logger.warn({ deadlineMs }, "room socket closed: it never acknowledged its join");
    socket.terminate();
  }, deadlineMs);
  timer.unref();
  const onMessage = (data: Buffer) => {
    if (data[0] !== Protocol.JOIN_ROOM) return;
    clearTimeout(timer);
    socket.off("message", onMessage);
  };
  socket.on("message", onMessage);
  socket.once("close", () => clearTimeout(timer));
}

/**
 * A bound on each room socket's outgoing buffer. A client that stops reading
 * (a stalled phone, a hostile peer) makes the server buffer everything sent
 * to it; once a send leaves more than MAX_SEND_BUFFER_BYTES waiting, the
 * socket is closed with CloseCode.SLOW_CONSUMER and destroyed shortly
 * after, returning its buffer. Its room sees a drop, not a kick, so the seat
 * is held for the reconnection window. Checked after every send (a read of
 * ws's buffered byte count), so a socket holds at most the bound and one message.
 */
import type { WebSocket } from "ws";
import { Protocol } from "@colyseus/core";
import { Counter } from "prom-client";
import { CloseCode } from "../../shared/protocol.ts";
import { logger } from "../logger.ts";
import { registry } from "../ops/metrics.ts";

/** Between the close frame and destroying the socket: a slow reader that catches up still gets the code. */
export const SLOW_CONSUMER_GRACE_MS = 2000;

const dropped = new Counter({
  name: "tickforge_slow_consumers_dropped_total",
  help: "Sockets closed because their outgoing buffer passed MAX_SEND_BUFFER_BYTES.",
  registers: [registry],
});

export function boundSendBuffer(socket: WebSocket, maxBytes: number): void {
  const send = socket.send;
  socket.send = function boundedSend(this: WebSocket, ...args: unknown[]) {
    (send as (...a: unknown[]) => void).apply(this, args);
    if (this.bufferedAmount > maxBytes && this.readyState === this.OPEN) dropSlowConsumer(this, maxBytes);
  } as typeof socket.send;
}

function dropSlowConsumer(socket: WebSocket, maxBytes: number): void {
  dropped.inc();
  logger.warn({ bufferedBytes: socket.bufferedAmount, maxBytes }, "slow consumer dropped: its outgoing buffer is over MAX_SEND_BUFFER_BYTES; its seat is held");
  socket.close(CloseCode.SLOW_CONSUMER, "You stopped reading: reconnect to resume your seat.");
  setTimeout(() => socket.terminate(), SLOW_CONSUMER_GRACE_MS).unref();
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

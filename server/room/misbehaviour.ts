/**
 * Taking a client that misbehaved out of its room: one that broke the wire
 * protocol (server/room/frame-guard.ts, or `ws` itself in the transport) or
 * was kicked for its conduct (server/room/conduct.ts). It leaves its room at
 * once, with the server's close code rather than whatever its peer answers
 * the close with, nothing more it sent is read, and SeatHolding holds no
 * seat for it (`closedForMisbehaviour`).
 */
import type { Client } from "@colyseus/core";
import { CloseCode } from "../../shared/protocol.ts";
import { leaveRoomNow, type RoomSocket } from "./colyseus-internals.ts";

/** Sockets the server closed for misbehaviour: their seats are not held. */
const misbehaving = new WeakSet<object>();

/** Was this client's socket closed for misbehaviour (a protocol error, or a kick)? */
export function closedForMisbehaviour(client: Client): boolean {
  return client.ref !== undefined && misbehaving.has(client.ref);
}

/**
 * Take a socket that misbehaved out of its room now, with `code`: its seat
 * is freed at once and not held, and nothing more it sent is read.
 */
export function leaveForMisbehaviour(socket: RoomSocket, code: number = CloseCode.PROTOCOL_ERROR): void {
  misbehaving.add(socket);
  leaveRoomNow(socket, code);
}

/**
 * Take `client` out of its room now and close its socket with `code` and
 * `reason`. The room sees `code`, not the peer's answer to the close, which
 * a hostile peer chooses (or never sends: `ws` then waits 30 s).
 */
export function removeForMisbehaviour(client: Client, code: number, reason: string): void {
  leaveForMisbehaviour(client.ref as unknown as RoomSocket, code);
  client.leave(code, reason);
}

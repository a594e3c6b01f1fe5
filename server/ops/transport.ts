/**
 * Colyseus's WebSocket transport with a meter on every room socket: frames in
 * and out by kind, and the bytes of state sent, per room type. Counting at the
 * socket sees everything the room and the SDK exchange, including the patches
 * Colyseus encodes internally, without touching the protocol.
 *
 * A room socket whose frames `ws` refuses (bad framing, invalid UTF-8, over
 * maxPayload) also leaves its room at once: `ws` has sent its close code, and
 * the seat is not held (server/room/misbehaviour.ts).
 */
import type { IncomingMessage } from "node:http";
import { matchMaker, Protocol } from "@colyseus/core";
import { PROTOCOL_CODE_MASK } from "@colyseus/shared-types";
import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { leaveForMisbehaviour } from "../room/misbehaviour.ts";
import { messagesReceived, messagesSent, patchBytes, type CounterCell } from "./metrics.ts";

const KIND: Record<number, string> = {
  [Protocol.JOIN_ROOM]: "join",
  [Protocol.ERROR]: "error",
  [Protocol.LEAVE_ROOM]: "leave",
  [Protocol.ROOM_DATA]: "message",
  [Protocol.ROOM_DATA_BYTES]: "message",
  [Protocol.ROOM_STATE]: "state",
  [Protocol.ROOM_STATE_PATCH]: "patch",
  [Protocol.PING]: "ping",
  [Protocol.ROOM_INPUT_RELIABLE]: "input",
  [Protocol.ROOM_INPUT_UNRELIABLE]: "input",
  [Protocol.ROOM_REQUEST]: "request",
  [Protocol.ROOM_RESPONSE]: "response",
};

export class MeteredWebSocketTransport extends WebSocketTransport {
  constructor(options: TransportOptions) {
    super(options);
    // Runs after Colyseus's own connection handler, before the join frame goes out.
    this.wss.on("connection", (socket: WebSocket, req: IncomingMessage) => meter(socket, req));
  }

  /** Call `listener` for every room socket once its handshake completed, after Colyseus's own handler. */
  onRoomSocket(listener: (socket: WebSocket, req: IncomingMessage) => void): void {
    this.wss.on("connection", (socket: WebSocket, req: IncomingMessage) => {
      if (ROOM_SOCKET_PATH.test(req.url ?? "")) listener(socket, req);
    });
  }

  /** Every open socket (ws's live set). */
  get sockets(): Set<WebSocket> {
    return this.wss.clients;
  }
}

/** `/<processId>/<roomId>`: a room socket; anything else is the SDK's latency probe. */
const ROOM_SOCKET_PATH = /\/[\w-]+\/([\w-]+)(?:\?|$)/;

function meter(socket: WebSocket, req: IncomingMessage) {
  const roomId = ROOM_SOCKET_PATH.exec(req.url ?? "")?.[1];
  if (!roomId) return; // the SDK's latency probe, not a room socket
  const { received, sent, stateBytes } = cellsOf(matchMaker.getLocalRoomById(roomId)?.roomName ?? "unknown");

  socket.on("message", (data: Buffer) => {
    received[codeOf(data)].value++;
  });
  // ws emits "error" on a server socket only for a frame that breaks the WebSocket protocol.
  socket.on("error", () => leaveForMisbehaviour(socket));

  const send = socket.send;
  socket.send = function meteredSend(this: WebSocket, data: any, ...rest: any[]) {
    const code = codeOf(data);
    sent[code].value++;
    if (code === Protocol.ROOM_STATE_PATCH || code === Protocol.ROOM_STATE) stateBytes.value += byteLength(data);
    return (send as (...args: any[]) => void).call(this, data, ...rest);
  } as typeof socket.send;
}

/** No protocol code: an empty or unreadable frame. Counted as "other". */
const NO_CODE = PROTOCOL_CODE_MASK + 1;

/** One room type's running totals: frames in and out by protocol code, and bytes of state. */
interface RoomTypeCells { received: CounterCell[]; sent: CounterCell[]; stateBytes: CounterCell }

/**
 * Built once per room type and shared by all its sockets (a set per socket
 * costs every connection memory). Arrays indexed by code: the per-frame
 * lookup is an element load, where a lookup by kind name went through V8's
 * megamorphic keyed-load path.
 */
const cellsByRoomType = new Map<string, RoomTypeCells>();

function cellsOf(roomType: string): RoomTypeCells {
  let cells = cellsByRoomType.get(roomType);
  if (!cells) {
    const byCode = (counter: typeof messagesSent) =>
      Array.from({ length: NO_CODE + 1 }, (_, code) => counter.cell(roomType, KIND[code] ?? "other"));
    cells = { received: byCode(messagesReceived), sent: byCode(messagesSent), stateBytes: patchBytes.cell(roomType) };
    cellsByRoomType.set(roomType, cells);
  }
  return cells;
}

function codeOf(data: unknown): number {
  const first = data instanceof Uint8Array ? data[0] : Array.isArray(data) ? (data[0] as Uint8Array)?.[0] : undefined;
  return first === undefined ? NO_CODE : first & PROTOCOL_CODE_MASK; // the code is the first byte's low bits; its top bits are modifiers (timed, …)
}

function byteLength(data: unknown): number {
  if (data instanceof Uint8Array) return data.byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n, part) => n + byteLength(part), 0);
  return 0;
}

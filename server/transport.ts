/**
 * Colyseus's WebSocket transport with a meter on every room socket: frames in
 * and out by kind, and the bytes of state sent, per room type. Counting at the
 * socket sees everything the room and the SDK exchange, including the patches
 * Colyseus encodes internally, without touching the protocol.
 */
import type { IncomingMessage } from "node:http";
import { matchMaker, Protocol } from "@colyseus/core";
import { WebSocketTransport, type TransportOptions } from "@colyseus/ws-transport";
import type { WebSocket } from "ws";
import { messagesReceived, messagesSent, patchBytes, type CounterCell } from "./metrics.ts";

/** The protocol code is the first byte; its top three bits are modifiers (timed, …). */
const CODE_MASK = 0x1f;

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
}

function meter(socket: WebSocket, req: IncomingMessage) {
  const roomId = /\/[\w-]+\/([\w-]+)(?:\?|$)/.exec(req.url ?? "")?.[1];
  if (!roomId) return; // the SDK's latency probe, not a room socket
  const roomType = matchMaker.getLocalRoomById(roomId)?.roomName ?? "unknown";
  const received = cellsByKind(messagesReceived, roomType);
  const sent = cellsByKind(messagesSent, roomType);
  const stateBytes = patchBytes.cell(roomType);

  socket.on("message", (data: Buffer) => {
    received[kindOf(data)].value++;
  });

  const send = socket.send;
  socket.send = function meteredSend(this: WebSocket, data: any, ...rest: any[]) {
    const kind = kindOf(data);
    sent[kind].value++;
    if (kind === "patch" || kind === "state") stateBytes.value += byteLength(data);
    return (send as (...args: any[]) => void).call(this, data, ...rest);
  } as typeof socket.send;
}

/** Every kind kindOf() can answer. */
const KINDS = [...new Set(Object.values(KIND)), "other"];

/** Every kind's running total for one room type, looked up once per socket. */
function cellsByKind(counter: typeof messagesSent, roomType: string): Record<string, CounterCell> {
  const cells: Record<string, CounterCell> = {};
  for (const kind of KINDS) cells[kind] = counter.cell(roomType, kind);
  return cells;
}

function kindOf(data: unknown): string {
  const first = data instanceof Uint8Array ? data[0] : Array.isArray(data) ? (data[0] as Uint8Array)?.[0] : undefined;
  if (first === undefined) return "other";
  return KIND[first & CODE_MASK] ?? "other";
}

function byteLength(data: unknown): number {
  if (data instanceof Uint8Array) return data.byteLength;
  if (data instanceof ArrayBuffer) return data.byteLength;
  if (Array.isArray(data)) return data.reduce((n, part) => n + byteLength(part), 0);
  return 0;
}

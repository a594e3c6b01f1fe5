/**
 * The wire check in front of every room's decoders. Every length, count,
 * index and type code in a client's frame comes from the client; here each
 * is checked against the frame's own size and the room's input schema before
 * Colyseus reads the frame, so a frame that would make a decoder loop,
 * allocate, log or read past its end never gets there. A frame that fails is
 * a protocol error: no conforming client sends one, so its sender is closed
 * with CloseCode.PROTOCOL_ERROR and a reason, and leaves its room at once,
 * its seat not held (server/room/misbehaviour.ts).
 *
 * createGameServer installs the check on every room class it registers
 * (`checkFrames`); the transport frees the seat of a socket whose frames `ws`
 * itself refuses (`leaveForMisbehaviour`).
 *
 * The layouts checked are Colyseus 0.18's (shared-types Protocol.ts, the SDK's
 * Room.ts and InputHandle.ts, schema's InputEncoder); docs/operations.md,
 * "Client frames and protocol errors", lists them with the limits.
 */
import { decode, type Iterator } from "@colyseus/schema";
import { unpack } from "msgpackr";
import type { Client, Room } from "@colyseus/core";
import { Protocol, ProtocolModifier, PROTOCOL_CODE_MASK, PROTOCOL_MODIFIER_MASK } from "@colyseus/shared-types";
import { CloseCode } from "../../shared/protocol.ts";
import { closeReason } from "../errors.ts";
import { clientLogs, clip } from "../log-limit.ts";
import { logger } from "../logger.ts";
import { rejectedMessages } from "../ops/metrics.ts";
import { checkFramesBeforeDecoding, declaredInput } from "./colyseus-internals.ts";
import { removeForMisbehaviour } from "./misbehaviour.ts";

/** More inputs than this in one unreliable frame is a protocol error (the SDK sends its `historySize`, 3 by default). */
export const MAX_INPUTS_PER_FRAME = 32;
/** A message type name longer than this is a protocol error: type names are identifiers, not payload. */
export const MAX_MESSAGE_TYPE_BYTES = 64;

/** Why a frame was refused; its message is the close reason. */
export class FrameError extends Error {
  override name = "FrameError";
}

/** Reads one value of an input field and returns the bytes it took, or throws. */
type FieldWalker = (bytes: Uint8Array, offset: number, end: number) => number;

/** What a room expects on its input channel. */
export interface InputWire {
  /** The input schema's name, for reasons. */
  name: string;
  /** By field index; undefined: no such field. Null when the schema has fields the check cannot size (nested schemas, collections): bodies then go to the decoder unchecked. */
  fields: (FieldWalker | undefined)[] | null;
  /** The room stamps both reckon and render time (two series in an unreliable stamp block, a uint16 after a reliable stamp). */
  stampsBoth: boolean;
}

const FIXED_SIZE: Record<string, number> = {
  int8: 1, uint8: 1, boolean: 1, int16: 2, uint16: 2, int32: 4, uint32: 4, float32: 4,
  float64: 8, int64: 8, uint64: 8, bigint64: 8, biguint64: 8,
};

/** Bytes a schema/msgpack number takes, by its first byte (schema's decode.number); 0: not a number. */
function numberSize(prefix: number): number {
  if (prefix < 0x80 || prefix > 0xdf) return 1;
  switch (prefix) {
    case 0xcc: case 0xd0: return 2;
    case 0xcd: case 0xd1: return 3;
    case 0xca: case 0xce: case 0xd2: return 5;
    case 0xcb: case 0xcf: case 0xd3: return 9;
    default: return 0;
  }
}

function walkNumber(bytes: Uint8Array, offset: number, end: number): number {
  const size = offset < end ? numberSize(bytes[offset]) : 0;
  if (size === 0) throw new FrameError(offset < end ? `byte 0x${bytes[offset].toString(16)} at ${offset} is not a number` : `a number is missing at ${offset}`);
  if (offset + size > end) throw new FrameError(`a ${size}-byte number at ${offset} runs past the end`);
  return size;
}

/** A schema string: [prefix][utf-8 bytes]; returns [bytes taken, string length]. */
function stringExtent(bytes: Uint8Array, offset: number, end: number): [header: number, length: number] {
  const prefix = bytes[offset];
  let header = 1, length: number;
  if (prefix >= 0xa0 && prefix < 0xc0) length = prefix & 0x1f;
  else if (prefix === 0xd9) { header = 2; length = bytes[offset + 1]; }
  else if (prefix === 0xda) { header = 3; length = bytes[offset + 1] | (bytes[offset + 2] << 8); }
  else if (prefix === 0xdb) { header = 5; length = (bytes[offset + 1] | (bytes[offset + 2] << 8) | (bytes[offset + 3] << 16) | (bytes[offset + 4] << 24)) >>> 0; }
  else throw new FrameError(`byte 0x${prefix?.toString(16)} at ${offset} is not a string`);
  if (offset + header > end || length > end - offset - header) throw new FrameError(`a ${length}-byte string at ${offset} runs past the end`);
  return [header, length];
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function walkString(bytes: Uint8Array, offset: number, end: number): number {
  const [header, length] = stringExtent(bytes, offset, end);
  checkUtf8(bytes, offset + header, length);
  return header + length;
}

function checkUtf8(bytes: Uint8Array, offset: number, length: number) {
  try {
    strictUtf8.decode(bytes.subarray(offset, offset + length));
  } catch {
    throw new FrameError(`the string at ${offset} is not UTF-8`);
  }
}

function fixed(size: number): FieldWalker {
  return (_bytes, offset, end) => {
    if (offset + size > end) throw new FrameError(`a ${size}-byte field at ${offset} runs past the end`);
    return size;
  };
}

function walkerFor(type: unknown): FieldWalker | undefined {
  if (type === "number") return walkNumber;
  if (type === "string") return walkString;
  if (typeof type === "string") return FIXED_SIZE[type] ? fixed(FIXED_SIZE[type]) : undefined;
  const wire = (type as { quantized?: { wire?: string } } | null)?.quantized?.wire;
  return wire && FIXED_SIZE[wire] ? fixed(FIXED_SIZE[wire]) : undefined;
}

const inputFieldsByClass = new WeakMap<object, InputWire["fields"]>();

/** The input check for a room's input class (built once per class). */
export function inputWire(inputClass: { name: string } & object, stampsBoth: boolean): InputWire {
  let fields = inputFieldsByClass.get(inputClass);
  if (fields === undefined) {
    const metadata = (inputClass as Record<symbol, unknown>)[Symbol.metadata] as Record<number, { type: unknown }> | undefined;
    fields = [];
    for (let index = 0; metadata?.[index] !== undefined; index++) {
      const walker = walkerFor(metadata[index].type);
      if (!walker) { fields = null; break; }
      fields[index] = walker;
    }
    inputFieldsByClass.set(inputClass, fields);
  }
  return { name: nameOf(inputClass), fields, stampsBoth };
}

/** The input class's name, or the nearest named class it extends (a class made by a function has none). */
function nameOf(inputClass: object): string {
  for (let c: any = inputClass; c && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (c.name) return c.name;
  }
  return "the input schema";
}

/**
 * An input body, as schema's InputEncoder writes it: field operations on the
 * one input struct, each `[ADD or REPLACE | field index][value]`.
 */
function checkInputBody(bytes: Uint8Array, offset: number, end: number, input: InputWire) {
  const fields = input.fields;
  if (fields === null) return;
  while (offset < end) {
    const op = bytes[offset];
    const operation = op & 0xc0;
    if (operation !== 0 && operation !== 0x80) throw new FrameError(`operation 0x${op.toString(16)} at ${offset}: an input only sets fields`);
    const index = op & 0x3f;
    const walk = fields[index];
    if (!walk) throw new FrameError(`field ${index} at ${offset} is not in ${input.name}`);
    offset += 1 + walk(bytes, offset + 1, end);
  }
}

/** A number at `it.offset` that must be an integer in [min, max]; advances the iterator. */
function readInteger(bytes: Uint8Array, it: Iterator, what: string, min: number, max: number): number {
  const at = it.offset;
  walkNumber(bytes, at, bytes.length);
  const value = decode.number(bytes, it) as number;
  if (!Number.isInteger(value) || value < min || value > max) throw new FrameError(`${what} ${value} at ${at} is not an integer in ${min}–${max}`);
  return value;
}

function readFiniteNumber(bytes: Uint8Array, it: Iterator, what: string): number {
  const at = it.offset;
  walkNumber(bytes, at, bytes.length);
  const value = decode.number(bytes, it) as number;
  if (!Number.isFinite(value)) throw new FrameError(`${what} at ${at} is not a finite number`);
  return value;
}

function skip(bytes: Uint8Array, it: Iterator, count: number, what: string) {
  if (it.offset + count > bytes.length) throw new FrameError(`${what} at ${it.offset} runs past the end`);
  it.offset += count;
}

/** A message type: a string (1–MAX_MESSAGE_TYPE_BYTES bytes of UTF-8) or a number, as the SDK's send() writes it. */
function checkMessageType(bytes: Uint8Array, it: Iterator) {
  const prefix = bytes[it.offset];
  if (prefix === undefined) throw new FrameError("the message type is missing");
  // Colyseus reads a string only where decode.stringCheck says so (0xa1–0xbf, 0xd9–0xdb); anything else as a number.
  if ((prefix > 0xa0 && prefix < 0xc0) || prefix === 0xd9 || prefix === 0xda || prefix === 0xdb) {
    const [header, length] = stringExtent(bytes, it.offset, bytes.length);
    if (length > MAX_MESSAGE_TYPE_BYTES) throw new FrameError(`a ${length}-byte message type (at most ${MAX_MESSAGE_TYPE_BYTES})`);
    checkUtf8(bytes, it.offset + header, length);
    it.offset += header + length;
  } else {
    readFiniteNumber(bytes, it, "the message type");
  }
}

/**
 * A room message's payload, from `offset` to the end: one msgpack value, or
 * nothing. Colyseus closes a sender whose payload it cannot decode with a
 * plain leave, whose seat the peer's answer to the close could hold; here it
 * is a protocol error like any other bad frame.
 */
function checkMsgpack(bytes: Uint8Array, offset: number) {
  if (offset >= bytes.length) return;
  try {
    unpack(bytes.subarray(offset));
  } catch {
    throw new FrameError(`the message payload at ${offset} is not one msgpack value`);
  }
}

/**
 * The unreliable input frame: `[k][uint32 newest][Δ]×(k−1)` (then the same
 * again after a uint16 when both timelines are stamped) when TIMED, then
 * `[baseSeq]([length][body])…`, with k equal to the number of bodies.
 */
function checkUnreliableInput(bytes: Uint8Array, timed: boolean, input: InputWire) {
  const it: Iterator = { offset: 1 };
  let stamps = -1;
  if (timed) {
    stamps = readInteger(bytes, it, "the stamp count", 1, MAX_INPUTS_PER_FRAME);
    for (let series = 0; series < (input.stampsBoth ? 2 : 1); series++) {
      skip(bytes, it, series === 0 ? 4 : 2, "the newest stamp");
      for (let i = 1; i < stamps; i++) readFiniteNumber(bytes, it, "a stamp delta");
    }
  }
  readInteger(bytes, it, "the base sequence", 0, Number.MAX_SAFE_INTEGER);
  let count = 0;
  while (it.offset < bytes.length) {
    if (++count > MAX_INPUTS_PER_FRAME) throw new FrameError(`more than ${MAX_INPUTS_PER_FRAME} inputs in one frame`);
    const length = readInteger(bytes, it, "an input length", 0, bytes.length - it.offset - 1);
    if (length > bytes.length - it.offset) throw new FrameError(`an input of ${length} bytes at ${it.offset} runs past the end`);
    checkInputBody(bytes, it.offset, it.offset + length, input);
    it.offset += length;
  }
  if (timed && count !== stamps) throw new FrameError(`${stamps} stamps for ${count} inputs`);
}

/** The reliable input frame: `[Δstamp][uint16 renderDelta]?` when TIMED, then one body. */
function checkReliableInput(bytes: Uint8Array, timed: boolean, input: InputWire) {
  const it: Iterator = { offset: 1 };
  if (timed) {
    readFiniteNumber(bytes, it, "the stamp delta");
    if (input.stampsBoth) skip(bytes, it, 2, "the render delay");
  }
  checkInputBody(bytes, it.offset, bytes.length, input);
}

/**
 * Check one client frame. Returns why it breaks the protocol, or undefined
 * when Colyseus may read it. `input` is null for a room that takes no inputs.
 */
export function frameProblem(bytes: Uint8Array, input: InputWire | null): string | undefined {
  try {
    if (bytes.length === 0) throw new FrameError("an empty frame");
    const code = bytes[0] & PROTOCOL_CODE_MASK;
    const modifiers = bytes[0] & PROTOCOL_MODIFIER_MASK;
    const isInput = code === Protocol.ROOM_INPUT_RELIABLE || code === Protocol.ROOM_INPUT_UNRELIABLE;
    if (modifiers !== 0 && !(isInput && modifiers === ProtocolModifier.TIMED)) {
      throw new FrameError(`modifier bits 0x${modifiers.toString(16)} on frame type ${code}`);
    }
    switch (code) {
      case Protocol.JOIN_ROOM:
      case Protocol.LEAVE_ROOM:
      case Protocol.PING:
        if (bytes.length !== 1) throw new FrameError(`a ${bytes.length}-byte frame of type ${code}, which is one byte`);
        return undefined;
      case Protocol.ROOM_DATA: {
        const it: Iterator = { offset: 1 };
        checkMessageType(bytes, it);
        checkMsgpack(bytes, it.offset);
        return undefined;
      }
      case Protocol.ROOM_DATA_BYTES:
        checkMessageType(bytes, { offset: 1 });
        return undefined; // the payload is bytes, handed to the room as they are
      case Protocol.ROOM_REQUEST: {
        const it: Iterator = { offset: 1 };
        readInteger(bytes, it, "the request id", 0, Number.MAX_SAFE_INTEGER);
        checkMessageType(bytes, it);
        return undefined;
      }
      case Protocol.ROOM_INPUT_RELIABLE:
      case Protocol.ROOM_INPUT_UNRELIABLE:
        if (!input) throw new FrameError("an input frame: this room takes no inputs");
        if (code === Protocol.ROOM_INPUT_RELIABLE) checkReliableInput(bytes, modifiers !== 0, input);
        else checkUnreliableInput(bytes, modifiers !== 0, input);
        return undefined;
      default:
        throw new FrameError(`frame type ${code} is not one a client sends`);
    }
  } catch (error) {
    if (error instanceof FrameError) return error.message;
    throw error;
  }
}

/** Each room's input check, settled by its first frame (a room declares its input when it is created). */
const inputWires = new WeakMap<Room, InputWire>();

function inputWireOf(room: Room): InputWire | null {
  const cached = inputWires.get(room);
  if (cached) return cached;
  const input = declaredInput(room);
  if (!input) return null; // not cached: a room that declares its input later is checked against it from then on
  const wire = inputWire(input.type as { name: string }, input.stampsBoth);
  inputWires.set(room, wire);
  return wire;
}

/** Check every frame a client of `RoomClass` sends before Colyseus decodes it. */
export function checkFrames(RoomClass: new (...args: any[]) => Room): void {
  checkFramesBeforeDecoding(RoomClass, passesTheWireCheck);
}

function passesTheWireCheck(room: Room, client: Client, bytes: Uint8Array): boolean {
  let problem: string | undefined;
  try {
    problem = frameProblem(bytes, inputWireOf(room));
  } catch (error) {
    // A bug in the check, not in the frame: it must not escape ws's "message" listener and stop the process.
    if (clientLogs.allow(client.sessionId)) logger.error({ err: error, roomId: room.roomId, sessionId: client.sessionId }, "the frame check failed");
    problem = "the frame could not be checked";
  }
  if (problem === undefined) return true;
  closeForProtocolError(room, client, problem);
  return false;
}

/**
 * A frame broke the wire protocol: close its sender with a reason, and free
 * its seat now rather than after the close handshake, which a hostile peer
 * never finishes. Nothing it sent is applied.
 */
function closeForProtocolError(room: Room, client: Client, problem: string): void {
  if (clientLogs.allow(client.sessionId)) {
    logger.warn({ roomId: room.roomId, sessionId: client.sessionId, code: CloseCode.PROTOCOL_ERROR }, clip(`closed for a protocol error: ${problem}`));
  }
  rejectedMessages.labels(room.roomName, "protocol_error").inc();
  removeForMisbehaviour(client, CloseCode.PROTOCOL_ERROR, closeReason(`Protocol error: ${problem}`));
}

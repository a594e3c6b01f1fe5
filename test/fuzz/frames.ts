/**
 * The frames the protocol fuzzer sends, from three strategies, all
 * deterministic for a seed:
 *
 * - `random`: random bytes, half of them behind a frame type a client sends;
 * - `mutation`: every valid frame a client sends (built with the SDK's and
 *   schema's own encoders) with each byte in turn replaced by a hostile value,
 *   and each of its prefixes (a truncated frame);
 * - `structured`: fast-check arbitraries for each frame type, with valid
 *   headers around hostile numbers: negative, huge, fractional, NaN and
 *   truncated lengths, counts, sequence numbers, request ids, stamp blocks,
 *   field indexes and operations, string lengths past the end, invalid UTF-8,
 *   and msgpack payloads with hostile counts and deep nesting.
 */
import fc from "fast-check";
import { encode, type Iterator } from "@colyseus/schema";
import { InputEncoder } from "@colyseus/schema/input";
import { Protocol, ProtocolModifier, PROTOCOL_CODE_MASK } from "@colyseus/shared-types";
import { ArenaInput } from "../../rooms/arena/state.ts";
import { frameProblem, inputWire } from "../../server/room/frame-guard.ts";

export type Strategy = "random" | "mutation" | "structured";
export const STRATEGIES: readonly Strategy[] = ["random", "mutation", "structured"];

export interface Frame { bytes: Uint8Array; strategy: Strategy }

const TIMED = ProtocolModifier.TIMED;

/** A frame's type, as the report groups it: by its protocol code, whatever else it carries. */
export function frameType(bytes: Uint8Array): string {
  if (bytes.length === 0) return "empty";
  const code = bytes[0] & PROTOCOL_CODE_MASK;
  const name = FRAME_TYPE_NAMES[code] ?? "other";
  return bytes[0] & TIMED && (code === Protocol.ROOM_INPUT_RELIABLE || code === Protocol.ROOM_INPUT_UNRELIABLE) ? `${name} (timed)` : name;
}

const FRAME_TYPE_NAMES: Record<number, string> = {
  [Protocol.JOIN_ROOM]: "join",
  [Protocol.LEAVE_ROOM]: "leave",
  [Protocol.PING]: "ping",
  [Protocol.ROOM_DATA]: "room message",
  [Protocol.ROOM_DATA_BYTES]: "room bytes",
  [Protocol.ROOM_REQUEST]: "room request",
  [Protocol.ROOM_INPUT_RELIABLE]: "reliable input",
  [Protocol.ROOM_INPUT_UNRELIABLE]: "unreliable input",
};

/** Bytes written by schema's encoders. */
function encoded(write: (bytes: Uint8Array, it: Iterator) => void): number[] {
  const bytes = new Uint8Array(256);
  const it = { offset: 0 };
  write(bytes, it);
  return [...bytes.subarray(0, it.offset)];
}
const num = (value: number) => encoded((b, it) => encode.number(b, value, it));
const str = (value: string) => encoded((b, it) => encode.string(b, value, it));
const u16 = (value: number) => encoded((b, it) => encode.uint16(b, value, it));
const u32 = (value: number) => encoded((b, it) => encode.uint32(b, value, it));
const ascii = (text: string) => [...new TextEncoder().encode(text)];

/** What the arena's input encoder writes for a few real inputs: one body each. */
function inputBodies(): number[][] {
  const input = new ArenaInput();
  const encoder = new InputEncoder(input);
  const bodies = [[...encoder.encode()]];
  input.moveX = 1; input.aim = 1.5; input.fire = true;
  bodies.push([...encoder.encode()]);
  input.moveY = -1;
  bodies.push([...encoder.encode()]);
  return bodies;
}

/** An unreliable ring as the SDK frames it: `[baseSeq]([len][body])…`. */
function ring(baseSeq: number, bodies: number[][]): number[] {
  return [...num(baseSeq), ...bodies.flatMap((body) => [...num(body.length), ...body])];
}

/** The stamp block before a timed ring: `[k][uint32 newest][Δ]×(k−1)`, again with a uint16 when both timelines are stamped. */
function stampBlock(k: number, both: boolean): number[] {
  const deltas = Array.from({ length: k - 1 }, () => num(33)).flat();
  return [...num(k), ...u32(1000 + 33 * k), ...deltas, ...(both ? [...u16(50), ...deltas] : [])];
}

/** A msgpack map {text: "hello"}, as the SDK packs a chat message. */
const CHAT_PAYLOAD = [0x81, 0xa4, ...ascii("text"), 0xa5, ...ascii("hello")];

/** Every kind of frame a conforming client sends, valid. */
export function validFrames(): Uint8Array[] {
  const [first, second, third] = inputBodies();
  const frames: number[][] = [
    [Protocol.JOIN_ROOM],
    [Protocol.PING],
    [Protocol.ROOM_DATA, ...str("chat"), ...CHAT_PAYLOAD],
    [Protocol.ROOM_DATA, ...num(7)],
    [Protocol.ROOM_REQUEST, ...num(1), ...str("chat"), ...CHAT_PAYLOAD],
    [Protocol.ROOM_DATA_BYTES, ...str("blob"), 1, 2, 3],
    [Protocol.ROOM_INPUT_RELIABLE, ...second],
    [Protocol.ROOM_INPUT_RELIABLE | TIMED, ...num(33), ...third],
    [Protocol.ROOM_INPUT_RELIABLE | TIMED, ...num(-5), ...u16(40), ...first],
    [Protocol.ROOM_INPUT_UNRELIABLE, ...ring(10, [first, second, third])],
    [Protocol.ROOM_INPUT_UNRELIABLE | TIMED, ...stampBlock(3, false), ...ring(20, [first, second, third])],
    [Protocol.ROOM_INPUT_UNRELIABLE | TIMED, ...stampBlock(2, true), ...ring(30, [second, third])],
    [Protocol.LEAVE_ROOM],
  ];
  return frames.map((f) => Uint8Array.from(f));
}

/** Replacement values for the mutation strategy: extremes, msgpack prefixes that change a value's size or kind, bit flips. */
const MUTATIONS: ((byte: number) => number)[] = [
  () => 0x00, () => 0xff, () => 0x7f, () => 0x80, () => 0xc0, () => 0xcb, () => 0xce, () => 0xd3, () => 0xdb, () => 0xdd,
  (b) => b ^ 0x01, (b) => b ^ 0x80, (b) => (b + 1) & 0xff, (b) => (b - 1) & 0xff,
];

/** The mutation strategy's whole space, enumerable by index: (frame, byte, replacement), then every truncation. */
class Mutations {
  private frames = validFrames();
  private substitutions = this.frames.map((f) => f.length * MUTATIONS.length);
  private total = this.substitutions.reduce((a, b) => a + b, 0) + this.frames.reduce((a, f) => a + f.length, 0);

  at(index: number): Uint8Array {
    let i = index % this.total;
    for (let f = 0; f < this.frames.length; f++) {
      if (i < this.substitutions[f]) {
        const frame = Uint8Array.from(this.frames[f]);
        const position = Math.floor(i / MUTATIONS.length);
        frame[position] = MUTATIONS[i % MUTATIONS.length](frame[position]);
        return frame;
      }
      i -= this.substitutions[f];
    }
    for (const frame of this.frames) {
      if (i < frame.length) return frame.slice(0, i); // every prefix, the empty frame included
      i -= frame.length;
    }
    throw new Error("unreachable");
  }
}

// ---- structure-aware arbitraries ----

const bytesOf = (maxLength: number) => fc.uint8Array({ maxLength }).map((a) => [...a]);

/** A number field as an attacker writes it: valid, negative, huge, fractional, NaN or infinite, truncated, or not a number at all. */
const hostileNumber: fc.Arbitrary<number[]> = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map(num),
  fc.integer({ min: -32, max: -1 }).map((n) => [n & 0xff]), // negative fixint
  fc.constantFrom(-1, -129, -40000, -(2 ** 31), 2 ** 31 - 1, 2 ** 32 - 1, 2 ** 53, 1e300, 0.5, -0.5, NaN, Infinity, -Infinity).map((v) => [0xcb, ...new Uint8Array(new Float64Array([v]).buffer)]),
  fc.constantFrom(0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xca, 0xcb).chain((prefix) => bytesOf(9).map((rest) => [prefix, ...rest])), // any size, truncated included
  fc.constantFrom(0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xd4, 0xd9, 0xdc, 0xde, 0xdf).map((prefix) => [prefix]), // not a number
  fc.constant([] as number[]), // missing
);

/** A length as an attacker declares it, relative to what follows. */
const hostileLength = (actual: number) => fc.oneof(
  fc.constant(num(actual)),
  fc.constantFrom(actual + 1, actual + 1000, 255, 65_535, 2 ** 32 - 1).map(num),
  hostileNumber,
);

/** A schema string as an attacker writes one: declared lengths past the end, over the type-name limit, invalid UTF-8. */
const hostileString: fc.Arbitrary<number[]> = fc.oneof(
  fc.constantFrom("chat", "", "a".repeat(64), "a".repeat(65), "é", "\u{1F600}").map(str),
  fc.tuple(fc.constantFrom(0xa0, 0xbf, 0xd9, 0xda, 0xdb), bytesOf(8), bytesOf(80)).map(([prefix, length, body]) => [prefix, ...length, ...body]),
  bytesOf(6).map((body) => [0xa0 | body.length, ...body.map((b) => b | 0x80)]), // invalid UTF-8
  hostileNumber,
);

/** msgpack with hostile counts and lengths, and nesting up to depth 2,000. */
const hostileMsgpack: fc.Arbitrary<number[]> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant(CHAT_PAYLOAD),
    bytesOf(12),
    fc.tuple(fc.constantFrom(0xdc, 0xdd, 0xde, 0xdf, 0xc4, 0xc5, 0xc6, 0xd9, 0xda, 0xdb, 0xc7, 0xc8, 0xc9), fc.constantFrom([0xff, 0xff], [0xff, 0xff, 0xff, 0xff], [0x00, 0x01], [0x7f, 0xff, 0xff, 0xff])).map(([p, n]) => [p, ...n]),
    fc.tuple(fc.constantFrom(0xd4, 0xd5, 0xd6, 0xd7, 0xd8), fc.integer({ min: -128, max: 127 }), bytesOf(16)).map(([p, type, body]) => [p, type & 0xff, ...body]), // extensions (msgpackr's records, timestamps…)
    fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom(0x91, 0x81, 0xdc)).map(([depth, open]) => Array(depth).fill(open === 0xdc ? [0xdc, 0, 1] : [open]).flat()),
    fc.array(tie("value") as fc.Arbitrary<number[]>, { maxLength: 4 }).map((items) => [0x90 | items.length, ...items.flat()]),
  ),
})).value;

/** An input body: the arena's real field operations, hostile ones (other fields, deletes, a structure switch), and values of any size. */
const hostileBody: fc.Arbitrary<number[]> = fc.array(
  fc.tuple(
    fc.oneof(fc.integer({ min: 0, max: 3 }).map((i) => 0x80 | i), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 })),
    fc.oneof(bytesOf(1), bytesOf(9), hostileNumber),
  ).map(([op, value]) => [op, ...value]),
  { maxLength: 6 },
).map((ops) => ops.flat());

const realBodies = inputBodies();
const body = fc.oneof(fc.constantFrom(...realBodies), hostileBody);

const slot = body.chain((b) => hostileLength(b.length).map((length) => [...length, ...b]));

const unreliableInput = fc.tuple(
  fc.boolean(),
  fc.oneof(hostileNumber, fc.integer({ min: 1, max: 40 }).map(num)), // k
  fc.boolean(), // both series
  hostileNumber, // base seq
  fc.array(slot, { maxLength: 40 }),
  fc.array(hostileNumber, { maxLength: 40 }),
).map(([timed, k, both, baseSeq, slots, deltas]) => [
  Protocol.ROOM_INPUT_UNRELIABLE | (timed ? TIMED : 0),
  ...(timed ? [...k, 0, 0, 0, 1, ...deltas.flat(), ...(both ? [0, 1, ...deltas.flat()] : [])] : []),
  ...baseSeq,
  ...slots.flat(),
]);

const reliableInput = fc.tuple(fc.boolean(), hostileNumber, fc.boolean(), body).map(([timed, stamp, both, b]) => [
  Protocol.ROOM_INPUT_RELIABLE | (timed ? TIMED : 0),
  ...(timed ? [...stamp, ...(both ? [0, 40] : [])] : []),
  ...b,
]);

const roomMessage = fc.tuple(fc.constantFrom(Protocol.ROOM_DATA, Protocol.ROOM_DATA_BYTES), hostileString, hostileMsgpack).map(([code, type, payload]) => [code, ...type, ...payload]);
const roomRequest = fc.tuple(hostileNumber, hostileString, hostileMsgpack).map(([id, type, payload]) => [Protocol.ROOM_REQUEST, ...id, ...type, ...payload]);
const oneByteFrames = fc.tuple(fc.constantFrom(Protocol.JOIN_ROOM, Protocol.PING, Protocol.LEAVE_ROOM), bytesOf(4)).map(([code, rest]) => [code, ...rest]);
const otherTypes = fc.tuple(fc.integer({ min: 0, max: 255 }), bytesOf(32)).map(([first, rest]) => [first, ...rest]);

const structured: fc.Arbitrary<number[]> = fc.oneof(
  { arbitrary: unreliableInput, weight: 4 },
  { arbitrary: reliableInput, weight: 3 },
  { arbitrary: roomMessage, weight: 2 },
  { arbitrary: roomRequest, weight: 1 },
  { arbitrary: oneByteFrames, weight: 1 },
  { arbitrary: otherTypes, weight: 1 },
);

const CLIENT_CODES = [Protocol.JOIN_ROOM, Protocol.LEAVE_ROOM, Protocol.PING, Protocol.ROOM_DATA, Protocol.ROOM_DATA_BYTES, Protocol.ROOM_REQUEST, Protocol.ROOM_INPUT_RELIABLE, Protocol.ROOM_INPUT_UNRELIABLE];
const random: fc.Arbitrary<number[]> = fc.tuple(fc.boolean(), fc.constantFrom(...CLIENT_CODES), fc.integer({ min: 0, max: 255 }), bytesOf(96))
  .map(([typed, code, modifiers, rest]) => (typed ? [code | (modifiers & 0xe0), ...rest] : rest));

/**
 * What a run sends. `full`: everything the strategies make, three quarters of
 * which break the protocol and so cost the attacker its seat (each such frame
 * needs a new seat through matchmaking, about 2 ms of server CPU). `deep`:
 * only frames that pass the server's frame check, and so reach Colyseus's own
 * decoders (msgpack payloads, stamps, input values, request handling), with
 * one frame in REFUSED_SHARE_DEEP from the full mix; it reads many more frames
 * a second, for the short run in `npm test`.
 */
export type Profile = "full" | "deep";
const REFUSED_SHARE_DEEP = 40;

const arenaWire = inputWire(ArenaInput as unknown as { name: string }, false);

export function framesFor(seed: number, from: number, count: number, profile: Profile = "full"): Frame[] {
  if (profile === "full") return mixedFrames(seed, from, count);
  const frames: Frame[] = [];
  for (let at = from * 4; frames.length < count; at += count * 4) {
    const pool = mixedFrames(seed, at, count * 4);
    for (let i = 0; i < pool.length && frames.length < count; i++) {
      const fromFullMix = (from + frames.length) % REFUSED_SHARE_DEEP === 0;
      if (fromFullMix || frameProblem(pool[i].bytes, arenaWire) === undefined) frames.push(pool[i]);
    }
  }
  return frames;
}

/**
 * Frames `[from, from + count)` of the full mix for `seed`: the strategies
 * take turns, so any slice of a run exercises all three.
 */
function mixedFrames(seed: number, from: number, count: number): Frame[] {
  const mutations = new Mutations();
  const generated = { random: [] as number[][], structured: [] as number[][] };
  const perStrategy = Math.ceil(count / 3) + 1;
  // One fast-check sample per slice, seeded by the run's seed and where the slice starts.
  generated.random = fc.sample(random, { seed: seed ^ from, numRuns: perStrategy });
  generated.structured = fc.sample(structured, { seed: (seed ^ from) + 1, numRuns: perStrategy });
  const frames: Frame[] = [];
  for (let i = from; i < from + count; i++) {
    const strategy = STRATEGIES[i % 3];
    const k = Math.floor((i - from) / 3);
    const bytes = strategy === "mutation" ? mutations.at(Math.floor(i / 3) + seed) : Uint8Array.from(generated[strategy][k]);
    frames.push({ bytes, strategy });
  }
  return frames;
}

/** Bytes as the report prints them. */
export function hex(bytes: Uint8Array, max = 64): string {
  const shown = [...bytes.subarray(0, max)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  return bytes.length > max ? `${shown} … (${bytes.length} bytes)` : `[${shown}]`;
}

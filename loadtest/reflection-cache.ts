/**
 * Import this in a bot process, before any bot joins.
 *
 * On every join the SDK rebuilds the room's schema classes from the
 * handshake's reflection bytes (`Reflection.decode`, for the state and again
 * for the input type), even when it was given the classes, and registers each
 * new class globally. A browser joins once; a bot worker joins hundreds of
 * times a second in a burst, and there that rebuild was a tenth of the bots'
 * CPU (a --cpu-prof of a worker during 160 joins/s), time the join latency
 * figure then included. Here identical reflection bytes give the classes
 * built the first time, with a fresh root instance and decoder each join, so
 * what the bot decodes is unchanged.
 */
import { Decoder, Reflection, type Iterator, type TypeContext } from "@colyseus/schema";

interface Reflected { Root: new () => any; context: TypeContext }

const buildClasses = Reflection.decode;
const built = new Map<string, Reflected>();

/** Reflection.decode, reusing the classes of reflection bytes seen before. */
export function decodeReflection(bytes: Uint8Array, it?: Iterator): Decoder {
  const start = it?.offset ?? 0;
  // The SDK passes the bytes cut at the end of the reflection section.
  const key = Buffer.from(bytes.buffer, bytes.byteOffset + start, bytes.byteLength - start).toString("latin1");
  const known = built.get(key);
  if (known) {
    if (it) it.offset = bytes.byteLength;
    return new Decoder(new known.Root(), known.context);
  }
  const decoder = buildClasses(bytes, it);
  built.set(key, { Root: decoder.state.constructor as new () => any, context: decoder.context });
  return decoder;
}

Reflection.decode = decodeReflection as typeof Reflection.decode;

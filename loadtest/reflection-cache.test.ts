import { Encoder, Reflection } from "@colyseus/schema";
import { describe, expect, it } from "vitest";
import { ArenaState, Player } from "../rooms/arena/state.ts";
import { decodeReflection } from "./reflection-cache.ts";

/** The state reflection as a server's handshake carries it, after a prefix the SDK has already read. */
function handshakeBytes(): Uint8Array {
  const reflection = Reflection.encode(new Encoder(new ArenaState()));
  const bytes = new Uint8Array(2 + reflection.length);
  bytes.set(reflection, 2);
  return bytes;
}

describe("the bots' reflection cache", () => {
  it("builds a room's schema classes once, and gives each join its own state and decoder", () => {
    const bytes = handshakeBytes();
    const first = { offset: 2 };
    const second = { offset: 2 };
    const a = decodeReflection(bytes, first);
    const b = decodeReflection(bytes, second);

    expect(b.state.constructor).toBe(a.state.constructor);
    expect(b.state).not.toBe(a.state);
    expect(b).not.toBe(a);
    expect(second.offset).toBe(first.offset);
    expect(second.offset).toBe(bytes.byteLength);
  });

  it("decodes a full state into the cached classes as into freshly built ones", () => {
    const state = new ArenaState();
    const player = new Player();
    player.name = "ada";
    player.x = 120;
    state.players.set("s1", player);
    const full = new Encoder(state).encodeAll();

    const bytes = handshakeBytes();
    decodeReflection(bytes, { offset: 2 }); // warm the cache
    const decoder = decodeReflection(bytes, { offset: 2 });
    decoder.decode(full);

    const seen = (decoder.state as any).players.get("s1");
    expect({ name: seen.name, x: seen.x }).toEqual({ name: "ada", x: player.x });
  });
});

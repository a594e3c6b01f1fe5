import { describe, expect, it } from "vitest";
import { Encoder } from "@colyseus/schema";
import { ArenaInput } from "../rooms/arena/state.ts";
import { withPlainSnapshots } from "./input-snapshots.ts";

describe("plain input snapshots", () => {
  it("clone every declared field into a plain object", () => {
    const ServerInput = withPlainSnapshots(ArenaInput);
    const input = new ServerInput();
    Object.assign(input, { moveX: 1, moveY: -1, aim: 1.25, fire: true });
    const copy = input.clone();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toEqual({ moveX: 1, moveY: -1, aim: input.aim, fire: true });
  });

  it("keep the shared class's fields, so the wire format is the same", () => {
    const encode = (input: object) => Array.from(new Encoder(input as any).encodeAll());
    const shared = Object.assign(new ArenaInput(), { moveX: -1, moveY: 1, aim: 2, fire: true });
    const server = Object.assign(new (withPlainSnapshots(ArenaInput))(), { moveX: -1, moveY: 1, aim: 2, fire: true });
    expect(encode(server)).toEqual(encode(shared));
  });
});

import { describe, expect, it } from "vitest";
import { Encoder } from "@colyseus/schema";
import { InputDecoder, InputEncoder } from "@colyseus/schema/input";
import { withPlainSnapshots } from "./input-snapshots.ts";
import { StickInput } from "../../test/fixtures/stick-input.ts";


describe("plain input snapshots", () => {
  it("clone every declared field into a plain object", () => {
    const ServerInput = withPlainSnapshots(StickInput);
    const input = new ServerInput();
    Object.assign(input, { moveX: 1, moveY: -1, aim: 1.25, fire: true });
    const copy = input.clone();
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(copy).toEqual({ moveX: 1, moveY: -1, aim: input.aim, fire: true });
  });

  it("are one class per input type, however many rooms ask for it", () => {
    // Each room's class fields call this; one class keeps Colyseus's decode sites monomorphic.
    expect(withPlainSnapshots(StickInput)).toBe(withPlainSnapshots(StickInput));
  });

  it("decode what the shared class sends into the same fields", () => {
    const sent = Object.assign(new StickInput(), { moveX: -1, moveY: 1, aim: 2, fire: true });
    const received = new (withPlainSnapshots(StickInput))();
    new InputDecoder(received as StickInput).decode(new InputEncoder(sent).encode());
    expect(received.clone()).toEqual({ moveX: -1, moveY: 1, aim: sent.aim, fire: true });
  });

  it("record no changes when a decode sets their fields, since the server never encodes an input", () => {
    const bytes = new InputEncoder(Object.assign(new StickInput(), { moveX: 1, fire: true })).encode();
    const changesAfterDecode = (received: StickInput) => {
      const watcher = new Encoder(received);
      watcher.discardChanges();
      new InputDecoder(received).decode(bytes);
      expect(received.moveX).toBe(1);
      return watcher.hasChanges;
    };
    expect(changesAfterDecode(new StickInput())).toBe(true); // the shared class, for contrast
    expect(changesAfterDecode(new (withPlainSnapshots(StickInput))() as StickInput)).toBe(false);
  });
});

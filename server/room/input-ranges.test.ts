import { describe, expect, it } from "vitest";
import { clampToRanges } from "./input-ranges.ts";
import { StickInput } from "../../test/fixtures/stick-input.ts";


const sanitize = clampToRanges<StickInput>({ moveX: [-1, 1], moveY: [-1, 1] });

function sanitized(values: Partial<StickInput>): StickInput {
  const input = Object.assign(new StickInput(), values);
  sanitize(input);
  return input;
}

describe("input ranges", () => {
  it("brings a value above its range down to the maximum and one below it up to the minimum", () => {
    expect(sanitized({ moveX: 5, moveY: -7 })).toMatchObject({ moveX: 1, moveY: -1 });
  });

  it("turns NaN into the minimum, as Colyseus's own range spec does", () => {
    expect(sanitized({ moveX: Number.NaN }).moveX).toBe(-1);
  });

  it("leaves values inside their range and fields without a range as they are", () => {
    const aim = Object.assign(new StickInput(), { aim: 1.5 }).aim; // as quantized on the wire
    expect(sanitized({ moveX: 0.5, moveY: -1, aim: 1.5, fire: true })).toMatchObject({ moveX: 0.5, moveY: -1, aim, fire: true });
  });

  it("refuses a range that is not a finite [min, max]", () => {
    expect(() => clampToRanges<StickInput>({ moveX: [1, -1] })).toThrow(/moveX needs a finite \[min, max\]/);
    expect(() => clampToRanges<StickInput>({ moveX: [0, Number.POSITIVE_INFINITY] })).toThrow(/moveX/);
  });
});

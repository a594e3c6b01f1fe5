import { describe, expect, it } from "vitest";
import { arrowEnds, caretAfter, resizeBox, strokeFrom, textChange } from "./geometry.ts";

describe("a textarea's change as a Yjs edit", () => {
  it("typing a letter beside the same letter is an insertion at the caret", () => {
    // "pe|a" + typing "a" at the caret gives "pea|a" with the caret at 3: the new "a" is the one before the caret.
    expect(textChange("pea", "peaa", 3)).toEqual({ index: 2, deleted: 0, inserted: "a" });
    expect(textChange("pea", "peaa", 4)).toEqual({ index: 3, deleted: 0, inserted: "a" });
  });

  it("backspace and forward delete remove the character on the caret's side", () => {
    expect(textChange("aaa", "aa", 1)).toEqual({ index: 1, deleted: 1, inserted: "" });
    expect(textChange("abc", "ac", 1)).toEqual({ index: 1, deleted: 1, inserted: "" });
  });

  it("a paste over a selection is one deletion and one insertion", () => {
    expect(textChange("hello world", "hello there", 11)).toEqual({ index: 6, deleted: 5, inserted: "there" });
  });
});

describe("a caret across someone else's typing", () => {
  it("moves on by text inserted before it and stays before text inserted at it", () => {
    expect(caretAfter(3, [{ insert: "xy" }])).toBe(5);
    expect(caretAfter(3, [{ retain: 3 }, { insert: "xy" }])).toBe(3);
    expect(caretAfter(3, [{ retain: 4 }, { insert: "xy" }])).toBe(3);
  });

  it("moves back by text deleted before it", () => {
    expect(caretAfter(5, [{ retain: 1 }, { delete: 2 }])).toBe(3);
    expect(caretAfter(2, [{ retain: 1 }, { delete: 4 }])).toBe(1);
  });
});

describe("resizing and connecting boxes", () => {
  it("keeps the opposite corner in place when a rotated box is resized", () => {
    const box = { x: 0, y: 0, w: 100, h: 50, rotation: Math.PI / 2 };
    const corner = (b: typeof box) => {
      // The top-left corner of the unrotated box, rotated about the centre.
      const cx = b.x + b.w / 2;
      const cy = b.y + b.h / 2;
      const dx = -b.w / 2;
      const dy = -b.h / 2;
      return { x: cx + dx * Math.cos(b.rotation) - dy * Math.sin(b.rotation), y: cy + dx * Math.sin(b.rotation) + dy * Math.cos(b.rotation) };
    };
    const resized = resizeBox(box, { x: 1, y: 1 }, { x: -10, y: 30 });
    expect(resized.w).toBeCloseTo(130);
    expect(resized.h).toBeCloseTo(60);
    expect(corner(resized).x).toBeCloseTo(corner(box).x);
    expect(corner(resized).y).toBeCloseTo(corner(box).y);
  });

  it("ends an arrow on the edges of the shapes it connects", () => {
    const [from, to] = arrowEnds({ x: 0, y: 0, w: 100, h: 100, rotation: 0 }, { x: 300, y: 0, w: 100, h: 100, rotation: 0 });
    expect(from).toEqual({ x: 100, y: 50 });
    expect(to).toEqual({ x: 300, y: 50 });
  });

  it("ends an arrow on the edge of a rotated shape as it is drawn", () => {
    const [from] = arrowEnds({ x: 0, y: 0, w: 200, h: 100, rotation: Math.PI / 2 }, { x: 400, y: 0, w: 100, h: 100, rotation: 0 });
    expect(from.x).toBeCloseTo(150);
    expect(from.y).toBeCloseTo(50);
  });

  it("thins a freehand path to the point limit, relative to its corner", () => {
    const path = Array.from({ length: 100 }, (_, i) => ({ x: 10 + i * 3, y: 20 + (i % 2) * 5 }));
    const stroke = strokeFrom(path, 10);
    expect(stroke.points.length).toBeLessThanOrEqual(20);
    expect({ x: stroke.x, y: stroke.y }).toEqual({ x: 10, y: 20 });
    expect(Math.min(...stroke.points)).toBe(0);
  });
});

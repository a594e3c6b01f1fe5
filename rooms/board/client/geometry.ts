/**
 * The view's arithmetic, free of the DOM: resizing a rotated box, where an
 * arrow meets the shapes it connects, turning a textarea's change into Yjs
 * edits, and keeping a caret in place across someone else's typing.
 */

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  rotation: number;
}

export interface Point {
  x: number;
  y: number;
}

/** Smallest width or height a resize leaves. */
export const MIN_SIZE = 16;

function rotate(p: Point, angle: number): Point {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return { x: p.x * cos - p.y * sin, y: p.x * sin + p.y * cos };
}

/**
 * Resize `box` by dragging a handle: `handle` is (-1, 0 or 1) per axis, the
 * side being dragged; `delta` is how far the pointer moved on the board. The
 * opposite side stays where it was, also when the box is rotated.
 */
export function resizeBox(box: Box, handle: Point, delta: Point): Box {
  const local = rotate(delta, -box.rotation);
  const w = Math.max(MIN_SIZE, box.w + handle.x * local.x);
  const h = Math.max(MIN_SIZE, box.h + handle.y * local.y);
  const shift = rotate({ x: (handle.x * (w - box.w)) / 2, y: (handle.y * (h - box.h)) / 2 }, box.rotation);
  const cx = box.x + box.w / 2 + shift.x;
  const cy = box.y + box.h / 2 + shift.y;
  return { x: cx - w / 2, y: cy - h / 2, w, h, rotation: box.rotation };
}

/** The rotation (radians, in [0, 2π)) that points a box's top at `pointer`, snapped to 15° steps within 4° of one. */
export function rotationToward(box: Box, pointer: Point): number {
  const angle = Math.atan2(pointer.y - (box.y + box.h / 2), pointer.x - (box.x + box.w / 2)) + Math.PI / 2;
  const step = Math.PI / 12;
  const snapped = Math.round(angle / step) * step;
  const chosen = Math.abs(snapped - angle) < (4 * Math.PI) / 180 ? snapped : angle;
  const turn = 2 * Math.PI;
  const normal = ((chosen % turn) + turn) % turn;
  return normal >= turn ? 0 : normal;
}

export function centerOf(box: Box): Point {
  return { x: box.x + box.w / 2, y: box.y + box.h / 2 };
}

/** Where the line from the box's centre toward `toward` leaves the box (rotated as it is drawn), so an arrow stops at the edge. */
export function edgePoint(box: Box, toward: Point): Point {
  const c = centerOf(box);
  const local = rotate({ x: toward.x - c.x, y: toward.y - c.y }, -box.rotation);
  if (local.x === 0 && local.y === 0) return c;
  const sx = local.x === 0 ? Infinity : box.w / 2 / Math.abs(local.x);
  const sy = local.y === 0 ? Infinity : box.h / 2 / Math.abs(local.y);
  const s = Math.min(sx, sy, 1);
  const edge = rotate({ x: local.x * s, y: local.y * s }, box.rotation);
  return { x: c.x + edge.x, y: c.y + edge.y };
}

/** The ends of an arrow from box `a` to box `b`, each on its box's edge. */
export function arrowEnds(a: Box, b: Box): [Point, Point] {
  return [edgePoint(a, centerOf(b)), edgePoint(b, centerOf(a))];
}

/**
 * The one edit that turns `before` into `after`: a deletion and an insertion
 * at `index`. `caret` (where the caret is in `after`) says where the edit
 * ended, which settles ties: typing "a" beside another "a" is an insertion
 * at the caret, not at the first place the strings differ. That matters for
 * Yjs, which remembers whose each character is (and so what undo removes).
 */
export function textChange(before: string, after: string, caret = after.length): { index: number; deleted: number; inserted: string } {
  const shorter = Math.min(before.length, after.length);
  let end = 0;
  const maxEnd = Math.min(shorter, after.length - caret);
  while (end < maxEnd && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  let start = 0;
  while (start < shorter - end && before[start] === after[start]) start++;
  return { index: start, deleted: before.length - start - end, inserted: after.slice(start, after.length - end) };
}

/** A Yjs text delta, as `Y.YTextEvent.delta` gives it. */
export type TextDelta = readonly { insert?: string | object; retain?: number; delete?: number }[];

/**
 * Where a caret at `index` belongs after someone else's change `delta`:
 * text inserted before it pushes it on, text deleted before it pulls it back,
 * text inserted exactly at it goes after it.
 */
export function caretAfter(index: number, delta: TextDelta): number {
  let at = 0;
  let shift = 0;
  for (const part of delta) {
    if (part.retain !== undefined) {
      at += part.retain;
    } else if (part.insert !== undefined) {
      const length = typeof part.insert === "string" ? part.insert.length : 1;
      if (at < index) shift += length;
    } else if (part.delete !== undefined) {
      if (at < index) shift -= Math.min(part.delete, index - at);
      at += part.delete;
    }
    if (at >= index) break;
  }
  return Math.max(0, index + shift);
}

/**
 * A freehand stroke as the protocol wants it: the pointer's path thinned to
 * at most `maxPoints` points, in whole units relative to its bounding box's
 * corner, which becomes the shape's position.
 */
export function strokeFrom(path: readonly Point[], maxPoints: number): { x: number; y: number; w: number; h: number; points: number[] } {
  const thinned: Point[] = [];
  for (const p of path) {
    const last = thinned[thinned.length - 1];
    if (!last || Math.hypot(p.x - last.x, p.y - last.y) >= 2) thinned.push(p);
  }
  if (thinned.length === 1) thinned.push({ x: thinned[0].x + 1, y: thinned[0].y + 1 });
  const every = Math.ceil(thinned.length / maxPoints);
  const kept = thinned.filter((_, i) => i % every === 0 || i === thinned.length - 1).slice(0, maxPoints);
  const xs = kept.map((p) => p.x);
  const ys = kept.map((p) => p.y);
  const x = Math.floor(Math.min(...xs));
  const y = Math.floor(Math.min(...ys));
  const w = Math.max(1, Math.ceil(Math.max(...xs)) - x);
  const h = Math.max(1, Math.ceil(Math.max(...ys)) - y);
  // Whole units: fractional coordinates would cost msgpack four times the bytes, and one op must fit one client frame.
  return { x, y, w, h, points: kept.flatMap((p) => [Math.round(p.x - x), Math.round(p.y - y)]) };
}

/** Do two axis-aligned boxes overlap (a marquee and a shape's outline)? */
export function overlaps(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  return a.x <= b.x + b.w && b.x <= a.x + a.w && a.y <= b.y + b.h && b.y <= a.y + a.h;
}

/** #rrggbb darkened toward black by `amount` (0..1): outlines, ink and pen lines drawn in a note's colour. */
export function darken(color: string, amount: number): string {
  const n = Number.parseInt(color.slice(1), 16);
  const channel = (shift: number) => Math.round(((n >> shift) & 255) * (1 - amount));
  return `#${[16, 8, 0].map((s) => channel(s).toString(16).padStart(2, "0")).join("")}`;
}

/** Whether dark text reads on `color`. */
export function isLight(color: string): boolean {
  const n = Number.parseInt(color.slice(1), 16);
  const luminance = 0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return luminance > 150;
}

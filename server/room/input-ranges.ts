/**
 * Range checks for buffered inputs, as a defineInput `sanitize` function.
 *
 * `clampToRanges({ moveX: [-1, 1] })` does what Colyseus's own
 * `sanitize: { moveX: [-1, 1] }` does: a value above the range becomes the
 * maximum, anything else outside it (below, NaN) the minimum, and an unset
 * field is left alone. Colyseus's version reads and writes every listed field
 * through the schema's accessors by computed name on every input; this one is
 * compiled to plain property access and writes a field only when it is out of
 * range, which is about never, on the path every input takes.
 */
import { assertPlainIdentifier } from "./input-snapshots.ts";

export type Ranges<T> = { readonly [K in keyof T]?: readonly [min: number, max: number] };

export function clampToRanges<T extends object>(ranges: Ranges<T>): (input: T) => void {
  const checks = Object.entries(ranges as Record<string, readonly [number, number]>).map(([field, range]) => {
    assertPlainIdentifier(field, "clampToRanges");
    const [min, max] = range;
    if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
      throw new Error(`clampToRanges: ${field} needs a finite [min, max] with min ≤ max; got [${min}, ${max}].`);
    }
    return `v = input.${field}; if (v !== undefined && !(v >= ${min} && v <= ${max})) input.${field} = v > ${max} ? ${max} : ${min};`;
  });
  return new Function("input", `let v; ${checks.join(" ")}`) as (input: T) => void;
}

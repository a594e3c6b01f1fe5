/**
 * Pass/fail thresholds from the command line: `--assert "ack_p99_ms<100,join_failed=0"`.
 * Each clause names a figure from the report, an operator (< <= > >= = !=)
 * and a number. A figure the run did not produce fails its clause (except
 * disconnects_<code>, which is 0 when that code never happened).
 */
import type { Figures } from "./figures.ts";

export interface Assertion { text: string; figure: string; op: Operator; limit: number }
export interface Verdict extends Assertion { actual: number | undefined; passed: boolean }

type Operator = "<" | "<=" | ">" | ">=" | "=" | "!=";
const OPS: Record<Operator, (a: number, b: number) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
  "=": (a, b) => a === b,
  "!=": (a, b) => a !== b,
};

export class AssertionSyntaxError extends Error {
  override name = "AssertionSyntaxError";
}

export function parseAssertions(text: string): Assertion[] {
  return text.split(",").map((s) => s.trim()).filter(Boolean).map((clause) => {
    const m = /^([a-z0-9_]+)\s*(<=|>=|!=|==|<|>|=)\s*(-?\d+(?:\.\d+)?)$/i.exec(clause);
    if (!m) {
      throw new AssertionSyntaxError(`Cannot read assertion "${clause}". Write <figure><op><number>, e.g. ack_p99_ms<100 or join_failed=0 (operators: < <= > >= = !=).`);
    }
    const op = (m[2] === "==" ? "=" : m[2]) as Operator;
    return { text: clause, figure: m[1], op, limit: Number(m[3]) };
  });
}

export function judge(assertions: Assertion[], figures: Figures): Verdict[] {
  return assertions.map((a) => {
    let actual: number | undefined = figures[a.figure];
    if (actual === undefined && a.figure.startsWith("disconnects_")) actual = 0;
    return { ...a, actual, passed: actual !== undefined && OPS[a.op](actual, a.limit) };
  });
}

/** Fail before the run, not after it, when an assertion names a figure no run can produce. */
export function checkFigureNames(assertions: Assertion[], known: readonly string[]): void {
  for (const a of assertions) {
    if (known.includes(a.figure) || /^disconnects_\d+$/.test(a.figure) || /^server_tick_p99_ms_[a-z0-9_]+$/i.test(a.figure)) continue;
    throw new AssertionSyntaxError(`Unknown figure "${a.figure}" in --assert. Known figures: ${known.join(", ")}.`);
  }
}

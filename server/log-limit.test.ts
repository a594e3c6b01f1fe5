/**
 * The log limit (server/log-limit.ts): a few lines per key, a cap for the
 * process, one summary for what was held back. The fuzzer measures the bytes
 * a whole server writes under attack (npm run fuzz).
 */
import { describe, expect, it } from "vitest";
import { clip, LogLimit, MAX_LINE_CHARS } from "./log-limit.ts";

function limit(perKey: number, perProcess: number, intervalMs = 60_000) {
  const reports: Array<{ suppressed: number; keys: number }> = [];
  let reported: () => void = () => undefined;
  const summary = new Promise<void>((resolve) => { reported = resolve; });
  const limiter = new LogLimit({ perKey, perProcess, intervalMs, report: (suppressed, keys) => { reports.push({ suppressed, keys }); reported(); } });
  return { limiter, reports, summary };
}

describe("the log limit", () => {
  it("lets the first few lines of one key through in an interval, and holds back the rest", () => {
    const { limiter } = limit(5, 50);
    const allowed = Array.from({ length: 20 }, () => limiter.allow("session-a"));
    expect(allowed.filter(Boolean)).toHaveLength(5);
    expect(allowed.slice(0, 5).every(Boolean)).toBe(true);
    expect(limiter.allow("session-b")).toBe(true); // another key has its own few
  });

  it("caps the lines of every key together, however many keys there are", () => {
    const { limiter } = limit(5, 50);
    const allowed = Array.from({ length: 1000 }, (_, i) => limiter.allow(`session-${i}`));
    expect(allowed.filter(Boolean)).toHaveLength(50);
  });

  it("reports what it held back in one line when the interval ends, without waiting for another line", async () => {
    const { limiter, reports, summary } = limit(1, 50, 50);
    for (let i = 0; i < 10; i++) limiter.allow("one");
    for (let i = 0; i < 3; i++) limiter.allow("two");
    await summary;
    expect(reports).toEqual([{ suppressed: 9 + 2, keys: 2 }]);
  });

  it("lets lines through again in the next interval", async () => {
    const { limiter, summary } = limit(1, 50, 50);
    limiter.allow("one");
    expect(limiter.allow("one")).toBe(false);
    await summary; // the interval ended
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(limiter.allow("one")).toBe(true);
  });

  it("cuts a long message (a client can put 4 KB of bytes in one)", () => {
    const line = clip("x".repeat(4096));
    expect(line.length).toBeLessThan(MAX_LINE_CHARS + 40);
    expect(line).toMatch(/… \(3596 more characters\)$/);
  });
});

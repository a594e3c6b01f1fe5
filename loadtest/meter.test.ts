import { describe, expect, it } from "vitest";
import { Meter } from "./meter.ts";

describe("a worker's measurement windows", () => {
  it("are numbered by the run-clock second they close on", () => {
    const meter = new Meter(performance.now() - 5_000); // the run started 5 s ago
    expect(meter.window().second).toBe(5);
  });

  it("never share a second, however close together they close", () => {
    const meter = new Meter(performance.now() - 5_000);
    const seconds = [meter.window().second, meter.window().second, meter.window().second];
    expect(seconds).toEqual([5, 6, 7]);
  });
});

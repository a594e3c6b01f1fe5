import { describe, expect, it } from "vitest";
import { hasRoomFor, loadScore, TICK_BUDGET, type ProcessLoad } from "./placement.ts";

const limits = { maxRoomsPerProcess: 10, maxCcuPerProcess: 100 };
const load = (over: Partial<ProcessLoad>): ProcessLoad => ({ ccu: 0, rooms: 0, tickBusy: 0, draining: false, at: 0, ...over });

describe("placement load", () => {
  it("weighs players, not rooms: many empty rooms are lighter than one busy room", () => {
    expect(loadScore(load({ rooms: 8, ccu: 8 }), limits)).toBeLessThan(loadScore(load({ rooms: 1, ccu: 16 }), limits));
  });

  it("counts simulation time against the tick budget", () => {
    expect(loadScore(load({ tickBusy: TICK_BUDGET / 2 }), limits)).toBeCloseTo(0.5);
  });

  it("takes no room at the room cap, at the CCU cap, over the tick budget, or while draining", () => {
    expect(hasRoomFor(load({ rooms: 9 }), limits)).toBe(true);
    expect(hasRoomFor(load({ rooms: 10 }), limits)).toBe(false);
    expect(hasRoomFor(load({ ccu: 100 }), limits)).toBe(false);
    expect(hasRoomFor(load({ tickBusy: TICK_BUDGET }), limits)).toBe(false);
    expect(hasRoomFor(load({ draining: true }), limits)).toBe(false);
  });
});

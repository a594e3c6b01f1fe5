import { describe, expect, it } from "vitest";
import { choosePlacement, hasRoomFor, LOAD_TOLERANCE, loadScore, TICK_BUDGET, type Candidate, type ProcessLoad } from "./placement.ts";

const limits = { maxRoomsPerProcess: 10, maxCcuPerProcess: 100 };
const load = (over: Partial<ProcessLoad>): ProcessLoad => ({ ccu: 0, rooms: 0, tickBusy: 0, draining: false, at: 0, ...over });
const candidate = (processId: string, over: Partial<Candidate>): Candidate => ({ processId, score: 0, ccu: 0, rooms: 0, local: false, ...over });

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

describe("choosing a process", () => {
  it("sends the room to the clearly lighter process, even with more players", () => {
    const busy = candidate("busy", { score: 0.5, ccu: 10 });
    const light = candidate("light", { score: 0.5 - 2 * LOAD_TOLERANCE, ccu: 40 });
    expect(choosePlacement([busy, light])?.processId).toBe("light");
  });

  it("lets players decide between loads closer than the tolerance: step-time noise does not steer a burst", () => {
    const quietSteps = candidate("quiet-steps", { score: 0.01, ccu: 5 });
    const noisySteps = candidate("noisy-steps", { score: 0.01 + LOAD_TOLERANCE / 2, ccu: 4 });
    expect(choosePlacement([quietSteps, noisySteps])?.processId).toBe("noisy-steps");
  });

  it("breaks a tie in players by fewer rooms, then by the process that was asked", () => {
    expect(choosePlacement([candidate("a", { rooms: 3 }), candidate("b", { rooms: 2 })])?.processId).toBe("b");
    expect(choosePlacement([candidate("peer", {}), candidate("self", { local: true })])?.processId).toBe("self");
  });

  it("has nothing to choose when no process has room", () => {
    expect(choosePlacement([])).toBeUndefined();
  });
});

/**
 * The client's jitter buffer serves any room type's moving entities: a plain
 * SDK client draws the drift room's own entity with PatchTimeline and
 * EntityTracks (game-client/src/net/remotes.ts) on frames of its own, and
 * the motion figures (shared/motion-figures.ts) judge what it drew.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Room } from "@colyseus/sdk";
import { EntityTracks, PatchTimeline } from "../../game-client/src/net/remotes.ts";
import { MotionFigures, type MotionSummary } from "../../shared/motion-figures.ts";
import { type TestServer, startServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { DRIFTER, drift, Push, type Seat, type Table } from "./rooms.ts";

/** A frame every 16 ms, as a 60 Hz page would draw. */
const FRAME_MS = 16;

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [drift]); });
afterAll(async () => { await ts?.close(); });

/** Draw the drifter on the buffer until `frames` of its frames were judged after `settleMs`; resolves with the figures and the patch interval. */
async function drawn(room: Room<any, Table>, settleMs: number, frames: number): Promise<{ motion: MotionSummary; patchMs: number }> {
  const { stepMs, patchRate: patchMs } = room.input({ type: Push });
  if (!stepMs || !patchMs) throw new Error("the drift room did not advertise its tick and patch rates");
  const timeline = new PatchTimeline(room, patchMs, stepMs);
  const tracks = new EntityTracks<Seat>(timeline, 2);
  const motion = new MotionFigures();
  timeline.onPatch((serverTime) => {
    const drifter = room.state.seats.get(DRIFTER);
    if (!drifter) return;
    tracks.sample(serverTime, [[drifter, [drifter.x, 0]]]);
    motion.truth(drifter, serverTime, drifter.x, 0);
  });
  const started = performance.now();
  let settled = false;
  try {
    return await new Promise((resolve) => {
      const frame = setInterval(() => {
        const now = performance.now();
        const time = timeline.frame(now);
        const drifter = room.state.seats.get(DRIFTER);
        const at = drifter && tracks.at(drifter);
        if (!drifter || !at) return;
        motion.frame(now, timeline.playback.newest - time);
        motion.drawn(drifter, now, time, at[0], at[1]);
        if (!settled && now - started >= settleMs) {
          settled = true;
          motion.reset(); // the buffer has found its delay
        }
        const summary = motion.summary();
        if (settled && summary.frames >= frames) {
          clearInterval(frame);
          resolve({ motion: summary, patchMs });
        }
      }, FRAME_MS);
    });
  } finally {
    timeline.dispose();
  }
}

describe("the jitter buffer, for any room type", () => {
  it("draws an entity the server moves steadily without a stall longer than a patch interval or a jump over twice its motion", async () => {
    const room = await ts.client().create<Table>("drift");
    await waitForState(room, (s) => s.seats.has(DRIFTER), 10_000, "the drifter");
    const { motion, patchMs } = await drawn(room, 1000, 200);
    expect(motion.longestStallMs).toBeLessThanOrEqual(patchMs);
    expect(motion.maxJumpRatio).toBeLessThanOrEqual(2);
    await room.leave();
  }, 60_000);
});

/**
 * Shots are judged where the shooter saw the target (Colyseus rewind), not
 * where the target has moved to by the time the shot reaches the server.
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeAt, serverRoomOf } from "../../test/support/arena.ts";
import { startServer, waitForState, type TestServer } from "../../test/support/server.ts";
import { MAX_HEALTH, PLAYER_SPEED, PROJECTILE_SPEED, TICK_RATE } from "./constants.ts";
import type { ArenaInput } from "./state.ts";
import { muzzle } from "./sim.ts";

const ROUND_TRIP_MS = 300;
const SHOOTER = { x: 880, y: 500 };
const TARGET_LANE_X = 1000; // the target runs down this line, clear of walls
const FIRE_WHEN_SEEN_AT_Y = 380;

let ts: TestServer;
beforeAll(async () => {
  ts = await startServer();
  ts.server.simulateLatency(ROUND_TRIP_MS); // 150 ms each way, before anyone joins
});
afterAll(async () => { await ts?.close(); });

/** Aim where a target running down the lane will be when the shot arrives, as the shooter sees it. */
function leadAngle(targetY: number): number {
  let angle = Math.atan2(targetY - SHOOTER.y, TARGET_LANE_X - SHOOTER.x);
  for (let i = 0; i < 5; i++) { // fixed-point iteration on the flight time
    const m = muzzle(SHOOTER.x, SHOOTER.y, angle);
    const flight = Math.hypot(TARGET_LANE_X - m.x, targetY - m.y) / PROJECTILE_SPEED;
    angle = Math.atan2(targetY + PLAYER_SPEED * flight - SHOOTER.y, TARGET_LANE_X - SHOOTER.x);
  }
  return angle;
}

/**
 * Stage a shooter and a running target, fire once when the shooter sees the
 * target at FIRE_WHEN_SEEN_AT_Y, and return the target's health after the
 * shot has resolved.
 */
async function shootAtRunningTarget(stampViewTime: boolean): Promise<number> {
  const shooter = await ts.client().create("arena", { name: "Shooter" });
  const target = await ts.client().joinById(shooter.roomId, { name: "Target" });
  await placeAt(shooter, SHOOTER.x, SHOOTER.y);
  await placeAt(shooter, TARGET_LANE_X, 150, target.sessionId);

  // The target runs at one input per fixed step, as a real client does.
  const run = target.input<ArenaInput>();
  run.data.moveY = 1;
  const runner = setInterval(() => run.send(), 1000 / TICK_RATE);

  // allowRewind false leaves the input unstamped: the server then judges against live positions.
  const aim = shooter.input<ArenaInput>(stampViewTime ? {} : { allowRewind: () => false });
  const fired = new Promise<void>((resolve) => {
    const onState = (state: any) => {
      const seen = state.players.get(target.sessionId);
      if (!seen || seen.y < FIRE_WHEN_SEEN_AT_Y) return;
      shooter.onStateChange.remove(onState);
      aim.data.aim = leadAngle(seen.y);
      aim.data.fire = true;
      aim.send();
      aim.data.fire = false;
      resolve();
    };
    shooter.onStateChange(onState);
  });
  await fired;

  const shotId = await waitForState(shooter, (s) => [...s.projectiles.keys()][0], 10_000, "the shot to appear");
  await waitForState(shooter, (s) => !s.projectiles.has(shotId), 10_000, "the shot to hit or expire");
  clearInterval(runner);
  const health = serverRoomOf(shooter).state.players.get(target.sessionId)!.health;
  await Promise.all([shooter.leave(), target.leave()]);
  return health;
}

describe("lag compensation", () => {
  it(`hits a moving target where the shooter saw it, at ${ROUND_TRIP_MS} ms round trip`, async () => {
    expect(await shootAtRunningTarget(true)).toBeLessThan(MAX_HEALTH);
  });

  it("misses the same target when the server judges against live positions (the control)", async () => {
    expect(await shootAtRunningTarget(false)).toBe(MAX_HEALTH);
  });
});

/**
 * Shots are judged where the shooter saw the target (Colyseus rewind), not
 * where the target has moved to by the time the shot reaches the server.
 */
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeAt, serverRoomOf } from "./testing.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { loadConfig } from "../../server/config.ts";
import { MAX_HEALTH, PLAYER_SPEED, PROJECTILE_SPEED } from "./constants.ts";

/** The test server runs the default configuration. */
const TICK_RATE = loadConfig({}).rooms.tickRate;
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
 * Inputs kept queued ahead of the server, so the runner moves one step per
 * server step even when this (busy) test process is late with its timers.
 */
const RUNNER_BACKLOG = 8;

/**
 * Send one input per fixed step, as a real client does, plus `backlog` queued
 * ahead. Late timers are caught up by sending what was missed, so the server
 * never runs dry for lack of this process's attention.
 */
function sendEveryStep(send: () => void, backlog = 0): () => void {
  const started = performance.now();
  let sent = 0;
  const topUp = () => {
    const due = Math.floor((performance.now() - started) * TICK_RATE / 1000) + 1 + backlog;
    for (; sent < due; sent++) send();
  };
  topUp();
  const timer = setInterval(topUp, 1000 / TICK_RATE);
  return () => clearInterval(timer);
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

  // The shooter plays like a real client: an input every step, whose acks
  // teach its clock the round trip. The view stamp is only as good as that
  // estimate, so fire only once it has settled near the real round trip.
  // allowRewind false leaves the input unstamped: the server then judges against live positions.
  const aim = shooter.input<ArenaInput>(stampViewTime ? {} : { allowRewind: () => false });
  const stopAiming = sendEveryStep(() => aim.send());
  await waitForState(shooter, () => aim.lastProcessed >= 30, 10_000, "the shooter's clock to learn the round trip");

  const run = target.input<ArenaInput>();
  run.data.moveY = 1;
  const stopRunning = sendEveryStep(() => run.send(), RUNNER_BACKLOG);

  await waitForState(shooter, (state) => {
    const seen = state.players.get(target.sessionId);
    if (!seen || seen.y < FIRE_WHEN_SEEN_AT_Y) return false;
    aim.data.aim = leadAngle(seen.y);
    aim.data.fire = true;
    aim.send();
    aim.data.fire = false;
    return true;
  }, 10_000, "the shooter to see the target reach the firing line");

  const shotId = await waitForState(shooter, (s) => [...s.projectiles.keys()][0], 10_000, "the shot to appear");
  await waitForState(shooter, (s) => !s.projectiles.has(shotId), 10_000, "the shot to hit or expire");
  stopRunning();
  stopAiming();
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

/**
 * The arena room, specified against a real server and real SDK clients.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { afterEveryStep, placeAt, serverRoomOf, WIRE_TOLERANCE } from "./testing.ts";
import { loadConfig } from "../../server/config.ts";
import { PLAYER_SPEED } from "./constants.ts";

const TICK_RATE = loadConfig({}).rooms.tickRate; // the test server runs the defaults
import type { ArenaInput } from "./state.ts";
import { MAX_OWED_STEPS } from "../../server/room/step-allowance.ts";

const STEP = PLAYER_SPEED / TICK_RATE; // units one input moves a player

let ts: TestServer;
beforeAll(async () => { ts = await startServer(); });
afterAll(async () => { await ts?.close(); });

describe("arena room", () => {
  it("adds the joining player to the state the client sees", async () => {
    const room = await ts.client().create("arena", { name: "Ada" });
    const me = await waitForState(room, (s) => s.players.get(room.sessionId), 10_000, "own player");
    expect(me.name).toBe("Ada");
    expect(me.health).toBe(100);
    expect(me.alive).toBe(true);
    await room.leave();
  });

  it("moves the player by its inputs and acknowledges the last applied one", async () => {
    const room = await ts.client().create("arena", { name: "Mover" });
    await placeAt(room, 600, 600);
    const input = room.input<ArenaInput>();
    input.data.moveX = 1;
    let last = 0;
    for (let i = 0; i < 6; i++) last = input.send();
    expect(last).toBe(6);

    await waitForState(room, () => input.lastProcessed >= 6, 10_000, "ack of input 6");
    const me = await waitForState(room, (s) => {
      const p = s.players.get(room.sessionId);
      return p.x > 600 + 6 * STEP - WIRE_TOLERANCE ? p : undefined;
    }, 10_000, "the sixth step to show in the state");
    expect(Math.abs(me.x - (600 + 6 * STEP))).toBeLessThan(WIRE_TOLERANCE);
    expect(Math.abs(me.y - 600)).toBeLessThan(WIRE_TOLERANCE);
    await room.leave();
  });

  it("applies no more inputs than fixed steps, plus the few steps a player is owed, however many arrive at once", async () => {
    const room = await ts.client().create("arena", { name: "Flooder" });
    await placeAt(room, 300, 600);
    const server = serverRoomOf(room);
    const player = server.state.players.get(room.sessionId)!;
    const stream = server.inputs.get(room.sessionId);

    // Watch every fixed step on the server: consumed count and position after it.
    const steps: Array<{ consumed: number; x: number }> = [];
    let idleStepsSeen!: () => void;
    const idle = new Promise<void>((resolve) => { idleStepsSeen = resolve; });
    afterEveryStep(server, () => {
      steps.push({ consumed: stream.consumedCount, x: player.x });
      if (steps.length === MAX_OWED_STEPS + 1) idleStepsSeen();
    });
    await idle; // idle long enough to be owed the most a player can be

    const before = stream.consumedCount;
    const burstFrom = steps.length;
    const input = room.input<ArenaInput>();
    input.data.moveX = 1;
    for (let i = 0; i < 10; i++) input.send(); // ten inputs within one tick
    await waitForState(room, () => input.lastProcessed >= 10, 10_000, "ack of all ten inputs");

    let previous = { consumed: before, x: 300 };
    const burst = steps.slice(burstFrom);
    burst.forEach((s, k) => {
      const applied = s.consumed - previous.consumed;
      expect(s.consumed - before).toBeLessThanOrEqual(k + 1 + MAX_OWED_STEPS);
      expect(s.x - previous.x).toBeLessThanOrEqual(applied * STEP + WIRE_TOLERANCE);
      previous = s;
    });
    expect(burst.filter((s, k) => s.consumed > (k === 0 ? before : burst[k - 1].consumed)).length).toBeGreaterThanOrEqual(10 - MAX_OWED_STEPS);
    expect(Math.abs(player.x - (300 + 10 * STEP))).toBeLessThan(WIRE_TOLERANCE);
    await room.leave();
  });

  it("counts the ticks a stalled process dropped and lets players make them up, so no queue is left behind", async () => {
    const room = await ts.client().create("arena", { name: "Staller" });
    await placeAt(room, 300, 600);
    const server = serverRoomOf(room);
    const stream = server.inputs.get(room.sessionId);
    const steps: Array<{ tick: number; consumed: number }> = [];
    afterEveryStep(server, (tick) => steps.push({ tick, consumed: stream.consumedCount }));

    const consumedBefore = stream.consumedCount;
    const input = room.input<ArenaInput>();
    input.data.moveX = 1;
    for (let i = 0; i < 12; i++) input.send(); // twelve steps' worth, in flight when the process stalls
    const stalledFrom = steps.length;
    const busyUntil = performance.now() + 600;
    while (performance.now() < busyUntil) { /* the whole process stalls: no timer, no socket */ }
    await waitForState(room, () => input.lastProcessed >= 12, 10_000, "ack of all twelve inputs");

    const after = steps.slice(stalledFrom);
    const gap = after.findIndex((s, k) => k > 0 && s.tick - after[k - 1].tick > 1);
    expect(gap, "a jump in ctx.tick over the dropped steps").toBeGreaterThan(0);
    const first = after[0];
    for (const s of after) { // never more than one input per tick that passed, plus the steps owed
      expect(s.consumed - first.consumed).toBeLessThanOrEqual(s.tick - first.tick + MAX_OWED_STEPS);
    }
    // The step after the gap applies what the dropped ticks allowed, instead of one per step for twelve steps.
    const done = after.findIndex((s) => s.consumed - consumedBefore >= 12);
    expect(done - gap).toBeLessThanOrEqual(1);
    await room.leave();
  });

  it("rejects a join with an unusable name and says why", async () => {
    await expect(ts.client().create("arena", { name: "x".repeat(40) }))
      .rejects.toThrow(/at most 16 characters/);
  });

  it("ignores room settings a client tries to choose", async () => {
    const room = await ts.client().create("arena", { roundSeconds: 1, tickRate: 240, reconnectSeconds: 3600 });
    const state = await waitForState(room, (s) => s.phaseEndsAt > 0 && s, 10_000, "round clock");
    expect(state.phaseEndsAt).toBeGreaterThanOrEqual(170_000); // the server's 180 s round, not 1 s
    expect(serverRoomOf(room).inputs.tickRate).toBe(30);
    await room.leave();
  });

  it("lets clients pick rooms by mode", async () => {
    const duel = await ts.client().create("arena", { mode: "duel" });
    const ffa = await ts.client().joinOrCreate("arena", { mode: "ffa" });
    const second = await ts.client().joinOrCreate("arena", { mode: "duel" });
    expect(second.roomId).toBe(duel.roomId);
    expect(ffa.roomId).not.toBe(duel.roomId);
    await waitForState(duel, (s) => s.mode === "duel", 10_000, "mode in state");
    const third = await ts.client().joinOrCreate("arena", { mode: "duel" });
    expect(third.roomId).not.toBe(duel.roomId); // a duel seats two
    await Promise.all([duel.leave(), ffa.leave(), second.leave(), third.leave()]);
  });
});

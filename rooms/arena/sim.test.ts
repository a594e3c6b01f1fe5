import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { ARENA_HEIGHT, ARENA_WIDTH, PLAYER_RADIUS, PLAYER_SPEED, WALLS } from "./constants.ts";
import { applyInput, canFire, muzzle, projectileHits, projectilePosition, projectileSpent, snapToWire, spawnPoint } from "./sim.ts";
import { Player } from "./state.ts";

const dt = 1 / loadConfig({}).rooms.tickRate; // the server's default step

/** A small deterministic generator, so the input script is the same on every run. */
function inputScript(seed: number, length: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  return Array.from({ length }, () => ({
    moveX: Math.floor(next() * 3) - 1,
    moveY: Math.floor(next() * 3) - 1,
  }));
}

describe("arena simulation", () => {
  it("gives the same state, bit for bit, for the same inputs", () => {
    const script = inputScript(42, 3000);
    const a = { ...spawnPoint(0) };
    const b = { ...spawnPoint(0) };
    const trailA: number[] = [];
    const trailB: number[] = [];
    for (const input of script) { applyInput(a, input, dt); trailA.push(a.x, a.y); }
    for (const input of script) { applyInput(b, input, dt); trailB.push(b.x, b.y); }
    expect(trailB).toEqual(trailA);
    expect(trailA.every((v, i) => Object.is(v, trailB[i]))).toBe(true);
  });

  it("ends every step on the wire grid, so the synced value equals the simulated one", () => {
    const body = { ...spawnPoint(3) };
    const player = new Player();
    for (const input of inputScript(7, 500)) {
      applyInput(body, input, dt);
      player.x = body.x;
      player.y = body.y;
      expect(player.x).toBe(body.x);
      expect(player.y).toBe(body.y);
    }
  });

  it("moves a player one step's distance per input, no faster diagonally", () => {
    const straight = { x: 100, y: 500 };
    applyInput(straight, { moveX: 1, moveY: 0 }, dt);
    expect(straight.x - 100).toBeCloseTo(PLAYER_SPEED * dt, 1);

    const diagonal = { x: 100, y: 500 };
    applyInput(diagonal, { moveX: 1, moveY: 1 }, dt);
    expect(Math.hypot(diagonal.x - 100, diagonal.y - 500)).toBeCloseTo(PLAYER_SPEED * dt, 1);
  });

  it("treats out-of-range and NaN axes as at most one unit of intent", () => {
    const flooded = { x: 100, y: 500 };
    applyInput(flooded, { moveX: 1e9, moveY: Number.NaN }, dt);
    expect(flooded.x - 100).toBeCloseTo(PLAYER_SPEED * dt, 1);
    expect(flooded.y).toBeCloseTo(500, 1);
  });

  it("stops a player at a wall instead of letting it pass through", () => {
    const wall = WALLS[0];
    const body = { x: wall.x - PLAYER_RADIUS - 40, y: wall.y + wall.h / 2 };
    for (let i = 0; i < 60; i++) applyInput(body, { moveX: 1, moveY: 0 }, dt);
    expect(body.x).toBeLessThanOrEqual(wall.x - PLAYER_RADIUS + 0.05);
  });

  it("keeps players inside the arena", () => {
    const body = { x: 40, y: 40 };
    for (let i = 0; i < 60; i++) applyInput(body, { moveX: -1, moveY: -1 }, dt);
    expect(body.x).toBeCloseTo(PLAYER_RADIUS, 1);
    expect(body.y).toBeCloseTo(PLAYER_RADIUS, 1);
    const far = { x: ARENA_WIDTH - 40, y: ARENA_HEIGHT - 40 };
    for (let i = 0; i < 60; i++) applyInput(far, { moveX: 1, moveY: 1 }, dt);
    expect(far.x).toBeCloseTo(ARENA_WIDTH - PLAYER_RADIUS, 1);
    expect(far.y).toBeCloseTo(ARENA_HEIGHT - PLAYER_RADIUS, 1);
  });

  it("flies shots in a straight line and spends them in walls and past their range", () => {
    const p = projectilePosition(100, 100, 0, 0.5);
    expect(p.x).toBeCloseTo(460);
    expect(p.y).toBeCloseTo(100);
    const wall = WALLS[0];
    expect(projectileSpent(wall.x + 1, wall.y + 1, 0.1)).toBe(true);
    expect(projectileSpent(100, 100, 10)).toBe(true);
    expect(projectileSpent(100, 100, 0.1)).toBe(false);
  });

  it("fires from outside the shooter's own body", () => {
    const m = muzzle(500, 500, Math.PI / 2);
    expect(projectileHits(m.x, m.y, 500, 500)).toBe(false);
    expect(projectileHits(m.x, m.y + 10, 500, 520)).toBe(true);
  });

  it("limits the fire rate in inputs, not wall-clock time", () => {
    expect(canFire(0, 1)).toBe(true);
    expect(canFire(10, 11)).toBe(false);
    expect(canFire(10, 18)).toBe(true);
  });

  it("snaps coordinates idempotently", () => {
    const once = snapToWire(123.456, ARENA_WIDTH);
    expect(snapToWire(once, ARENA_WIDTH)).toBe(once);
    expect(snapToWire(Number.NaN, ARENA_WIDTH)).toBe(0);
  });
});

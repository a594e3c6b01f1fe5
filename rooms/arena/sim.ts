/**
 * The arena simulation: pure functions of (state, input, dt).
 *
 * Contract, because the browser replays these steps to predict its own player
 * and must land exactly where the server does: no clocks, no randomness, no
 * I/O, nothing read from outside the arguments and ./constants.ts. Bad input
 * is clamped, never thrown on.
 */
import {
  ARENA_HEIGHT, ARENA_WIDTH, FIRE_COOLDOWN_STEPS, PLAYER_RADIUS, PLAYER_SPEED,
  POSITION_BITS, PROJECTILE_LIFETIME, PROJECTILE_RADIUS, PROJECTILE_SPEED,
  SPAWN_POINTS, WALLS, type Wall,
} from "./constants.ts";

/** The part of a player that one input step moves. */
export interface PlayerBody { x: number; y: number }

/** The part of an input that one step reads. */
export interface StepInput { moveX: number; moveY: number }

const POSITION_SPAN = 2 ** POSITION_BITS - 1;

/**
 * Round a coordinate to exactly what the wire carries (the schema's quantized
 * field, clamp mode). The server stores the snapped value anyway; snapping in
 * the step keeps the predicting client on the same grid, so replays match the
 * server bit for bit instead of drifting by rounding error.
 */
export function snapToWire(value: number, max: number): number {
  const v = value !== value ? 0 : value < 0 ? 0 : value > max ? max : value;
  const q = Math.floor((v / max) * POSITION_SPAN + 0.5);
  return (q / POSITION_SPAN) * max;
}

function clampAxis(v: number): number {
  return v > 0 ? 1 : v < 0 ? -1 : 0; // also maps NaN to 0
}

/** Move one (living) player by one fixed step of input, sliding along walls. */
export function applyInput(body: PlayerBody, input: StepInput, dt: number): void {
  const dx = clampAxis(input.moveX);
  const dy = clampAxis(input.moveY);
  if (dx === 0 && dy === 0) return;
  const scale = dx !== 0 && dy !== 0 ? Math.SQRT1_2 : 1; // no faster diagonals
  const step = PLAYER_SPEED * scale * dt;

  // One axis at a time: sliding along a wall falls out naturally.
  body.x += dx * step;
  resolveWalls(body);
  body.y += dy * step;
  resolveWalls(body);

  body.x = snapToWire(clamp(body.x, PLAYER_RADIUS, ARENA_WIDTH - PLAYER_RADIUS), ARENA_WIDTH);
  body.y = snapToWire(clamp(body.y, PLAYER_RADIUS, ARENA_HEIGHT - PLAYER_RADIUS), ARENA_HEIGHT);
}

function resolveWalls(body: PlayerBody): void {
  // Indexed, not for…of: this runs for every input of every player, and the iterator showed as garbage on the server.
  for (let i = 0; i < WALLS.length; i++) pushOutOfWall(body, WALLS[i], PLAYER_RADIUS);
}

function pushOutOfWall(body: PlayerBody, wall: Wall, radius: number): void {
  const nearestX = clamp(body.x, wall.x, wall.x + wall.w);
  const nearestY = clamp(body.y, wall.y, wall.y + wall.h);
  const ox = body.x - nearestX;
  const oy = body.y - nearestY;
  const distSq = ox * ox + oy * oy;
  if (distSq >= radius * radius) return;
  if (distSq > 0) {
    const dist = Math.sqrt(distSq);
    body.x = nearestX + (ox / dist) * radius;
    body.y = nearestY + (oy / dist) * radius;
    return;
  }
  // Centre inside the wall: leave by the nearest face.
  const left = body.x - wall.x, right = wall.x + wall.w - body.x;
  const top = body.y - wall.y, bottom = wall.y + wall.h - body.y;
  const least = Math.min(left, right, top, bottom);
  if (least === left) body.x = wall.x - radius;
  else if (least === right) body.x = wall.x + wall.w + radius;
  else if (least === top) body.y = wall.y - radius;
  else body.y = wall.y + wall.h + radius;
}

/** Fire-rate gate, counted in applied inputs so a replay decides the same way. */
export function canFire(lastFiredAtInput: number, inputNumber: number): boolean {
  return lastFiredAtInput === 0 || inputNumber - lastFiredAtInput >= FIRE_COOLDOWN_STEPS;
}

/** Where a shot fired from (originX, originY) at `angle` is `age` seconds later. */
export function projectilePosition(originX: number, originY: number, angle: number, age: number): { x: number; y: number } {
  const distance = PROJECTILE_SPEED * age;
  return { x: originX + Math.cos(angle) * distance, y: originY + Math.sin(angle) * distance };
}

/** Muzzle position: just outside the shooter's body, so a shot never hits its owner. */
export function muzzle(x: number, y: number, angle: number): { x: number; y: number } {
  const reach = PLAYER_RADIUS + PROJECTILE_RADIUS + 2;
  return {
    x: snapToWire(clamp(x + Math.cos(angle) * reach, 0, ARENA_WIDTH), ARENA_WIDTH),
    y: snapToWire(clamp(y + Math.sin(angle) * reach, 0, ARENA_HEIGHT), ARENA_HEIGHT),
  };
}

/** True once a shot leaves the arena, enters a wall or outlives its range. */
export function projectileSpent(x: number, y: number, age: number): boolean {
  if (age > PROJECTILE_LIFETIME) return true;
  if (x < 0 || y < 0 || x > ARENA_WIDTH || y > ARENA_HEIGHT) return true;
  for (let i = 0; i < WALLS.length; i++) {
    const w = WALLS[i];
    if (x + PROJECTILE_RADIUS > w.x && x - PROJECTILE_RADIUS < w.x + w.w
      && y + PROJECTILE_RADIUS > w.y && y - PROJECTILE_RADIUS < w.y + w.h) return true;
  }
  return false;
}

/** Does a shot at (px, py) touch a player standing at (x, y)? */
export function projectileHits(px: number, py: number, x: number, y: number): boolean {
  const reach = PLAYER_RADIUS + PROJECTILE_RADIUS;
  const dx = px - x, dy = py - y;
  return dx * dx + dy * dy <= reach * reach;
}

/** The n-th spawn point, cycling; callers pick n so players spread out. */
export function spawnPoint(n: number): { x: number; y: number } {
  const p = SPAWN_POINTS[((n % SPAWN_POINTS.length) + SPAWN_POINTS.length) % SPAWN_POINTS.length];
  return { x: snapToWire(p.x, ARENA_WIDTH), y: snapToWire(p.y, ARENA_HEIGHT) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Arena tuning. Shared verbatim by the server, the browser client and the bots,
 * so every value here is part of the simulation contract: change one and both
 * sides change together. Units: world units (1 unit = 1 CSS pixel at zoom 1),
 * seconds, Hz.
 */

export const ARENA_WIDTH = 1600; // units
export const ARENA_HEIGHT = 1000; // units
/** Positions travel as 16-bit fixed point over the arena: ~0.025 units a step. */
export const POSITION_BITS = 16;

export const MAX_PLAYERS = 16;
export const PLAYER_RADIUS = 18; // units
export const PLAYER_SPEED = 240; // units/s
export const MAX_HEALTH = 100; // hit points

export const PROJECTILE_SPEED = 720; // units/s
export const PROJECTILE_RADIUS = 5; // units
export const PROJECTILE_LIFETIME = 1.2; // s
export const PROJECTILE_DAMAGE = 25; // hit points
/** Shots per input stream, counted in fixed steps so replay and server agree. */
export const FIRE_COOLDOWN_STEPS = 8; // steps (~267 ms at 30 Hz)

export const RESPAWN_SECONDS = 3; // s
export const ROUND_SECONDS = 180; // s
export const SCOREBOARD_SECONDS = 10; // s between rounds

/** Axis-aligned obstacles. Thicker than a projectile moves in one step, so nothing tunnels. */
export interface Wall { x: number; y: number; w: number; h: number }
export const WALLS: readonly Wall[] = Object.freeze([
  { x: 360, y: 220, w: 40, h: 200 },
  { x: 1200, y: 580, w: 40, h: 200 },
  { x: 700, y: 140, w: 200, h: 40 },
  { x: 700, y: 820, w: 200, h: 40 },
  { x: 760, y: 440, w: 80, h: 120 },
  { x: 220, y: 700, w: 160, h: 40 },
  { x: 1220, y: 260, w: 160, h: 40 },
]);

/** Where players (re)appear: clear of every wall, spread around the edges. */
export const SPAWN_POINTS: readonly { x: number; y: number }[] = Object.freeze([
  { x: 100, y: 100 }, { x: 1500, y: 900 }, { x: 1500, y: 100 }, { x: 100, y: 900 },
  { x: 800, y: 60 }, { x: 800, y: 940 }, { x: 60, y: 500 }, { x: 1540, y: 500 },
  { x: 500, y: 500 }, { x: 1100, y: 500 }, { x: 560, y: 300 }, { x: 1040, y: 700 },
  { x: 300, y: 560 }, { x: 1300, y: 440 }, { x: 1000, y: 180 }, { x: 600, y: 820 },
]);

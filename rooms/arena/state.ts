/**
 * The arena's synchronized state and its input message. Schema only: this
 * file imports @colyseus/schema and the arena's constants, nothing else, so
 * the browser bundle and the bots can import it without server code.
 */
import { schema, t, type SchemaType } from "@colyseus/schema";
import { ARENA_HEIGHT, ARENA_WIDTH, MAX_HEALTH, POSITION_BITS } from "./constants.ts";

const coordX = () => t.quantized({ min: 0, max: ARENA_WIDTH, bits: POSITION_BITS });
const coordY = () => t.quantized({ min: 0, max: ARENA_HEIGHT, bits: POSITION_BITS });

export const Player = schema({
  name: t.string().default(""),
  x: coordX().default(0),
  y: coordY().default(0),
  /** Where the player aims, radians; 8 bits is ~1.4°, plenty for a turret sprite. */
  aim: t.angle({ bits: 8 }).default(0),
  health: t.uint8().default(MAX_HEALTH),
  alive: t.boolean().default(true),
  kills: t.uint16().default(0),
  deaths: t.uint16().default(0),
  /** Palette index, so each player keeps a colour for the whole session. */
  color: t.uint8().default(0),
  /** False while the seat is held for a dropped player. */
  connected: t.boolean().default(true),
}, "Player");
export type Player = SchemaType<typeof Player>;

/**
 * A shot is sent once: where and when it was fired and in which direction.
 * Clients fly it themselves from `bornAt` (room clock, ms); the server removes
 * it when it hits something, so no position crosses the wire each patch.
 */
export const Projectile = schema({
  ownerId: t.string().default(""),
  originX: coordX().default(0),
  originY: coordY().default(0),
  angle: t.angle().default(0),
  bornAt: t.uint32().default(0),
}, "Projectile");
export type Projectile = SchemaType<typeof Projectile>;

export const ArenaState = schema({
  players: t.map(Player),
  projectiles: t.map(Projectile),
  mode: t.string().default("ffa"),
  /** "playing" while a round runs, "scoreboard" between rounds. */
  phase: t.string().default("playing"),
  round: t.uint16().default(1),
  /** Room clock (ms) at which the current phase ends. */
  phaseEndsAt: t.uint32().default(0),
}, "ArenaState");
export type ArenaState = SchemaType<typeof ArenaState>;

/**
 * One fixed step of a player's intent. The browser and the bots send exactly
 * this; everything the simulation step reads is on it.
 */
export const ArenaInput = schema({
  /** -1, 0 or 1 on each axis. */
  moveX: t.int8().default(0),
  moveY: t.int8().default(0),
  aim: t.angle({ bits: 8 }).default(0),
  fire: t.boolean().default(false),
}, "ArenaInput");
export type ArenaInput = SchemaType<typeof ArenaInput>;

import { Encoder } from "@colyseus/schema";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { FIRE_COOLDOWN_STEPS, MAX_PLAYERS, PROJECTILE_LIFETIME } from "./constants.ts";
import { arena } from "./index.ts";

const STATE_BUFFER_BYTES = arena.stateBufferBytes;
/** Shots per second grow with the tick rate (the cooldown is counted in steps): size for the default's. */
const TICK_RATE = loadConfig({}).rooms.tickRate;
import { ArenaState, Player, Projectile } from "./state.ts";

/** Every shot the players can have in the air at once: one per cooldown, each living its lifetime. */
const MOST_SHOTS_IN_FLIGHT = MAX_PLAYERS * Math.ceil(PROJECTILE_LIFETIME / (FIRE_COOLDOWN_STEPS / TICK_RATE));

/** An arena at its fullest: every seat taken, names at their longest in bytes, every shot in flight. */
function fullestArena(): ArenaState {
  const state = new ArenaState();
  const sessionIds = Array.from({ length: MAX_PLAYERS }, (_, i) => `session-${i}`.padEnd(9, "x"));
  sessionIds.forEach((id, i) => {
    const player = new Player();
    player.name = "漢".repeat(16); // 16 characters, 3 bytes each in UTF-8
    player.x = 123.4 + i;
    player.y = 567.8 + i;
    player.aim = 1;
    player.health = 99;
    player.kills = 65_535;
    player.deaths = 65_535;
    player.color = i;
    state.players.set(id, player);
  });
  for (let i = 0; i < MOST_SHOTS_IN_FLIGHT; i++) {
    const shot = new Projectile();
    shot.ownerId = sessionIds[i % MAX_PLAYERS];
    shot.originX = 100 + i;
    shot.originY = 200 + i;
    shot.angle = 2;
    shot.bornAt = 4_000_000_000;
    state.projectiles.set(String(9_999_999 - i), shot);
  }
  state.phaseEndsAt = 4_000_000_000;
  return state;
}

describe("arena state", () => {
  it("encodes at its fullest within the state buffer each room sets aside, with room to spare", () => {
    const bytes = new Encoder(fullestArena()).encodeAll().length;
    expect(bytes).toBeGreaterThan(1000); // the state really is full
    expect(bytes).toBeLessThan(STATE_BUFFER_BYTES * 0.75);
  });
});

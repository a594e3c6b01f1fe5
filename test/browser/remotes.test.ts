/**
 * Other players as the page draws them (net/remotes.ts, the jitter buffer),
 * with SDK clients walking straight lines in the same arena: what a loaded
 * 2-core machine holds. The figures themselves come from measure.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Room } from "@colyseus/sdk";
import { mover, seededRng, type InputPort } from "../../loadtest/arena-players.ts";
import { PATCH_RATE, TICK_RATE } from "../../rooms/arena/constants.ts";
import { ArenaInput } from "../../rooms/arena/state.ts";
import { gameUnderTest, play, type GamePage } from "./browser.ts";

const suite = gameUnderTest();
const WALKERS = 3;
const walkers: Room[] = [];
let stepper: ReturnType<typeof setInterval> | undefined;

beforeAll(async () => {
  for (let i = 0; i < WALKERS; i++) {
    const room = await suite.server.client().joinOrCreate("arena", { name: `Walker ${i + 1}` });
    room.onMessage("*", () => {});
    walkers.push(room);
  }
  const players = walkers.map((room, i) => mover(room.input({ type: ArenaInput }) as unknown as InputPort, room as never, seededRng(i + 11)));
  stepper = setInterval(() => { for (const p of players) p.step(); }, 1000 / TICK_RATE);
});

afterAll(async () => {
  clearInterval(stepper);
  await Promise.all(walkers.map((room) => room.leave()));
});

/** Put the page on `link`, restart the figures and wait until `frames` entity-frames were judged. */
async function drawnThrough(game: GamePage, link: { latencyMs: number; jitterMs: number; lossPercent: number }, frames: number) {
  await game.read((h, s) => { h.setLink(s); h.resetMotion(); }, link);
  return game.until((h, n) => (h.motion && h.motion.frames >= n ? h.motion : undefined), `${frames} frames of other players drawn`, frames, 60_000);
}

describe("other players", () => {
  it("never stall longer than one patch interval at 150 ± 30 ms", () => suite.withGame(async (game) => {
    await play(game, "Watcher");
    await game.until((h, n) => h.players.length > n, "the walkers to show", WALKERS);
    await drawnThrough(game, { latencyMs: 150, jitterMs: 30, lossPercent: 0 }, 100); // the buffer settles on the link
    const motion = await drawnThrough(game, { latencyMs: 150, jitterMs: 30, lossPercent: 0 }, 600);
    expect(motion.longestStallMs).toBeLessThanOrEqual(1000 / PATCH_RATE);
    expect(motion.maxJumpRatio).toBeLessThanOrEqual(2);
  }), 120_000);

  it("are drawn further back when the jitter rises, without a jump", () => suite.withGame(async (game) => {
    await play(game, "Watcher");
    await game.until((h, n) => h.players.length > n, "the walkers to show", WALKERS);
    await drawnThrough(game, { latencyMs: 0, jitterMs: 0, lossPercent: 0 }, 300);
    const calm = await game.read((h) => h.playback!.targetDelayMs);
    await game.read((h) => { h.setLink({ latencyMs: 150, jitterMs: 300, lossPercent: 0 }); h.resetMotion(); });
    await game.until((h, calm) => h.playback!.targetDelayMs > calm + 50, "the buffer's delay to rise", calm, 30_000);
    const motion = await game.read((h) => h.motion!);
    expect(motion.maxJumpRatio).toBeLessThanOrEqual(2);
  }), 120_000);
});

/**
 * Other players as the page draws them (game-client/src/net/remotes.ts, the jitter buffer),
 * with SDK clients walking straight lines in the same arena: what a loaded
 * 2-core machine holds. The figures themselves come from bench/measure-client.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Room } from "@colyseus/sdk";
import { mover, seededRng, type InputPort } from "../../rooms/arena/bots.ts";
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
  const inputs = walkers.map((room) => room.input({ type: ArenaInput }));
  const players = inputs.map((input, i) => mover(input as unknown as InputPort, walkers[i] as never, seededRng(i + 11)));
  const { stepMs } = inputs[0];
  if (!stepMs) throw new Error("the arena did not advertise its tick rate");
  stepper = setInterval(() => { for (const p of players) p.step(); }, stepMs);
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
  it("never stall longer than the buffer's delay bound at 150 ± 30 ms, and never jump", () => suite.withGame(async (game) => {
    await play(game, "Watcher");
    await game.until((h, n) => h.players.length > n, "the walkers to show", WALKERS);
    await drawnThrough(game, { latencyMs: 150, jitterMs: 30, lossPercent: 0 }, 100); // the buffer settles on the link
    const motion = await drawnThrough(game, { latencyMs: 150, jitterMs: 30, lossPercent: 0 }, 600);
    // A stall past the bound would mean the buffer let a remote freeze while it had motion to draw. Shorter ones come from
    // a page or server late for the CPU (83 ms seen in CI beside other specs); their share is a figure in bench/measure-client.ts.
    const bound = await game.read((h) => h.playback!.maxDelayMs as number);
    expect(motion.longestStallMs).toBeLessThan(bound + 1);
    expect(motion.maxJumpRatio).toBeLessThanOrEqual(2);
  }), 120_000);

  it("are drawn further back when the jitter rises, up to the bound, without a jump", () => suite.withGame(async (game) => {
    await play(game, "Watcher");
    await game.until((h, n) => h.players.length > n, "the walkers to show", WALKERS);
    await drawnThrough(game, { latencyMs: 0, jitterMs: 0, lossPercent: 0 }, 300);
    // A page starved of CPU may already sit at the bound on a clean link; jitter of ±150 ms each way takes it there in any case.
    const rise = await game.read((h) => Math.min(h.playback!.targetDelayMs + 50, h.playback!.maxDelayMs));
    await game.read((h) => { h.setLink({ latencyMs: 150, jitterMs: 300, lossPercent: 0 }); h.resetMotion(); });
    await game.until((h, rise) => h.playback!.targetDelayMs >= rise, "the buffer's delay to rise", rise, 30_000);
    const motion = await game.read((h) => h.motion!);
    expect(motion.maxJumpRatio).toBeLessThanOrEqual(2);
  }), 120_000);
});

/**
 * The short protocol fuzz run: 20,000 frames of every type a client can send,
 * from all three strategies, against a real server process with a victim
 * playing in the attacked room (test/fuzz/fuzz.ts). Seeded: FUZZ_SEED=<n>
 * replays a run, and every failure names its seed, with the command that
 * replays it and shrinks what it found to one frame. The long run is
 * `npm run fuzz -- --frames 1000000`.
 */
import { expect, it } from "vitest";
import { describeFindings, fuzz, stillOpen } from "./fuzz.ts";

const FRAMES = 20_000;
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);

it(`${FRAMES} fuzzed frames cost nobody but their senders: no crash, no hang, the victim keeps its patches, every attacker is closed`, async () => {
  const report = await fuzz({ frames: FRAMES, seed, profile: "deep", batch: 2000, healthBoundMs: 2000, minimize: false });
  const replay = `seed ${seed}: replay with FUZZ_SEED=${seed}, or npm run fuzz -- --frames ${FRAMES} --profile deep --seed ${seed} to shrink it to one frame.\n${describeFindings(report).join("\n")}`;

  expect(report.sent, replay).toBe(FRAMES);
  expect(report.byStrategy.size, replay).toBe(3);
  expect(report.byType.size, replay).toBeGreaterThanOrEqual(10); // every frame type a client sends, timed and not, and others
  expect(report.crashes, replay).toBe(0);
  expect(report.hangs, replay).toBe(0);
  // The victim got patches in every whole second of the run, and /health answered after every batch.
  expect(report.patchSeconds, replay).toBeGreaterThan(0);
  expect(report.worstPatchRate, replay).toBeGreaterThan(0);
  expect(stillOpen(report), replay).toBe(0);
  expect(report.findings, replay).toEqual([]);
}, 180_000);

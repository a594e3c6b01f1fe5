/**
 * The board's bots against a real server: editors of one board who create,
 * drag, type and undo, time each other's ops and count presence bytes, and
 * whose boards end identical once they stop.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { seededRng, specContext } from "../../loadtest/behaviour.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { boardContent } from "./model.ts";
import { BoardEditor, behaviours, boardIdOf } from "./bots.ts";
import { board } from "./index.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [board]); });
afterAll(async () => { await ts?.close(); });

async function until(predicate: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

it("edit on one board at a person's pace, timing each other's ops and counting presence bytes, and converge", async () => {
  const behaviour = behaviours.edit;
  const timings: number[] = [];
  const counts: Record<string, number> = {};
  const editors: BoardEditor[] = [];
  for (let bot = 0; bot < 3; bot++) {
    const seat = { bot, size: 3, room: 0, perRoom: 3, run: `spec${process.pid}`, params: {} };
    const client = ts.client(`bot ${bot}`);
    const { user } = await client.identity;
    const options = typeof behaviour.joinOptions === "function" ? behaviour.joinOptions(seat) : behaviour.joinOptions;
    const room = await client.joinOrCreate("board", options);
    editors.push(behaviour.play(specContext({
      room, rng: seededRng(bot + 7), seat, userId: user.id,
      time: (name, ms) => { expect(name).toBe("op_round_trip"); timings.push(ms); },
      count: (name, amount = 1) => { counts[name] = (counts[name] ?? 0) + amount; },
    })) as BoardEditor);
  }
  expect(boardIdOf({ run: `spec${process.pid}`, room: 0 })).toMatch(/^lt-/);
  await until(() => editors.every((e) => e.connection.replica.role !== "viewer"), "the owner to open the board to editors");
  await until(() => timings.length >= 10 && (counts.presence_bytes_in ?? 0) > 0, "ops timed across editors and presence received");
  expect(counts.presence_bytes_out).toBeGreaterThan(0);
  expect(timings.every((ms) => ms >= 0)).toBe(true);

  for (const editor of editors) editor.stop();
  await until(() => editors.every((e) => e.connection.replica.pendingCount === 0), "every editor's ops acknowledged");
  await until(() => new Set(editors.map((e) => e.connection.replica.serverBoard.seq)).size === 1, "every editor at the same seq");
  const [first, ...rest] = editors.map((e) => boardContent(e.connection.replica.board));
  for (const other of rest) expect(other).toEqual(first);
  expect(first.length).toBeGreaterThan(0);
  await Promise.all(editors.map((e) => e.connection.room.leave()));
}, 90_000);

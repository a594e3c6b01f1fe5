/**
 * Boards in the Store, against real server processes: a board is written a
 * moment after its ops apply, so it survives the process being killed; and
 * with Redis it survives its process going away and opens on another one.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@colyseus/sdk";
import { afterAll, expect, it } from "vitest";
import { openStore } from "../../server/storage/index.ts";
import { guestToken } from "../../tools/identity.ts";
import { eventually, killAll, reserve, startProcess, startProcesses, startRedis, waitForPeers, type GameProcess } from "../../test/scaling/support.ts";
import { boardContent, textOf } from "./model.ts";
import { BoardJoinError } from "./protocol.ts";
import { BoardStorage } from "./storage.ts";
import { BoardUser, newBoardId } from "./testing.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-board-"));
const users: BoardUser[] = [];
afterAll(async () => {
  await Promise.allSettled(users.filter((u) => u.room.connection.isOpen).map((u) => u.leave()));
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

function userOf(token: string): string {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).sub as string;
}

/** Join `board` on `process` with `token`; the room must open there (placement may choose another process: then null). */
async function joinOn(process: GameProcess, token: string, board: string): Promise<BoardUser | null> {
  const reservation = await reserve(process.endpoint, "joinOrCreate", "board", { board }, token);
  if (reservation.processId !== process.processId) return null;
  const client = new Client(process.endpoint);
  client.auth.token = token;
  const user = await BoardUser.attach(await client.consumeSeatReservation(reservation as never), userOf(token));
  users.push(user);
  return user;
}

/** Three notes and a move, acknowledged by the server. */
async function edit(user: BoardUser): Promise<string[]> {
  const notes = ["plan", "build", "ship"].map((text, i) => user.addNote(text, i * 220, 40));
  user.connection.perform({ type: "move", opId: user.connection.replica.newId(), id: notes[0], x: -50, y: 300 });
  await user.settled();
  return notes;
}

it("keeps a board whose process was killed once its ops were written, with its owner", async () => {
  const first = await startProcess({ name: "sqlite-1", env: { DATA_DIR: dataDir } });
  const annToken = await guestToken(first.endpoint, "Ann");
  const board = newBoardId();
  const ann = (await joinOn(first, annToken, board))!;
  const notes = await edit(ann);
  const before = boardContent(ann.connection.replica.serverBoard);

  // Written a moment after the ops applied, while the room is still open: no shutdown is needed to keep them.
  const store = openStore({ dataDir });
  try {
    await eventually(async () => {
      const stored = await new BoardStorage(store, board).load();
      if (stored?.snapshot.seq !== ann.connection.replica.serverBoard.seq) throw new Error(`stored seq ${stored?.snapshot.seq}`);
    }, 10_000, "the board in the Store");
  } finally {
    await store.close();
  }
  first.kill("SIGKILL");
  await first.exited;

  const second = await startProcess({ name: "sqlite-2", env: { DATA_DIR: dataDir } });
  const catToken = await guestToken(second.endpoint, "Cat");
  // The killed room's claim on the board runs out first (BOARD_CLAIM_MS): until then the board is busy, never opened twice.
  const cat = await eventually(async () => (await joinOn(second, catToken, board))!, 30_000, "the board to open after its claim expired");
  expect(boardContent(cat.connection.replica.board)).toEqual(before);
  expect(textOf(cat.connection.replica.board, notes[2])).toBe("ship");
  expect(cat.role).toBe("viewer");
  const annAgain = (await joinOn(second, annToken, board))!;
  expect(annAgain.role).toBe("owner");
}, 150_000);

it("reopens a board whose process drained in the room restored from it on another process, with Redis", async () => {
  const redis = await startRedis();
  const [p1, p2] = await startProcesses(2, redis.url, { DRAIN_SECONDS: "0" });
  await waitForPeers([p1, p2], redis.port);
  const annToken = await guestToken(p1.endpoint, "Ann");
  let board = "";
  let ann: BoardUser | null = null;
  for (let i = 0; i < 20 && !ann; i++) ann = await joinOn(p1, annToken, (board = newBoardId()));
  if (!ann) throw new Error("no board room landed on p1");
  const notes = await edit(ann);
  const before = boardContent(ann.connection.replica.serverBoard);
  const roomId = ann.room.roomId;

  p1.kill("SIGTERM");
  await p1.exited;
  const catToken = await guestToken(p2.endpoint, "Cat");
  // The moved room keeps the board's claim for its restored copy: opening the board before the restore is refused, never a second room.
  const early = await joinOn(p2, catToken, board).catch((error: unknown) => error);
  if (early instanceof BoardUser) expect(early.room.roomId).toBe(roomId);
  else expect(early).toMatchObject({ status: BoardJoinError.BUSY });
  await p2.waitForLog((l) => l.msg === "room restored" && l.roomId === roomId, 15_000, "the board's room restored on p2");
  // Restored unlocked: opening the board joins it.
  const cat = early instanceof BoardUser ? early : (await joinOn(p2, catToken, board))!;
  expect(cat.room.roomId).toBe(roomId);
  expect(boardContent(cat.connection.replica.board)).toEqual(before);
  expect(textOf(cat.connection.replica.board, notes[1])).toBe("build");
  await cat.leave();
  await redis.stop();
}, 150_000);

/**
 * One room per board, even when it is full: a joiner over BOARD_MAX_CLIENTS
 * is refused with BUSY instead of getting a second copy of the board that
 * would diverge from the first.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { matchMaker } from "@colyseus/core";
import { startServer, type TestServer } from "../../tools/server.ts";
import { BoardJoinError } from "./protocol.ts";
import { BoardUser, newBoardId } from "./testing.ts";
import { board } from "./index.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ BOARD_MAX_CLIENTS: "2" }, [board]); });
afterAll(async () => { await ts?.close(); });

it("refuses a joiner beyond BOARD_MAX_CLIENTS with BUSY, and opens no second room for the board", async () => {
  const id = newBoardId();
  const ann = await BoardUser.join(ts.client("Ann"), id);
  const bob = await BoardUser.join(ts.client("Bob"), id);
  const refused = await ts.client("Cat").joinOrCreate("board", { board: id }).then(() => undefined, (error: { code: number; message: string }) => error);
  expect(refused).toMatchObject({ code: BoardJoinError.BUSY });
  expect(refused?.message).toMatch(/most people/);
  expect(await matchMaker.query({ name: "board" })).toHaveLength(1);
  await Promise.all([ann.leave(), bob.leave()]);
});

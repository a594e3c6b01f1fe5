/**
 * Offline edits: while a client's connection is down its ops queue; after
 * the automatic reconnection they are replayed, and an op the server had
 * already applied before the drop (its acknowledgement lost with the
 * socket) is answered as a duplicate, so every op is applied exactly once.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { localRoom, startServer, type TestServer } from "../../tools/server.ts";
import { nextSignal } from "../../tools/wait.ts";
import type { BoardRoom } from "./BoardRoom.ts";
import { boardContent } from "./model.ts";
import { BoardMessage, type AppliedOp } from "./protocol.ts";
import { BoardUser, newBoardId } from "./testing.ts";
import { board } from "./index.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [board]); });
afterAll(async () => { await ts?.close(); });

it("applies once each op queued offline or sent just before the drop, after the client reconnects by itself", async () => {
  const id = newBoardId();
  const ann = await BoardUser.join(ts.client("Ann"), id);
  ann.room.reconnection.minUptime = 0; // the spec drops the socket right after joining
  const { invite } = await ann.room.request("board:share", {});
  const bob = await BoardUser.join(ts.client("Bob"), id, { invite });
  const note = ann.addNote("moves");
  await ann.settled();

  // The network dies between the server applying Ann's next op and its acknowledgement reaching her.
  const server = localRoom(ann.room.roomId) as BoardRoom;
  const annSocket = server.clients.find((c) => c.sessionId === ann.room.sessionId)!;
  const broadcast = server.broadcast.bind(server);
  let cut = false;
  server.broadcast = ((type: string, message: unknown, ...rest: unknown[]) => {
    if (!cut && type === BoardMessage.applied && (message as AppliedOp[]).some((a) => a.actor === ann.userId)) {
      cut = true;
      (annSocket.ref as unknown as { terminate(): void }).terminate();
    }
    return (broadcast as (...args: unknown[]) => unknown)(type, message, ...rest);
  }) as typeof server.broadcast;
  const dropped = nextSignal(ann.room.onDrop, 10_000, "Ann's drop");
  const reconnected = nextSignal(ann.room.onReconnect, 20_000, "Ann's automatic reconnection");

  const lost = ann.connection.perform({ type: "move", opId: ann.connection.replica.newId(), id: note, x: 10, y: 10 });
  await dropped;
  const queued = [
    ann.connection.perform({ type: "move", opId: ann.connection.replica.newId(), id: note, x: 20, y: 20 }),
    ann.connection.perform({ type: "update", opId: ann.connection.replica.newId(), id: note, props: { color: "#4dabf7" } }),
  ];
  if (!lost.ok || !queued.every((r) => r.ok)) throw new Error("an op was refused locally");
  expect(ann.connection.replica.pendingCount).toBe(3);

  await reconnected;
  await ann.settled();
  const opIds = [lost.op.opId, ...queued.map((r) => (r.ok ? r.op.opId : ""))];
  await bob.until(() => bob.applied.some((a) => a.op.opId === opIds[2]), "Ann's queued ops at Bob");
  expect(ann.duplicates).toEqual([lost.op.opId]);
  for (const opId of opIds) expect(bob.applied.filter((a) => a.actor === ann.userId && a.op.opId === opId)).toHaveLength(1);
  const serverBoard = ann.connection.replica.serverBoard;
  expect(serverBoard.shapes.get(note)?.props).toMatchObject({ x: 20, y: 20, color: "#4dabf7" });
  expect(boardContent(ann.connection.replica.board)).toEqual(boardContent(bob.connection.replica.board));
  expect(serverBoard.seq).toBe(bob.connection.replica.serverBoard.seq);
  await Promise.all([ann.leave(), bob.leave()]);
});

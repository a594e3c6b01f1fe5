/**
 * A snapshot that cannot be restored, because it is damaged or was written
 * by an older version of its room type, is not restored half-way: the room is
 * recorded as lost with the reason, and its players' resume is refused with
 * ROOM_LOST and that reason, at once, instead of hanging.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pack } from "msgpackr";
import { afterAll, describe, expect, it } from "vitest";
import { ArenaState } from "../../rooms/arena/state.ts";
import { durableKeys } from "../../server/room/durable.ts";
import { MatchmakingErrorCode } from "../../shared/protocol.ts";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { killAll, startProcess } from "../../tools/process.ts";
import { storeIn, waitForSnapshot } from "./support.ts";

afterAll(() => killAll());

/** An arena with one player, its process killed once its snapshot is written, the snapshot replaced by `tamper`'s bytes, and the process restarted. */
async function restartWithSnapshot(tamper: (snapshot: Awaited<ReturnType<typeof waitForSnapshot>>) => Uint8Array) {
  const dataDir = mkdtempSync(join(tmpdir(), "tickforge-durable-lost-"));
  const env = { DATA_DIR: dataDir, RECONNECT_SECONDS: "30" };
  const server = await startProcess({ name: "solo", env });
  const client = new GuestClient(server.endpoint, "Alice");
  const room = await client.create("arena", { name: "Alice" });
  room.reconnection.enabled = false;
  const store = storeIn(dataDir);
  const saved = await waitForSnapshot(store, room.roomId, ArenaState, (state) => state.players.has(room.sessionId));
  server.kill("SIGKILL");
  await server.exited;
  await store.putDocument(durableKeys.snapshot(room.roomId), tamper(saved));
  await store.close();
  const again = await startProcess({ name: "solo-again", env, port: server.port });
  await again.waitForLog((l) => l.msg === "room lost: not restored", 15_000, "the restore to give up");
  return { client, room };
}

describe("a durable room whose snapshot cannot be restored", () => {
  it("is lost cleanly when its snapshot is damaged, and its player is told why", async () => {
    const { client, room } = await restartWithSnapshot(() => new TextEncoder().encode("not a snapshot at all"));
    const refusal = await resumeSeat(client, room.reconnectionToken).then(() => undefined, (error: Error & { code?: number }) => error);
    expect(refusal?.code).toBe(MatchmakingErrorCode.ROOM_LOST);
    expect(refusal?.message).toMatch(/could not be restored: its saved copy is damaged/);
  }, 90_000);

  it("is lost cleanly when its snapshot is from an older version of the room type, and its player is told why", async () => {
    const { client, room } = await restartWithSnapshot(({ snapshot }) => pack({ ...snapshot, version: 0 }));
    const refusal = await resumeSeat(client, room.reconnectionToken).then(() => undefined, (error: Error & { code?: number }) => error);
    expect(refusal?.code).toBe(MatchmakingErrorCode.ROOM_LOST);
    expect(refusal?.message).toMatch(/saved by version 0 of the Arena room, and this server runs version 1/);
  }, 90_000);
});

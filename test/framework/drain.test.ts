/** Drain and announcements: a room warns its players in its type's words, keeps playing, then moves them on. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainOf } from "../../server/room/drain.ts";
import { liveRooms } from "../../server/ops/live-rooms.ts";
import { CloseCode, FrameworkMessage, type Announcement, type ShutdownNotice } from "../../shared/protocol.ts";
import { type TestServer, localRoom, startServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { quiet } from "./rooms.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [quiet]); });
afterAll(async () => { await ts?.close(); });

describe("drain", () => {
  it("warns the players with the room type's notice, keeps the room open for the drain, then closes it with SERVER_SHUTDOWN", async () => {
    const room = await ts.client().create("quiet");
    await waitForState(room, () => true, 10_000, "joined");
    const notice = new Promise<ShutdownNotice>((resolve) => room.onMessage(FrameworkMessage.SHUTDOWN, resolve));
    const left = nextSignal(room.onLeave, 10_000, "the close");
    const startedAt = Date.now();
    drainOf(localRoom(room.roomId))!.beginDrain({ drainMs: 400 });
    expect(await notice).toEqual({ reason: "The library closes soon: finish your page.", disconnectInMs: 400 });
    const [code] = await left;
    expect(code).toBe(CloseCode.SERVER_SHUTDOWN);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(350);
  });

  it("forwards an operator's announcement to every room of the process", async () => {
    const room = await ts.client().create("quiet");
    await waitForState(room, () => true, 10_000, "joined");
    const heard = new Promise<Announcement>((resolve) => room.onMessage(FrameworkMessage.ANNOUNCEMENT, resolve));
    for (const live of liveRooms) live.showAnnouncement({ id: "noon", text: "Maintenance at noon", sentAt: 1 });
    expect(await heard).toEqual({ id: "noon", text: "Maintenance at noon", sentAt: 1 });
    await room.leave();
  });
});

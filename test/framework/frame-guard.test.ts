/** The frame check (server/room/frame-guard.ts) against a room's input as the room declares it, not as it was on the room's first frame. */
import { definePlugins, type Client } from "@colyseus/core";
import { schema, t } from "@colyseus/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { defineRoomType } from "../../server/room/room-type.ts";
import { type TestServer, startServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { Seat, Table } from "./rooms.ts";

const Nudge = schema({ nudge: t.int8().default(0) }, "Nudge");

/** Takes inputs only once a second player is seated, as a table that starts when it fills; from players who join after that. */
class LateInputRoom extends GameRoom<{ state: Table }> {
  state = new Table();
  plugins = definePlugins([...framework()]);
  nudges: ReturnType<LateInputRoom["declareInput"]> | undefined;

  private declareInput() {
    return this.defineInput(Nudge);
  }

  onCreate() {
    this.plugins.conduct.handle("latest", z.undefined(), (client) => this.nudges?.get(client.sessionId).latest?.nudge ?? null);
  }

  onJoin(client: Client) {
    this.state.seats.set(client.sessionId, new Seat());
    if (this.clients.length === 2) this.nudges ??= this.declareInput();
  }
}
const lateInput = defineRoomType({ name: "late-input", title: "Late input", summary: "Takes inputs once two are seated.", room: LateInputRoom });

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [lateInput]); });
afterAll(async () => { await ts?.close(); });

describe("the frame check", () => {
  it("accepts the inputs a room declared after its first frames were checked", async () => {
    const first = await ts.client().joinOrCreate("late-input");
    first.reconnection.enabled = false;
    await waitForState(first, (s) => s.seats.has(first.sessionId), 10_000, "the first player seated");
    expect(await first.request("latest")).toBeNull(); // frames checked while the room takes no inputs

    const second = await ts.client().joinById(first.roomId); // the room declares its input now
    second.reconnection.enabled = false;
    const third = await ts.client().joinById(first.roomId); // joins a room that takes inputs
    third.reconnection.enabled = false;
    let left: number | undefined;
    third.onLeave((code) => { left = code; });
    await waitForState(third, (s) => s.seats.size === 3, 10_000, "all three seated");
    const input = third.input({ type: Nudge, mode: "reliable" });
    input.data.nudge = 1;
    input.send();
    await expect.poll(() => third.request("latest"), { timeout: 10_000, interval: 300 }).toBe(1); // within conduct's 5 a second
    expect(left).toBeUndefined();
    await third.leave();
    await second.leave();
    await first.leave();
  });
});

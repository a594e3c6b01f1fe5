/** A room type's settings reach its rooms from its defaults and namespaced env, and no client can change them; rooms/index.ts lists one descriptor per folder. */
import { definePlugins } from "@colyseus/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { defineRoomType, listRoomTypes } from "../../server/room/room-type.ts";
import { localRoom, startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { Table } from "./rooms.ts";

const QuizSettings = z.object({ rounds: z.number().int().min(1).default(3), hardMode: z.boolean().default(false) });

class QuizRoom extends GameRoom<{ state: Table }, z.output<typeof QuizSettings>> {
  state = new Table();
  plugins = definePlugins([...framework()]);
}
const quiz = defineRoomType({ name: "quiz", title: "Quiz", summary: "Questions.", room: QuizRoom, settings: QuizSettings });

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ QUIZ_ROUNDS: "5", TICK_RATE: "24" }, [quiz]); });
afterAll(async () => { await ts?.close(); });

describe("room type settings", () => {
  it("give a room its type's settings, from defaults and QUIZ_* variables, beside the server's", async () => {
    const room = await ts.client().create("quiz");
    await waitForState(room, () => true, 10_000, "joined");
    const server = localRoom(room.roomId) as unknown as QuizRoom;
    expect(server.settings).toMatchObject({ rounds: 5, hardMode: false, tickRate: 24, patchRate: 20 });
    await room.leave();
  });

  it("cannot be set by a client's create options, not even under the server's own option key", async () => {
    const room = await ts.client().create("quiz", { rounds: 99, $tickforge: { settings: { rounds: 99 }, framework: { tickRate: 1 } } });
    await waitForState(room, () => true, 10_000, "joined");
    const server = localRoom(room.roomId) as unknown as QuizRoom;
    expect(server.settings.rounds).toBe(5);
    expect(server.settings.tickRate).toBe(24);
    await room.leave();
  });
});

describe("the list of room types", () => {
  it("takes each room folder's one descriptor, in the order listed", () => {
    const trivia = defineRoomType({ name: "trivia", title: "Trivia", summary: "More questions.", room: QuizRoom });
    expect(listRoomTypes({ quiz, QuizSettings }, { trivia }).map((type) => type.name)).toEqual(["quiz", "trivia"]);
  });

  it("refuses a folder that exports no descriptor or two, and two types of one name", () => {
    const again = defineRoomType({ name: "quiz", title: "Quiz again", summary: "Same name.", room: QuizRoom });
    expect(() => listRoomTypes({ QuizSettings })).toThrow(/exactly one defineRoomType/);
    expect(() => listRoomTypes({ quiz, again })).toThrow(/exactly one defineRoomType/);
    expect(() => listRoomTypes({ quiz }, { again })).toThrow(/Two room types are named "quiz"/);
  });
});

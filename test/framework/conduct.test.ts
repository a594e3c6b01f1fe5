/** Conduct: a room type's messages are validated, budgeted per type, and repeat offenders kicked with a reason. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClientErrorCode, CloseCode } from "../../shared/protocol.ts";
import { type TestServer, startServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { echo } from "./rooms.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [echo]); });
afterAll(async () => { await ts?.close(); });

async function join() {
  const room = await ts.client().joinOrCreate("echo");
  room.reconnection.enabled = false;
  await waitForState(room, (s) => s.seats.has(room.sessionId), 10_000, "joined");
  return room;
}

describe("conduct", () => {
  it("hands a valid message to the room's handler, whose return value answers a request", async () => {
    const room = await join();
    const said = new Promise((resolve) => room.onMessage("said", resolve));
    room.send("say", { text: "hello" });
    expect(await said).toEqual({ text: "hello" });
    expect(await room.request("say", { text: "four" })).toBe(4);
    await room.leave();
  });

  it("rejects a refused move's request with the typed error, to its sender only, without a strike", async () => {
    const room = await join();
    const other = await ts.client().joinById(room.roomId);
    other.reconnection.enabled = false;
    const heardByOther: number[] = [];
    other.onError((code) => heardByOther.push(code));
    const error = nextSignal(room.onError, 10_000, "the error");
    const refusal = await room.request("play", { card: 3 }).then(() => undefined, (e: { reason?: unknown }) => e.reason);
    expect(refusal).toEqual({ code: ClientErrorCode.MOVE_REJECTED, message: "3 is odd: play an even card." });
    expect((await error)[0]).toBe(ClientErrorCode.MOVE_REJECTED);
    expect(await room.request("play", { card: 4 })).toEqual({ played: 4 });
    expect(heardByOther).toEqual([]);
    await other.leave();
    await room.leave();
  });

  it("rejects a request of the wrong shape with INVALID_MESSAGE", async () => {
    const room = await join();
    room.onError(() => undefined);
    const refusal = await room.request("play", { card: "ace" }).then(() => undefined, (e: { reason?: unknown }) => e.reason);
    expect(refusal).toMatchObject({ code: ClientErrorCode.INVALID_MESSAGE });
    expect((refusal as { message: string }).message).toMatch(/"play".*"card"/);
    await room.leave();
  });

  it("answers a payload of the wrong shape with INVALID_MESSAGE naming the field", async () => {
    const room = await join();
    const error = nextSignal(room.onError, 10_000, "an error");
    room.send("say", { text: 7 });
    const [code, message] = await error;
    expect(code).toBe(ClientErrorCode.INVALID_MESSAGE);
    expect(message).toMatch(/"say".*"text"/);
    await room.leave();
  });

  it("answers an unknown type with UNKNOWN_MESSAGE and keeps the sender", async () => {
    const room = await join();
    const error = nextSignal(room.onError, 10_000, "an error");
    room.send("shout", {});
    const [code, message] = await error;
    expect(code).toBe(ClientErrorCode.UNKNOWN_MESSAGE);
    expect(message).toContain("shout");
    const said = new Promise((resolve) => room.onMessage("said", resolve));
    room.send("say", { text: "still here" });
    expect(await said).toEqual({ text: "still here" });
    await room.leave();
  });

  it("holds a sender to its room type's budget (burst 3), then kicks it with the reason after 4 strikes", async () => {
    const room = await join();
    const answered: unknown[] = [];
    const codes: number[] = [];
    room.onMessage("said", (m) => answered.push(m));
    room.onError((code) => codes.push(code));
    const kicked = nextSignal(room.onLeave, 10_000, "the kick");
    for (let i = 0; i < 7; i++) room.send("say", { text: `m${i}` });
    const [code, reason] = await kicked;
    expect(code).toBe(CloseCode.KICKED);
    expect(reason).toMatch(/Kicked: 4 rejected messages.*at most 2 a second/);
    expect(answered).toHaveLength(3);
    expect(codes).toEqual([ClientErrorCode.RATE_LIMITED, ClientErrorCode.RATE_LIMITED, ClientErrorCode.RATE_LIMITED, ClientErrorCode.RATE_LIMITED]);
  });
});

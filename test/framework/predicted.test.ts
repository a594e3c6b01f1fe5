/** A predicted fixed-step room: one input per player per step at the server's tick rate, ranges enforced, floods never faster. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestServer, localRoom, startServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { Push, slide, type SlideRoom } from "./rooms.ts";

const TICK_RATE = 20;

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ TICK_RATE: String(TICK_RATE) }, [slide]); });
afterAll(async () => { await ts?.close(); });

async function joinSlide() {
  const room = await ts.client().create("slide");
  await waitForState(room, (s) => s.seats.has(room.sessionId), 10_000, "joined");
  return { room, server: localRoom(room.roomId) as unknown as SlideRoom };
}

describe("a predicted fixed-step room", () => {
  it("advertises the server's TICK_RATE to the client's input handle", async () => {
    const { room } = await joinSlide();
    const input = room.input({ type: Push });
    expect(input.tickRate).toBe(TICK_RATE);
    expect(input.stepMs).toBeCloseTo(1000 / TICK_RATE);
    await room.leave();
  });

  it("applies a client's inputs in order and acknowledges them", async () => {
    const { room, server } = await joinSlide();
    const input = room.input({ type: Push });
    input.data.push = 1;
    let last = 0;
    for (let i = 0; i < 4; i++) last = input.send();
    await waitForState(room, () => input.lastProcessed >= last, 10_000, "the inputs acknowledged");
    expect(server.applied.filter((a) => a.sessionId === room.sessionId).map((a) => a.push)).toEqual([1, 1, 1, 1]);
    await waitForState(room, (s) => Math.abs(s.seats.get(room.sessionId).x - 4 / TICK_RATE) < 1e-9, 10_000, "x = 4 steps of push");
    await room.leave();
  });

  it("clamps an input field to its declared range", async () => {
    const { room, server } = await joinSlide();
    const input = room.input({ type: Push });
    input.data.push = 100;
    const seq = input.send();
    await waitForState(room, () => input.lastProcessed >= seq, 10_000, "the input acknowledged");
    expect(server.applied.find((a) => a.sessionId === room.sessionId)?.push).toBe(1);
    await room.leave();
  });

  it("never applies more than one input a tick plus two owed, however many a client floods", async () => {
    const { room, server } = await joinSlide();
    const input = room.input({ type: Push });
    input.data.push = 1;
    let last = 0;
    for (let i = 0; i < 8; i++) last = input.send();
    await waitForState(room, () => input.lastProcessed >= last, 10_000, "the flood applied");
    const ticks = server.applied.filter((a) => a.sessionId === room.sessionId).map((a) => a.tick);
    const span = ticks.at(-1)! - ticks[0] + 1;
    expect(ticks.length).toBeLessThanOrEqual(span + 2);
    await room.leave();
  });
});

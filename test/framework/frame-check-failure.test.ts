/**
 * A bug in the frame check (server/room/frame-guard.ts) costs only the client
 * whose frame met it: that client is closed as a protocol error, and the
 * exception never escapes `ws`'s "message" listener to stop the process. The
 * bug is injected into the check's reading of the room's input declaration.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CloseCode } from "../../shared/protocol.ts";
import { type TestServer, startServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { echo } from "./rooms.ts";

const fault = vi.hoisted(() => ({ on: false }));
vi.mock("../../server/room/colyseus-internals.ts", async (importOriginal) => {
  const original = await importOriginal<typeof import("../../server/room/colyseus-internals.ts")>();
  return {
    ...original,
    declaredInput: (...args: Parameters<typeof original.declaredInput>) => {
      if (fault.on) throw new TypeError("a bug in the frame check");
      return original.declaredInput(...args);
    },
  };
});

let ts: TestServer;
beforeAll(async () => { ts = await startServer({}, [echo]); });
afterAll(async () => { await ts?.close(); });

describe("a bug in the frame check", () => {
  it("closes only the client whose frame met it, as a protocol error, and the server keeps serving", async () => {
    const room = await ts.client().joinOrCreate("echo");
    room.reconnection.enabled = false;
    await waitForState(room, (s) => s.seats.has(room.sessionId), 10_000, "joined");
    const left = new Promise<number>((resolve) => room.onLeave((code) => resolve(code)));
    fault.on = true;
    try {
      room.send("say", { text: "hello" });
      expect(await left).toBe(CloseCode.PROTOCOL_ERROR);
    } finally {
      fault.on = false;
    }
    const next = await ts.client().joinOrCreate("echo"); // the emptied room is gone: the process serves a new one
    next.reconnection.enabled = false;
    expect(await next.request("say", { text: "four" })).toBe(4);
    await next.leave();
  });
});

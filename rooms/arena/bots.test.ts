import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";

const TICK_RATE = loadConfig({}).rooms.tickRate; // the test server runs the defaults
import { applyInput } from "./sim.ts";
import { ArenaInput, ArenaState, Player } from "./state.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { fighter, mover, seededRng, type InputPort, type RoomView } from "./bots.ts";

/** The browser's input schema, field by field, as the schema itself declares it. */
const INPUT_FIELDS = Object.values((ArenaInput as any)[Symbol.metadata] as Record<string, { name: string; type: unknown }>).map((f) => f.name);

/** An input handle that records what a bot writes, through a proxy over the real ArenaInput. */
function recordingInput() {
  const written = new Set<string>();
  const sent: { moveX: number; moveY: number; aim: number; fire: boolean }[] = [];
  const target = new ArenaInput();
  const data = new Proxy(target, {
    set(obj, key, value) {
      written.add(String(key));
      return Reflect.set(obj, key, value);
    },
  });
  const port: InputPort = {
    data,
    get sentCount() { return sent.length; },
    pendingCount: 0, // an instant server: nothing ever waits in its queue
    stepSeconds: 1 / TICK_RATE,
    send() { sent.push({ moveX: target.moveX, moveY: target.moveY, aim: target.aim, fire: target.fire }); return sent.length; },
  };
  return { port, written, sent };
}

/** A small arena: the bot at one spawn, a rival in range. */
function arenaWith(selfAt: { x: number; y: number }, rivalAt: { x: number; y: number }): RoomView {
  const state = new ArenaState();
  const me = new Player(); me.x = selfAt.x; me.y = selfAt.y;
  const rival = new Player(); rival.x = rivalAt.x; rival.y = rivalAt.y;
  state.players.set("me", me);
  state.players.set("rival", rival);
  return { sessionId: "me", state };
}

describe("arena bots and the browser share one input schema and one simulation", () => {
  it("bots write only the browser's ArenaInput fields, each within its range, and set all of them", () => {
    const { port, written, sent } = recordingInput();
    const view = arenaWith({ x: 300, y: 300 }, { x: 500, y: 400 });
    const bots = [fighter(port, view, seededRng(1)), mover(port, view, seededRng(2))];
    for (let i = 0; i < 300; i++) for (const bot of bots) bot.step();

    expect([...written].sort()).toEqual([...INPUT_FIELDS].sort());
    expect(sent).toHaveLength(600);
    for (const input of sent) {
      expect([-1, 0, 1]).toContain(input.moveX);
      expect([-1, 0, 1]).toContain(input.moveY);
      expect(Number.isFinite(input.aim)).toBe(true);
      expect(typeof input.fire).toBe("boolean");
    }
    expect(sent.some((i) => i.fire)).toBe(true); // the fighter shoots at a rival in range
  });

  it("a moving bot predicts its body with the server's step function", () => {
    const { port, sent } = recordingInput();
    const view = arenaWith({ x: 100, y: 100 }, { x: 1500, y: 900 });
    const bot = mover(port, view, seededRng(3));
    for (let i = 0; i < 200; i++) bot.step();

    const replay = { x: 100, y: 100 };
    for (const input of sent) applyInput(replay, input, 1 / TICK_RATE);
    expect(bot.body).toEqual(replay);
  });

  describe("against a real server", () => {
    let server: TestServer;
    beforeAll(async () => { server = await startServer(); });
    afterAll(async () => { await server?.close(); });

    it("a moving bot ends where the server put it, without reading a single patch", async () => {
      const room = await server.client().joinOrCreate("arena", { name: "walker" });
      await waitForState(room, (s) => s.players?.get(room.sessionId), 10_000, "own player in the first state");
      const input = room.input({ type: ArenaInput });
      const bot = mover(input as unknown as InputPort, room as unknown as RoomView, seededRng(4));
      // One input per fixed step, as the fleet's ticker sends them.
      await new Promise<void>((resolve) => {
        let steps = 0;
        const timer = setInterval(() => {
          bot.step();
          if (++steps === 90) { clearInterval(timer); resolve(); }
        }, 1000 / TICK_RATE);
      });
      // A bot may leave a step out to drain the server's queue, as the browser does: count what it sent.
      const sent = input.sentCount;
      expect(sent).toBeGreaterThan(60);
      const me = await waitForState(room, (s) => input.lastProcessed === sent && s.players.get(room.sessionId), 10_000, "every input applied");
      expect({ x: me.x, y: me.y }).toEqual(bot.body);
      await room.leave();
    });
  });
});

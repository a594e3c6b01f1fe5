/**
 * The page's process is killed mid-game (SIGKILL, one machine, no Redis) and
 * restarted: the page shows "Reconnecting…", finds its room again through
 * matchmaking, and plays on as the same player, where it was.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killAll, startProcess } from "../../tools/process.ts";
import { ArenaState } from "../../rooms/arena/state.ts";
import { storeIn, waitForSnapshot } from "../durable/support.ts";
import { holdUntilMoved, launchBrowser, openGame, play } from "./browser.ts";

afterAll(() => killAll());

/** While the process is down, the page's socket and matchmaking requests are refused; Chromium logs each. */
const WHILE_DOWN = [/WebSocket connection to .* failed/, /Failed to load resource/, /ERR_CONNECTION_REFUSED/];

describe("a page whose process is killed", () => {
  it("shows Reconnecting…, then plays on as the same player once the room is restored", async () => {
    const env = { DATA_DIR: mkdtempSync(join(tmpdir(), "tickforge-durable-page-")), RECONNECT_SECONDS: "30" };
    let server = await startProcess({ name: "solo", env });
    const browser = await launchBrowser();
    const game = await openGame(browser, server.endpoint, { expectedErrors: WHILE_DOWN });
    try {
      const id = await play(game, "Ada");
      await holdUntilMoved(game, "ArrowRight", "x", 40);
      // Killed once the player stands still in the saved room (two snapshots agree): the spec is about the page, not about the last 250 ms.
      const roomId = (await game.read((h) => h.roomId))!;
      const store = storeIn(env.DATA_DIR);
      let previous: { takenAt: number; x: number } | undefined;
      const saved = await waitForSnapshot(store, roomId, ArenaState, (state, snapshot) => {
        const x = state.players.get(id)!.x;
        const still = previous !== undefined && previous.takenAt !== snapshot.takenAt && previous.x === x;
        if (previous?.takenAt !== snapshot.takenAt) previous = { takenAt: snapshot.takenAt, x };
        return still;
      });
      await store.close();
      const at = { x: saved.state.players.get(id)!.x, y: saved.state.players.get(id)!.y };

      server.kill("SIGKILL");
      await server.exited;
      await game.until((h) => h.connection === "reconnecting", "the page to notice the drop");
      expect(await game.read((h) => h.message)).toMatch(/Reconnecting/);
      server = await startProcess({ name: "solo-again", env, port: server.port });

      // Read in one go: the page's own player is briefly absent while the restored state is decoded.
      const restored = await game.until((h) => (h.scene === "Game" && h.connection === "connected" && h.self && h.sessionId
        ? { id: h.sessionId, x: h.self.x, y: h.self.y } : undefined), "the page to resume its seat", undefined, 60_000);
      expect(restored.id).toBe(id);
      expect(Math.abs(restored.x - at.x)).toBeLessThan(5);
      expect(Math.abs(restored.y - at.y)).toBeLessThan(5);
      await holdUntilMoved(game, "ArrowDown", "y", 40); // and plays on
      expect(game.errors).toEqual([]);
    } finally {
      await game.close();
      await browser.close();
    }
  }, 120_000);
});

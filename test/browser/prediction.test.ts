/**
 * Prediction in a real browser: with 150 ms of added latency the own player
 * moves on the frame after the key press (the server's echo comes ~150 ms
 * later), a clean network produces no corrections at all, and an own shot is
 * drawn at once and then confirmed by the suite.server.
 */
import { describe, expect, it } from "vitest";
import { OVERLAY_PRESET } from "../../game-client/src/game/layout.ts";
import { holdUntilMoved, gameUnderTest, play } from "./browser.ts";

const suite = gameUnderTest();

describe("prediction", () => {
  it("moves the own player on the frame after the key press with 150 ms of added latency", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Edsger");
      await game.until((h) => h.ping >= 150, "the added latency to show in the ping");
      const from = await game.read((h) => h.frame);

      await game.page.keyboard.down("KeyD");
      const trace = await game.until((h, from) => {
        const frames = h.trace().filter((r) => r.frame >= from);
        const pressed = frames.findIndex((r) => r.moveX === 1);
        const echoed = frames.findIndex((r, i) => i > pressed && r.serverX !== frames[pressed - 1]?.serverX);
        return pressed > 0 && echoed > 0 ? frames : undefined;
      }, "the server to echo the move", from);
      await game.page.keyboard.up("KeyD");

      const pressed = trace.findIndex((r) => r.moveX === 1); // the first frame that saw the key
      const before = trace[pressed - 1];
      const next = trace[pressed + 1];
      expect(next.drawnX).toBeGreaterThan(before.drawnX);
      const echo = trace.find((r) => r.serverX !== before.serverX)!;
      // The move was drawn long before the server could have answered.
      expect(echo.at - trace[pressed].at).toBeGreaterThanOrEqual(140);
      expect(next.at).toBeLessThan(echo.at);
    }, { query: "?latency=150" });
  });

  it("makes no corrections on a clean network", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Barbara");
      // Around a square, sliding along whatever walls are in the way.
      await holdUntilMoved(game, "KeyD", "x", 60);
      await holdUntilMoved(game, "KeyS", "y", 60);
      await holdUntilMoved(game, "KeyA", "x", 60);
      await holdUntilMoved(game, "KeyW", "y", 60);
      // The server has caught up: the drawn player stands exactly where the server has it.
      await game.until((h) => Math.hypot(h.self!.x - h.self!.drawnX, h.self!.y - h.self!.drawnY) < 0.01,
        "the server to catch up with the prediction");
      const stats = (await game.read((h) => h.stats))!;
      expect(stats.corrections, `last correction: ${JSON.stringify(stats.lastCorrection)}`).toBe(0);
      expect(stats.teleports).toBe(0);
    });
  });

  it("opens the network overlay on F3, whose preset puts the link at 150 ± 20 ms", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Donald");
      await game.page.keyboard.press("F3");
      await game.until((h) => h.overlayOpen, "the overlay");
      await game.page.mouse.click(OVERLAY_PRESET.x, OVERLAY_PRESET.y);
      await game.until((h) => h.link.latencyMs === 150 && h.link.jitterMs === 20, "the preset to apply");
      await game.until((h) => h.ping >= 150, "the added latency to show in the ping");
      await game.page.keyboard.press("F3");
      await game.until((h) => !h.overlayOpen, "the overlay to close");
    });
  });

  it("draws an own shot at once and has the server confirm it", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Grace");
      await game.page.mouse.move(640, 400); // aim at the middle of the arena
      // Held like a player holds fire: on a stalled machine the first shot's
      // confirmation can come after the client has given up on it (onReject),
      // and a later shot is then the one confirmed.
      await game.page.keyboard.down("Space");
      const drawnAt = await game.until((h) => h.shotsDrawn > 0 && h.stats!.shotsPredicted > 0 && h.frame, "the shot to be drawn");
      const confirmedAt = await game.until((h) => h.stats!.shotsConfirmed > 0 && h.frame, "the server to confirm the shot");
      await game.page.keyboard.up("Space");
      expect(confirmedAt).toBeGreaterThan(drawnAt);
    }, { query: "?latency=150" });
  });
});

/**
 * The game in a real browser against a real server: it loads and draws,
 * the keyboard moves the player (as the server sees it), and two players
 * see each other move.
 */
import { mkdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { waitForState } from "../../tools/wait.ts";
import { drawnPosition, holdUntilMoved, gameUnderTest, play } from "./browser.ts";

const suite = gameUnderTest();

/** Two chromium pages (each with its game and chat sockets) on a busy machine: opening and joining them alone takes seconds. */
const TWO_PAGES_MS = 120_000;

describe("the game page", () => {
  it("loads without console errors, draws the arena and saves a screenshot", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Ada");
      // Something is really on the canvas: a blank or single-colour frame has a handful of colours.
      const colours = await game.read((h) => h.countColours());
      expect(colours).toBeGreaterThan(50);
      mkdirSync("test-artifacts", { recursive: true });
      await game.page.screenshot({ path: "test-artifacts/game.png" });
    });
  });

  it("keeps a 16-character name clear of the HUD's connection status and player count", async () => {
    await suite.withGame(async (game) => {
      await play(game, "W".repeat(16));
      const hud = await game.until((h) => h.hud.score && h.hud.status && h.hud.round && h.hud, "the HUD laid out");
      expect(hud.score.left).toBeGreaterThan(hud.status.right);
      expect(hud.round.left).toBeGreaterThan(hud.score.right);
    });
  });

  it("lists the open arenas on the title screen with live player counts", async () => {
    const first = await suite.server.client().create("arena", { name: "Host" });
    const game = await suite.open();
    try {
      await game.until((h, id) => h.rooms.some((a) => a.roomId === id && a.clients === 1), "the new arena with one player", first.roomId);
      const second = await suite.server.client().joinById(first.roomId, { name: "Guest" });
      await game.until((h, id) => h.rooms.some((a) => a.roomId === id && a.clients === 2), "the arena's count to go up", first.roomId);
      await second.leave();
      await game.until((h, id) => h.rooms.some((a) => a.roomId === id && a.clients === 1), "the arena's count to go down", first.roomId);
      expect(game.errors).toEqual([]);
    } finally {
      await first.leave();
      await game.close();
    }
  });

  it("moves the player while a movement key is held, as the server reports to another client", async () => {
    const game = await suite.open();
    const watcher = await suite.server.client().joinOrCreate("arena", { name: "Watcher" });
    try {
      const id = await play(game, "Grace");
      const before = await waitForState(watcher, (s) => s.players.get(id)?.x, 10_000, "the page's player in the watcher's state");

      await game.page.keyboard.down("KeyD");
      try {
        await waitForState(watcher, (s) => s.players.get(id)!.x > before + 40, 15_000, "the page's player to move right");
      } finally {
        await game.page.keyboard.up("KeyD");
      }
      expect(game.errors).toEqual([]);
    } finally {
      await watcher.leave();
      await game.close();
    }
  });

  it("leaves the arena for the title screen on Esc, giving the seat up", async () => {
    const game = await suite.open();
    const watcher = await suite.server.client().joinOrCreate("arena", { name: "Watcher" });
    try {
      const id = await play(game, "Alan");
      await waitForState(watcher, (s) => s.players.has(id), 10_000, "the player in the watcher's state");
      await game.page.keyboard.press("Escape");
      await game.until((h) => h.scene === "Title" && h.connection === "idle", "the title screen");
      await waitForState(watcher, (s) => !s.players.has(id), 10_000, "the seat to be given up at once");
      expect(game.errors).toEqual([]);
    } finally {
      await watcher.leave();
      await game.close();
    }
  });

  it("shows each of two players the other one moving", async () => {
    const [a, b] = await Promise.all([suite.open(), suite.open()]);
    try {
      const idA = await play(a, "Alice");
      const idB = await play(b, "Bob");
      expect(await a.read((h) => h.roomId)).toBe(await b.read((h) => h.roomId));

      const alice = await b.until((h, id) => h.players.find((p) => p.id === id)?.drawnY, "Bob to see Alice", idA);
      await holdUntilMoved(a, "KeyS", "y", 40);
      await b.until((h, [id, y]) => h.players.find((p) => p.id === id)!.drawnY > y + 30, "Bob to see Alice move down", [idA, alice] as const);

      const bob = (await drawnPosition(a, idB))!.y;
      await holdUntilMoved(b, "KeyW", "y", 40);
      await a.until((h, [id, y]) => h.players.find((p) => p.id === id)!.drawnY < y - 30, "Alice to see Bob move up", [idB, bob] as const);

      expect(a.errors).toEqual([]);
      expect(b.errors).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  }, TWO_PAGES_MS);
});

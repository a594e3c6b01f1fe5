/**
 * What the server can do to a player, as the page shows it: an announcement
 * becomes a banner (on the title screen too), a draining server ("shutdown", then close code 4001)
 * sends the player to a new arena, and a kick (4002) returns to the title
 * screen with the reason.
 */
import { matchMaker } from "@colyseus/core";
import { describe, expect, it } from "vitest";
import { announce } from "../../server/ops/announcements.ts";
import { localRoom } from "../../rooms/arena/testing.ts";
import { gameUnderTest, play } from "./browser.ts";

const suite = gameUnderTest();

describe("server events in the page", () => {
  it("shows an announcement as a banner", async () => {
    await suite.withGame(async (game) => {
      await play(game, "Hedy");
      const room = localRoom((await game.read((h) => h.roomId))!);
      room.broadcast("announcement", { text: "Maintenance at noon", sentAt: Date.now() });
      await game.until((h) => h.banner === "Maintenance at noon", "the announcement banner");
    });
  });

  it("shows an operator's announcement on the title screen, through the lobby", async () => {
    await suite.withGame(async (game) => {
      // The lobby is joined after the page signs in as a guest: an announcement before that is not for this page.
      await game.until((h) => h.scene === "Title" && h.roomTypes.length > 0 && h.lobbyJoined, "the title screen in the lobby");
      await announce(matchMaker.presence, "Servers restart at noon");
      await game.until((h) => h.banner === "Servers restart at noon", "the announcement on the title screen");
    });
  });

  it("moves the player to a new arena when the server restarts its room", async () => {
    await suite.withGame(async (game) => {
      const id = await play(game, "Katherine");
      const roomId = (await game.read((h) => h.roomId))!;
      const room = localRoom(roomId);
      room.broadcast("shutdown", { reason: "deploying a new version", disconnectInMs: 0 });
      await game.until((h) => h.banner.includes("deploying a new version"), "the shutdown banner");
      await room.disconnect(4001);

      await game.until((h, old) => h.connection === "connected" && h.roomId !== old && h.stats, "a new arena", roomId);
      expect(await game.read((h) => h.states.slice(-2))).toEqual(["restarting", "connected"]);
      expect(await game.read((h) => h.sessionId)).not.toBe(id);
    });
  });

  it("returns a kicked player to the title screen with the reason", async () => {
    await suite.withGame(async (game) => {
      const id = await play(game, "Radia");
      const room = localRoom((await game.read((h) => h.roomId))!);
      room.clients.find((c) => c.sessionId === id)!.leave(4002, "Kicked: testing the kick screen");
      await game.until((h) => h.scene === "Title" && h.connection === "kicked", "the title screen");
      expect(await game.read((h) => h.message)).toBe("Kicked: testing the kick screen");
    });
  });
});

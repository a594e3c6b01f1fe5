/**
 * A game room's match channel, opened by the MatchChat piece a game room
 * composes: against a real server with the cards and chat room types, the
 * table's players (and spectators) may join `match:<roomId>` as soon as
 * their game join is done, and talk there; nobody else may.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Room } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../../tools/server.ts";
import { cards } from "../cards/index.ts";
import { matchChannelId } from "./channel.ts";
import { chat } from "./index.ts";
import { ChatJoinError, ChatMessage, type ChatLine } from "./protocol.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-match-chat-"));
let ts: TestServer;
beforeAll(async () => { ts = await startServer({ DATA_DIR: dataDir, CARDS_DEAL_DELAY_SECONDS: "60" }, [cards, chat]); });
afterAll(async () => {
  await ts?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The first line `room` hears. */
function nextLine(room: Room): Promise<ChatLine> {
  return new Promise((resolve) => room.onMessage(ChatMessage.line, resolve));
}

describe("a game room's match channel", () => {
  it("admits everyone who joined the game room, right after their join, and carries their lines", async () => {
    const [ann, bob] = [ts.client("Ann"), ts.client("Bob")];
    const table = await ann.joinOrCreate("cards");
    const seated = await bob.joinById(table.roomId);
    const channel = matchChannelId(table.roomId);
    const annChat = await ann.joinOrCreate("chat", { channel });
    const bobChat = await bob.joinOrCreate("chat", { channel });
    for (const room of [annChat, bobChat]) room.onMessage("*", () => {});
    const heard = nextLine(bobChat);
    annChat.send(ChatMessage.send, { channel, id: "gg-1", text: "good luck" });
    expect(await heard).toMatchObject({ channel, from: (await ann.identity).user.id, name: "Ann", text: "good luck" });
    await Promise.all([annChat.leave(), bobChat.leave(), seated.leave(), table.leave()]);
  });

  it("drops a player who left the game room from the channel, so joiners never grow it past the room", async () => {
    const [ann, bob] = [ts.client("Ann"), ts.client("Bob")];
    const table = await ann.joinOrCreate("cards");
    const seated = await bob.joinById(table.roomId);
    const channel = matchChannelId(table.roomId);
    await seated.leave();
    // The leave is saved after the socket closes: ask until the chat room has heard it (bounded by the spec's timeout).
    for (;;) {
      const refused = await bob.joinOrCreate("chat", { channel }).then(async (room) => { await room.leave(); return undefined; }, (error) => error);
      if (refused) {
        expect(refused).toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
        break;
      }
    }
    const annChat = await ann.joinOrCreate("chat", { channel });
    await Promise.all([annChat.leave(), table.leave()]);
  });

  it("refuses a player who is not in the game room", async () => {
    const ann = ts.client("Ann");
    const table = await ann.joinOrCreate("cards");
    await expect(ts.client("Eve").joinOrCreate("chat", { channel: matchChannelId(table.roomId) }))
      .rejects.toMatchObject({ code: ChatJoinError.NOT_A_MEMBER });
    await table.leave();
  });
});

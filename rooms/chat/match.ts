/**
 * A game room's match channel (`match:<roomId>`), as a RoomPlugin the game
 * room composes: every identity that joins the game room is saved as a
 * member of its channel (channel.ts `matchChannel`, stored with
 * ChatStorage.saveChannel), so the chat room admits exactly the game's
 * players and spectators; the channel and its history are deleted with the
 * game room. The game room imports this public module of the
 * chat folder; server/ stays free of room folders, and chat needs no
 * callback into every game.
 *
 *   plugins = definePlugins([...framework(), new SeatHolding(), new MatchChat()]);
 */
import { RoomPlugin, type Client } from "@colyseus/core";
import { logger } from "../../server/logger.ts";
import type { GameRoom } from "../../server/room/GameRoom.ts";
import { matchChannel, matchChannelId } from "./channel.ts";
import { ChatStorage } from "./storage.ts";

/** Saves the match channel's roles before a joiner's game room join completes, so their chat join that follows is admitted. */
export class MatchChat extends RoomPlugin<GameRoom> {
  readonly pluginName = "matchChat" as const;
  /** Everyone who has joined: a player who left can still read the match's channel until the room is gone. */
  #members = new Set<string>();
  #version = 0;
  /** Saves in join order: each one carries every member so far. */
  #saving: Promise<void> = Promise.resolve();

  protected async onJoin(client: Client): Promise<void> {
    const userId = (client.auth as { userId?: unknown } | undefined)?.userId;
    if (typeof userId !== "string" || this.#members.has(userId)) return;
    this.#members.add(userId);
    const saved = this.#saving.then(() => this.#save());
    this.#saving = saved.catch(() => undefined);
    await saved;
  }

  /** The match is over: its channel and history go with it, so match channels do not pile up in the Store. */
  protected async onDispose(): Promise<void> {
    await this.#saving;
    try {
      await new ChatStorage(this.room.store).deleteChannel(matchChannelId(this.room.roomId));
    } catch (error) {
      logger.warn({ err: error, roomId: this.room.roomId }, "could not delete the match chat channel");
    }
  }

  async #save(): Promise<void> {
    const storage = new ChatStorage(this.room.store);
    const channel = matchChannel(this.room.roomId, [...this.#members]);
    try {
      // Only this room writes its channel; a conflict means a stale version (a restart reused the id): read it and write again.
      let result = await storage.saveChannel(channel, this.#version);
      if (!result.saved) result = await storage.saveChannel(channel, (await storage.loadChannel(channel.id))?.version ?? 0);
      if (result.saved) this.#version = result.version;
    } catch (error) {
      // The game goes on without its chat: a joiner whose save failed is refused by the chat room, not by the game.
      logger.warn({ err: error, roomId: this.room.roomId }, "could not save the match chat channel");
    }
  }
}

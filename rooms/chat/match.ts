/**
 * A game room's match channel (`match:<roomId>`), as a RoomPlugin the game
 * room composes: every identity in the game room is saved as a member of
 * its channel (channel.ts `matchChannel`, stored with
 * ChatStorage.saveChannel), so the chat room admits exactly the game's
 * players and spectators, and one who leaves the game for good leaves the
 * channel's list; the channel and its history are deleted with the game room. The game room imports this public module of the
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
  /**
   * The identities in the game room now (seats held for a reconnection included): bounded by the room's size,
   * so a stream of joiners with fresh guest identities cannot grow the stored channel.
   */
  #members = new Set<string>();
  #version = 0;
  /** Saves in join order: each one carries every member so far. */
  #saving: Promise<void> = Promise.resolve();

  protected async onJoin(client: Client): Promise<void> {
    const userId = userOf(client);
    if (userId === undefined || this.#members.has(userId)) return;
    this.#members.add(userId);
    await this.#queueSave();
  }

  protected async onLeave(client: Client): Promise<void> {
    const userId = userOf(client);
    if (userId === undefined || this.room.clients.some((other) => other !== client && userOf(other) === userId)) return;
    if (this.#members.delete(userId)) await this.#queueSave();
  }

  #queueSave(): Promise<void> {
    const saved = this.#saving.then(() => this.#save());
    this.#saving = saved.catch(() => undefined);
    return saved;
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

function userOf(client: Client): string | undefined {
  const userId = (client.auth as { userId?: unknown } | undefined)?.userId;
  return typeof userId === "string" ? userId : undefined;
}

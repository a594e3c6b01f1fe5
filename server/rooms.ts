/**
 * Every room type the server offers, in one place. A new room type is a
 * folder under rooms/ and one line here.
 */
import { LobbyRoom, defineRoom } from "@colyseus/core";
import { ArenaRoom } from "../rooms/arena/ArenaRoom.ts";
import type { Config } from "./config.ts";

export function roomTypes(config: Config) {
  return {
    /** Live listing of open rooms, for the title screen. */
    lobby: defineRoom(LobbyRoom),
    arena: defineRoom(ArenaRoom, {
      tickRate: config.tickRate,
      reconnectSeconds: config.reconnectSeconds,
      roundSeconds: config.roundSeconds,
      maxMessagesPerSecond: config.maxMessagesPerSecond,
    }).filterBy(["mode"]).enableRealtimeListing(),
  };
}

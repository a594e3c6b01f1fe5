/**
 * What the scenes share: the network session, the debug hook and the room
 * types' client modules, kept in the game's registry so every scene reaches
 * them the same way.
 */
import type * as Phaser from "phaser";
import type { GameSession } from "../net/session.ts";
import type { RoomClientModule } from "../room-module.ts";
import type { DebugHook } from "./debug.ts";

export function sessionOf(scene: Phaser.Scene): GameSession {
  return scene.registry.get("session") as GameSession;
}

export function debugOf(scene: Phaser.Scene): DebugHook {
  return scene.registry.get("debug") as DebugHook;
}

/** The client modules of the room types the server offers, in its order (resolved once they have loaded). */
export function modulesOf(scene: Phaser.Scene): Promise<RoomClientModule[]> {
  return scene.registry.get("modules") as Promise<RoomClientModule[]>;
}

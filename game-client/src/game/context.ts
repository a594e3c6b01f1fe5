/**
 * What the scenes share: the network session and the debug hook, kept in
 * the game's registry so every scene reaches them the same way.
 */
import type * as Phaser from "phaser";
import type { ArenaSession } from "../net/session.ts";
import type { DebugHook } from "./debug.ts";

export function sessionOf(scene: Phaser.Scene): ArenaSession {
  return scene.registry.get("session") as ArenaSession;
}

export function debugOf(scene: Phaser.Scene): DebugHook {
  return scene.registry.get("debug") as DebugHook;
}

/**
 * The client's seam per room type. Each type's folder holds a client module
 * (rooms/<type>/client/index.ts, default export) that brings its scenes; the
 * game loads the modules of the types the server offers (GET /room-types),
 * so adding a type to the server adds it to the title screen.
 */
import type * as Phaser from "phaser";
import type { Room } from "@colyseus/sdk";
import type { RoomListing } from "./net/lobby.ts";
import type { GameSession, StateClass } from "./net/session.ts";
import type { DebugHook } from "./game/debug.ts";

/** What a module's `attach` is given for each room the player is in. */
export interface RoomContext {
  session: GameSession;
  room: Room<any, any>;
  game: Phaser.Game;
  debug: DebugHook;
}

export interface RoomClientModule {
  /** The room type's name, as its server descriptor (rooms/<type>/index.ts) has it. */
  name: string;
  /** Its state schema (rooms/<type>/state.ts), so the SDK decodes into the shared classes. */
  State?: StateClass;
  /** The scenes it brings; keys start with the type's name, so they never collide with another type's. */
  scenes: Phaser.Types.Scenes.SceneType[];
  /** The scene started once the player is in a room of this type (after a join, a resume or a server restart). */
  playScene: string;
  /** Makes the type's textures, once, from the Preloader. */
  makeTextures?(scene: Phaser.Scene): void;
  /** Options PLAY creates rooms with (the filterBy keys of its descriptor). */
  createOptions?: Record<string, unknown>;
  /**
   * True when the page's address links to a room of this type (a shared board, say): the title screen picks this type and, once the player has a name, joins at once.
   * A type that has it is reached by links only, so its open rooms are left out of the title screen's list.
   */
  linked?(): boolean;
  /** Join options that seat the player as a spectator; the title screen offers WATCH beside JOIN for this type's open rooms. */
  watchOptions?: Record<string, unknown>;
  /** How to play, one line under the title. */
  controls: string;
  /** How the title screen describes one open room of this type (its mode, say); default: its seats. */
  describe?(listing: RoomListing): string;
  /** Called for every room joined, before its play scene starts; returns what to undo when the room is left. */
  attach?(context: RoomContext): () => void;
}

/** Type-checks a client module. */
export function defineClientModule(module: RoomClientModule): RoomClientModule {
  return module;
}

/**
 * A room type's client module, from its folder. esbuild bundles every
 * rooms/<type>/client/index.ts this pattern matches, so the browser needs
 * no list of names.
 */
export async function loadClientModule(roomType: string): Promise<RoomClientModule> {
  const loaded = await import(`../../rooms/${roomType}/client/index.ts`) as { default?: RoomClientModule };
  if (!loaded.default) throw new Error(`rooms/${roomType}/client/index.ts has no default export (its RoomClientModule).`);
  return loaded.default;
}

/**
 * The game's one config object and its factory. Framework scenes in order:
 * Boot → Preloader → Title, with DevOverlay over any scene; each room type's
 * client module adds its own scenes, which Title starts when the player is
 * in a room of that type.
 */
import * as Phaser from "phaser";
import { ROOM_TYPES_PATH, type RoomTypeInfo } from "../../../shared/protocol.ts";
import { LinkConditioner, type LinkSettings } from "../../../shared/link.ts";
import type { RemoteDrawing } from "../net/remotes.ts";
import { GameSession } from "../net/session.ts";
import { loadClientModule, type RoomClientModule } from "../room-module.ts";
import { mountChat } from "../../../rooms/chat/client/index.ts";
import { DebugHook } from "./debug.ts";
import { HEIGHT, WIDTH } from "./layout.ts";
import { Boot } from "./scenes/Boot.ts";
import { DevOverlay } from "./scenes/DevOverlay.ts";
import { Preloader } from "./scenes/Preloader.ts";
import { Title } from "./scenes/Title.ts";
import { COLORS } from "./style.ts";

export const config: Phaser.Types.Core.GameConfig = {
  type: Phaser.AUTO,
  width: WIDTH,
  height: HEIGHT,
  backgroundColor: COLORS.background,
  banner: false,
  scale: { mode: Phaser.Scale.FIT, autoCenter: Phaser.Scale.CENTER_BOTH },
  // No MSAA: in software-rendered WebGL (headless chromium, some VMs) it costs
  // two thirds of the frame rate; textures keep linear filtering.
  render: { antialiasGL: false },
  // A container for DOM drawn over the canvas and scaled with it: the chat panel's text fields.
  dom: { createContainer: true },
  scene: [Boot, Preloader, Title, DevOverlay],
};

export interface StartOptions {
  /** Server address (http or https); the page's own origin in production. */
  endpoint: string;
  /** Link conditioner settings to start with (from the page's query string). */
  link?: Partial<LinkSettings>;
  /** What draws other entities: our jitter buffer (default) or the SDK's lerp and clock, for comparison (`?remotes=sdk`). */
  remotes?: RemoteDrawing;
}

export interface StartedGame {
  game: Phaser.Game;
  session: GameSession;
  debug: DebugHook;
}

/** The room types the server offers, and their client modules. */
async function offeredModules(endpoint: string): Promise<{ info: RoomTypeInfo[]; modules: RoomClientModule[] }> {
  const response = await fetch(new URL(ROOM_TYPES_PATH, endpoint));
  if (!response.ok) throw new Error(`The server did not list its room types (${response.status}).`);
  const offered = await response.json() as RoomTypeInfo[];
  // A type this bundle has no client module for (a server newer than the page) is left off the title screen.
  const loaded = await Promise.allSettled(offered.map((type) => loadClientModule(type.name)));
  const info: RoomTypeInfo[] = [];
  const modules: RoomClientModule[] = [];
  loaded.forEach((result, i) => {
    if (result.status === "fulfilled") { info.push(offered[i]); modules.push(result.value); }
    else console.warn(`Tickforge: no client for the room type "${offered[i].name}": ${(result.reason as Error).message}`);
  });
  return { info, modules };
}

export function StartGame(parent: string | HTMLElement, options: StartOptions): StartedGame {
  const byName = new Map<string, RoomClientModule>();
  const session = new GameSession(options.endpoint, new LinkConditioner(options.link), (type) => byName.get(type)?.State);
  session.remotes = options.remotes ?? "buffer";
  const debug = new DebugHook(session);
  const game = new Phaser.Game({ ...config, parent });
  const offered = offeredModules(options.endpoint);
  const modules = offered.then(({ info, modules }) => {
    for (const module of modules) {
      byName.set(module.name, module);
      for (const scene of module.scenes) game.scene.add("", scene, false);
    }
    debug.roomTypes = info;
    return modules;
  });
  modules.catch((error: Error) => console.error(`Tickforge: ${error.message}`));

  // Each room the player is in goes to its type's module first, then its play scene starts.
  let detach: (() => void) | undefined;
  session.on("room", (room, roomType) => {
    detach?.();
    detach = byName.get(roomType)?.attach?.({ session, room, game, debug });
  });
  session.on("state", (state) => {
    if (state === "idle" || state === "expired" || state === "kicked" || state === "failed") { detach?.(); detach = undefined; }
  });

  // Chat is over every scene, title screen included, rather than a game on it (rooms/chat/client/).
  game.events.once(Phaser.Core.Events.READY, () => { debug.chat = mountChat(game, session).chat; });
  // Messages the link conditioner has let through reach the rooms before the frame that draws them.
  game.events.on(Phaser.Core.Events.PRE_STEP, () => session.link.deliverDue());

  game.registry.set("session", session);
  game.registry.set("debug", debug);
  game.registry.set("modules", modules);
  return { game, session, debug };
}

/**
 * The game's one config object and its factory. Scenes in order: Boot →
 * Preloader → Title → Game, with Hud, Scoreboard and DevOverlay drawn over
 * the Game when needed.
 */
import * as Phaser from "phaser";
import { LinkConditioner, type LinkSettings } from "../net/link.ts";
import type { RemoteDrawing } from "../net/prediction.ts";
import { ArenaSession } from "../net/session.ts";
import { DebugHook } from "./debug.ts";
import { HEIGHT, WIDTH } from "./layout.ts";
import { Boot } from "./scenes/Boot.ts";
import { DevOverlay } from "./scenes/DevOverlay.ts";
import { Game } from "./scenes/Game.ts";
import { Hud } from "./scenes/Hud.ts";
import { Preloader } from "./scenes/Preloader.ts";
import { Scoreboard } from "./scenes/Scoreboard.ts";
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
  scene: [Boot, Preloader, Title, Game, Hud, Scoreboard, DevOverlay],
};

export interface StartOptions {
  /** Server address (http or https); the page's own origin in production. */
  endpoint: string;
  /** Link conditioner settings to start with (from the page's query string). */
  link?: Partial<LinkSettings>;
  /** What draws other players: our jitter buffer (default) or the SDK's lerp and clock, for comparison (`?remotes=sdk`). */
  remotes?: RemoteDrawing;
}

export interface StartedGame {
  game: Phaser.Game;
  session: ArenaSession;
  debug: DebugHook;
}

export function StartGame(parent: string | HTMLElement, options: StartOptions): StartedGame {
  const session = new ArenaSession(options.endpoint, new LinkConditioner(options.link));
  session.remotes = options.remotes ?? "buffer";
  const debug = new DebugHook(session);
  const game = new Phaser.Game({ ...config, parent });
  game.registry.set("session", session);
  game.registry.set("debug", debug);
  return { game, session, debug };
}

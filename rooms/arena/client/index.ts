/** The arena's client module: its scenes, textures and per-room play, for the Phaser client (game-client/). */
import { defineClientModule } from "../../../game-client/src/kit.ts";
import { ArenaState } from "../state.ts";
import { ArenaGame } from "./ArenaGame.ts";
import { ArenaHud } from "./ArenaHud.ts";
import { ArenaScoreboard } from "./ArenaScoreboard.ts";
import { ARENA_KEY, ArenaPlay } from "./play.ts";
import { makeArenaTextures } from "./textures.ts";

export default defineClientModule({
  name: "arena",
  State: ArenaState,
  scenes: [ArenaGame, ArenaHud, ArenaScoreboard],
  playScene: "ArenaGame",
  makeTextures: makeArenaTextures,
  createOptions: { mode: "ffa" },
  controls: "WASD / arrows move  ·  mouse aims  ·  click or space fires  ·  F3 network  ·  Esc leaves",
  describe: (room) => `${String(room.metadata.mode ?? "ffa").toUpperCase()}  ${room.clients}/${room.maxClients} players`,
  attach({ session, room, game, debug }) {
    const play = new ArenaPlay(session, room, debug);
    game.registry.set(ARENA_KEY, play);
    return () => {
      play.dispose();
      if (game.registry.get(ARENA_KEY) === play) game.registry.remove(ARENA_KEY);
    };
  },
});

/** The cards table's client module: its scene and per-room play, for the Phaser client (game-client/). */
import { defineClientModule } from "../../../game-client/src/kit.ts";
import { CardsState } from "../state.ts";
import { CardsTable } from "./CardsTable.ts";
import { CARDS_KEY, CardsPlay } from "./play.ts";

export default defineClientModule({
  name: "cards",
  State: CardsState,
  scenes: [CardsTable],
  playScene: "CardsTable",
  watchOptions: { spectate: true },
  controls: "Click a card to play it (greyed ones do not fit)  ·  click the pile or D draws  ·  P passes  ·  Esc leaves",
  describe: (room) => `${room.clients} at the table`,
  attach({ session, room, game, debug }) {
    const play = new CardsPlay(session, room, debug);
    game.registry.set(CARDS_KEY, play);
    return () => {
      play.dispose();
      if (game.registry.get(CARDS_KEY) === play) game.registry.remove(CARDS_KEY);
    };
  },
});

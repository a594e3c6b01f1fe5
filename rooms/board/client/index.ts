/** The board's client module: a collaborative whiteboard, drawn in DOM over the game's canvas (see ../README.md). */
import { defineClientModule } from "../../../game-client/src/kit.ts";
import { BoardState } from "../state.ts";
import { BoardScene } from "./BoardScene.ts";
import { boardFromLink, boardLink, newBoardId } from "./link.ts";
import { BOARD_KEY, BoardPlay } from "./play.ts";

/** The board PLAY opens: the one the page's link names, else a new one. Read once per join. */
let joining: { board: string; invite?: string } | undefined;

export default defineClientModule({
  name: "board",
  State: BoardState,
  scenes: [BoardScene],
  playScene: "BoardScene",
  get createOptions() {
    joining = boardFromLink(location.href) ?? { board: newBoardId() };
    return { ...joining };
  },
  linked: () => boardFromLink(location.href) !== undefined,
  controls: "A shared whiteboard: PLAY opens a new board (or the one your link names); Share hands out its link",
  describe: (room) => `${room.clients} on the board`,
  attach({ session, room, game, debug }) {
    const link = joining ?? boardFromLink(location.href) ?? { board: String(room.state?.board ?? "") };
    const play = new BoardPlay(session, room, link, debug);
    game.registry.set(BOARD_KEY, play);
    // The address bar names this board, so a reload or a copied URL comes back to it.
    const showBoard = () => {
      if (play.boardId) history.replaceState(null, "", boardLink(location.href, play.boardId, play.invite));
    };
    showBoard();
    const off = play.on("change", () => { if (!location.search.includes(play.boardId)) showBoard(); });
    return () => {
      off();
      play.dispose();
      if (game.registry.get(BOARD_KEY) === play) game.registry.remove(BOARD_KEY);
    };
  },
});

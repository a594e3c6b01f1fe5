/**
 * The board's play scene. The whiteboard itself is DOM (./view.ts) laid
 * over the game's canvas; the scene opens it when the player is in a board
 * room, closes it when they leave, and goes back to the title screen when
 * the session ends (expired, kicked, left).
 */
import * as Phaser from "phaser";
import { debugOf, sessionOf, type ConnectionState } from "../../../game-client/src/kit.ts";
import { withoutBoard } from "./link.ts";
import { boardOf } from "./play.ts";
import { BoardView } from "./view.ts";

const LEAVING: ConnectionState[] = ["expired", "kicked", "failed", "idle"];

export class BoardScene extends Phaser.Scene {
  constructor() {
    super("BoardScene");
  }

  create(): void {
    const session = sessionOf(this);
    const debug = debugOf(this);
    const play = boardOf(this);
    if (!play) {
      this.scene.start("Title", { notice: session.message });
      return;
    }
    debug.scene = "Game";
    // Keys belong to the board's DOM (typing, shortcuts); the game's keyboard would swallow some.
    if (this.input.keyboard) this.input.keyboard.enabled = false;
    this.input.keyboard?.clearCaptures();
    const view = new BoardView(play, {
      onLeave: () => {
        history.replaceState(null, "", withoutBoard(location.href));
        void session.leave();
      },
    });
    view.mount();
    const surface = debug.room;
    if (surface?.play === play) Object.assign(surface, { view });
    const offs = [
      session.on("state", (state, message) => {
        if (LEAVING.includes(state)) this.scene.start("Title", { notice: message });
      }),
      session.on("room", () => this.scene.restart()),
    ];
    this.events.once("shutdown", () => {
      for (const off of offs) off();
      view.destroy();
      if (this.input.keyboard) this.input.keyboard.enabled = true;
    });
  }
}

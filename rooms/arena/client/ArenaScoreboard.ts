/** Scoreboard: between rounds, the standings and the countdown to the next round. */
import * as Phaser from "phaser";
import type { Player } from "../state.ts";
import { CENTER_X, CENTER_Y, COLORS, css, FONT, formatClock, HEIGHT, panel, playerColor, textStyle, WIDTH } from "../../../game-client/src/kit.ts";
import { arenaOf, type ArenaPlay } from "./play.ts";
import { NAME_COLUMN, standingsRow } from "./standings.ts";

const ROWS = 16;

export class ArenaScoreboard extends Phaser.Scene {
  #arena: ArenaPlay | undefined;
  #rows: Phaser.GameObjects.Text[] = [];
  #countdown!: Phaser.GameObjects.Text;

  constructor() {
    super("ArenaScoreboard");
  }

  create(): void {
    this.#arena = arenaOf(this);
    const width = Math.min(640, WIDTH * 0.6);
    const height = HEIGHT * 0.8;
    const left = CENTER_X - width / 2;
    const top = CENTER_Y - height / 2;
    this.add.rectangle(CENTER_X, CENTER_Y, WIDTH, HEIGHT, 0x000000, 0.45);
    panel(this, left, top, width, height, 0.94);
    const round = this.#arena?.room.state.round ?? 1;
    this.add.text(CENTER_X, top + 36, `ROUND ${round} OVER`, { ...textStyle(FONT.title, COLORS.accent), padding: { x: 20, y: 20 } }).setOrigin(0.5)
      .setShadow(0, 0, css(COLORS.accent), 16, true, true);
    this.add.text(left + 40, top + 80, `#   ${"PLAYER".padEnd(NAME_COLUMN)}  KILLS  DEATHS`, textStyle(FONT.small, COLORS.dim, true));
    const rowH = (height - 170) / ROWS;
    this.#rows = [];
    for (let i = 0; i < ROWS; i++) {
      this.#rows.push(this.add.text(left + 40, top + 110 + i * rowH, "", textStyle(FONT.small, COLORS.text, true)));
    }
    this.#countdown = this.add.text(CENTER_X, top + height - 34, "", textStyle(FONT.body, COLORS.dim)).setOrigin(0.5);
  }

  update(): void {
    const room = this.#arena?.room;
    if (!room) return;
    const standings: [string, Player][] = [];
    room.state.players.forEach((p: Player, id: string) => standings.push([id, p]));
    standings.sort(([, a], [, b]) => b.kills - a.kills || a.deaths - b.deaths || a.name.localeCompare(b.name));
    this.#rows.forEach((row, i) => {
      const entry = standings[i];
      if (!entry) return row.setText("");
      const [id, p] = entry;
      row.setText(standingsRow(i + 1, p.name, id === room.sessionId, p.kills, p.deaths));
      row.setColor(css(playerColor(p.color)));
    });
    this.#countdown.setText(`Next round in ${formatClock(room.state.phaseEndsAt - room.clock.serverNow())}`);
  }
}

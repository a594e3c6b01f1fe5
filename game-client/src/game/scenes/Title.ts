/**
 * Title: the name, the Play button and the live list of open arenas (from
 * the server's lobby room). After a reload it first tries to resume the seat
 * kept for this tab; when that seat has expired it says so here.
 */
import * as Phaser from "phaser";
import { debugOf, sessionOf } from "../context.ts";
import { CENTER_X, FONT, HEIGHT, PAD, WIDTH } from "../layout.ts";
import { COLORS, css, TEX } from "../style.ts";
import { button, panel, textStyle, type Button } from "../ui.ts";
import type { ArenaListing } from "../../net/lobby.ts";
import { MAX_NAME_LENGTH, type ArenaSession } from "../../net/session.ts";

const LIST_ROWS = 5;

export class Title extends Phaser.Scene {
  #session!: ArenaSession;
  #name = "";
  #nameText!: Phaser.GameObjects.Text;
  #notice!: Phaser.GameObjects.Text;
  #play!: Button;
  #rows: { label: Phaser.GameObjects.Text; join: Button }[] = [];
  #empty!: Phaser.GameObjects.Text;
  #busy = false;
  #caretOn = true;

  constructor() {
    super("Title");
  }

  create(data: { notice?: string } = {}): void {
    this.#session = sessionOf(this);
    debugOf(this).scene = "Title";
    debugOf(this).players = [];
    this.#busy = false;
    this.#rows = [];
    this.#name = this.#session.name;
    this.cameras.main.setBackgroundColor(COLORS.background);
    this.#backdrop();

    const logoY = HEIGHT * 0.16;
    // Padding leaves room for the glow, which would otherwise be clipped into a visible box.
    this.add.text(CENTER_X, logoY, "TICKFORGE", { ...textStyle(FONT.huge, COLORS.accent), padding: { x: 32, y: 32 } }).setOrigin(0.5)
      .setShadow(0, 0, css(COLORS.accent), 24, true, true);
    this.add.text(CENTER_X, logoY + FONT.huge * 0.8, "A R E N A", { ...textStyle(FONT.title, COLORS.accentHot), padding: { x: 24, y: 24 } }).setOrigin(0.5)
      .setShadow(0, 0, css(COLORS.accentHot), 16, true, true);

    // Name field: typed straight into the canvas, no DOM input.
    const fieldY = HEIGHT * 0.42;
    this.add.text(CENTER_X, fieldY - FONT.body * 1.6, "YOUR NAME", textStyle(FONT.small, COLORS.dim)).setOrigin(0.5);
    panel(this, CENTER_X - 180, fieldY - 24, 360, 48, 0.9);
    this.#nameText = this.add.text(CENTER_X, fieldY, "", textStyle(FONT.body, COLORS.text)).setOrigin(0.5);
    this.time.addEvent({ delay: 500, loop: true, callback: () => { this.#caretOn = !this.#caretOn; this.#drawName(); } });
    this.#drawName();

    this.#play = button(this, CENTER_X, fieldY + 78, "PLAY", () => void this.#join(), { width: 260, height: 58, size: FONT.title });
    this.#notice = this.add.text(CENTER_X, fieldY + 130, data.notice ?? "", textStyle(FONT.body, COLORS.warn)).setOrigin(0.5);
    if (data.notice) this.#play.setLabel("PLAY AGAIN");

    this.#roomList(fieldY + 170);
    this.add.text(CENTER_X, HEIGHT - PAD * 1.5,
      "WASD / arrows move  ·  mouse aims  ·  click or space fires  ·  F3 network  ·  Esc leaves",
      textStyle(FONT.small, COLORS.dim)).setOrigin(0.5);

    this.input.keyboard!.on("keydown", this.#onKey, this);
    const offLobby = this.#session.lobby.on("change", (rooms) => this.#showRooms(rooms));
    const offAnnounce = this.#session.lobby.on("announcement", (a) => this.#notice.setText(a.text).setColor(css(COLORS.accent)));
    this.events.once("shutdown", () => {
      offLobby();
      offAnnounce();
      this.input.keyboard?.off("keydown", this.#onKey, this);
      this.#session.lobby.stop();
    });
    this.#showRooms(this.#session.lobby.rooms);
    void this.#session.lobby.start();

    if (this.#session.hasStoredSeat()) void this.#resume();
  }

  #backdrop(): void {
    const g = this.add.graphics();
    g.lineStyle(1, COLORS.grid, 0.7);
    for (let x = 0; x <= WIDTH; x += 40) g.lineBetween(x, 0, x, HEIGHT);
    for (let y = 0; y <= HEIGHT; y += 40) g.lineBetween(0, y, WIDTH, y);
    // A few drifting sparks give the menu some life.
    this.add.particles(0, 0, TEX.spark, {
      x: { min: 0, max: WIDTH }, y: HEIGHT + 10, speedY: { min: -40, max: -90 }, lifespan: 9000,
      scale: { start: 0.7, end: 0 }, alpha: { start: 0.6, end: 0 }, frequency: 220, blendMode: "ADD",
      tint: [COLORS.accent, COLORS.accentHot, COLORS.good],
    });
  }

  #roomList(top: number): void {
    const width = Math.min(560, WIDTH - PAD * 4);
    const left = CENTER_X - width / 2;
    const rowH = 36;
    panel(this, left, top, width, 46 + LIST_ROWS * rowH, 0.75);
    this.add.text(left + 18, top + 12, "OPEN ARENAS", textStyle(FONT.small, COLORS.dim));
    this.#empty = this.add.text(CENTER_X, top + 46 + rowH, "No open arenas yet: PLAY starts one.", textStyle(FONT.small, COLORS.dim)).setOrigin(0.5);
    for (let i = 0; i < LIST_ROWS; i++) {
      const y = top + 46 + i * rowH + rowH / 2;
      const label = this.add.text(left + 18, y, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(0, 0.5);
      const join = button(this, left + width - 70, y, "JOIN", () => void this.#join(this.#rowRoom[i]), { width: 100, height: 30, size: FONT.small });
      this.#rows.push({ label, join });
    }
  }

  #rowRoom: (string | undefined)[] = [];

  #showRooms(rooms: ArenaListing[]): void {
    if (!this.#empty?.active) return;
    this.#empty.setVisible(rooms.length === 0);
    this.#rowRoom = [];
    this.#rows.forEach((row, i) => {
      const room = rooms[i];
      this.#rowRoom[i] = room?.roomId;
      row.label.setText(room ? `${room.roomId}  ${room.mode.toUpperCase()}  ${room.clients}/${room.maxClients} players` : "");
      row.join.container.setVisible(Boolean(room));
    });
  }

  #onKey(event: KeyboardEvent): void {
    if (this.#busy) return;
    if (event.key === "Enter") {
      void this.#join();
    } else if (event.key === "Backspace") {
      this.#name = this.#name.slice(0, -1);
    } else if (event.key.length === 1 && this.#name.length < MAX_NAME_LENGTH && /[\p{L}\p{N} _.-]/u.test(event.key)) {
      this.#name += event.key;
    }
    this.#drawName();
  }

  #drawName(): void {
    if (!this.#nameText?.active) return;
    const caret = !this.#busy && this.#caretOn ? "▌" : " ";
    this.#nameText.setText(this.#name ? `${this.#name}${caret}` : `type a name${caret}`);
    this.#nameText.setColor(css(this.#name ? COLORS.text : COLORS.dim));
  }

  async #join(roomId?: string): Promise<void> {
    if (this.#busy) return;
    this.#setBusy(true, "Joining…");
    try {
      await this.#session.play(this.#name, roomId);
      this.scene.start("Game");
    } catch (error) {
      this.#setBusy(false, `Could not join: ${(error as Error).message}`);
    }
  }

  async #resume(): Promise<void> {
    this.#setBusy(true, "Resuming your seat…");
    if (await this.#session.resume()) {
      this.scene.start("Game");
    } else {
      this.#setBusy(false, this.#session.message);
      this.#play.setLabel("PLAY AGAIN");
    }
  }

  #setBusy(busy: boolean, notice: string): void {
    this.#busy = busy;
    this.#play.setEnabled(!busy);
    if (this.#notice.active) this.#notice.setText(notice).setColor(css(COLORS.warn));
    this.#drawName();
  }
}

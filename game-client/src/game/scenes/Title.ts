/**
 * Title: the name, the room types the server offers (Tab or a click picks
 * one), PLAY, and the live list of open rooms of every type (from the
 * server's lobby room, which also brings the operator's announcements).
 * After a reload it first tries to resume the seat kept for this tab; when
 * that seat has expired it says so here.
 */
import * as Phaser from "phaser";
import { MAX_NAME_LENGTH } from "../../../../shared/protocol.ts";
import type { RoomListing } from "../../net/lobby.ts";
import type { GameSession } from "../../net/session.ts";
import type { RoomClientModule } from "../../room-module.ts";
import { debugOf, modulesOf, sessionOf } from "../context.ts";
import { CENTER_X, FONT, HEIGHT, PAD, WIDTH } from "../layout.ts";
import { COLORS, css, TEX } from "../style.ts";
import { button, panel, textStyle, type Button } from "../ui.ts";

const LIST_ROWS = 5;

export class Title extends Phaser.Scene {
  #session!: GameSession;
  #modules: RoomClientModule[] = [];
  #selected = 0;
  #name = "";
  #nameText!: Phaser.GameObjects.Text;
  #notice!: Phaser.GameObjects.Text;
  #controls!: Phaser.GameObjects.Text;
  #play!: Button;
  #tabs: Button[] = [];
  #rows: { label: Phaser.GameObjects.Text; join: Button; watch: Button }[] = [];
  #rowRoom: (RoomListing | undefined)[] = [];
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
    this.#tabs = [];
    this.#name = this.#session.name;
    this.cameras.main.setBackgroundColor(COLORS.background);
    this.#backdrop();

    const logoY = HEIGHT * 0.14;
    // Padding leaves room for the glow, which would otherwise be clipped into a visible box.
    this.add.text(CENTER_X, logoY, "TICKFORGE", { ...textStyle(FONT.huge, COLORS.accent), padding: { x: 32, y: 32 } }).setOrigin(0.5)
      .setShadow(0, 0, css(COLORS.accent), 24, true, true);

    // Name field: typed straight into the canvas, no DOM input.
    const fieldY = HEIGHT * 0.3;
    this.add.text(CENTER_X, fieldY - FONT.body * 1.6, "YOUR NAME", textStyle(FONT.small, COLORS.dim)).setOrigin(0.5);
    panel(this, CENTER_X - 180, fieldY - 24, 360, 48, 0.9);
    this.#nameText = this.add.text(CENTER_X, fieldY, "", textStyle(FONT.body, COLORS.text)).setOrigin(0.5);
    this.time.addEvent({ delay: 500, loop: true, callback: () => { this.#caretOn = !this.#caretOn; this.#drawName(); } });
    this.#drawName();

    const tabsY = fieldY + 66;
    const playY = tabsY + 70;
    this.#play = button(this, CENTER_X, playY, "PLAY", () => void this.#join(), { width: 260, height: 58, size: FONT.title });
    this.#play.setEnabled(false);
    this.#notice = this.add.text(CENTER_X, playY + 52, data.notice ?? "", textStyle(FONT.body, COLORS.warn)).setOrigin(0.5);
    if (data.notice) this.#play.setLabel("PLAY AGAIN");

    this.#roomList(playY + 84);
    this.#controls = this.add.text(CENTER_X, HEIGHT - PAD * 1.5, "", { ...textStyle(FONT.small, COLORS.dim), align: "center" }).setOrigin(0.5, 1);

    this.input.keyboard!.on("keydown", this.#onKey, this);
    const lobby = this.#session.lobby;
    const offLobby = lobby.on("change", (rooms) => this.#showRooms(rooms));
    const offAnnounce = lobby.on("announcement", (a) => {
      debugOf(this).banner = a.text;
      if (this.#notice.active) this.#notice.setText(a.text).setColor(css(COLORS.accent));
    });
    this.events.once("shutdown", () => {
      offLobby();
      offAnnounce();
      this.input.keyboard?.off("keydown", this.#onKey, this);
      lobby.stop();
    });
    void lobby.start();

    void modulesOf(this).then((modules) => {
      if (!this.#play.container.active) return;
      this.#modules = modules;
      this.#selected = Math.max(0, modules.findIndex((m) => m.name === this.#session.roomType));
      this.#typeTabs(tabsY);
      this.#select(this.#selected);
      this.#showRooms(lobby.rooms);
      const linked = modules.findIndex((m) => m.linked?.());
      if (this.#session.hasStoredSeat()) void this.#resume();
      else if (linked >= 0) this.#openLink(linked);
      else this.#play.setEnabled(!this.#busy);
    }, (error: Error) => this.#setBusy(true, `The server's room types are unavailable: ${error.message}`));
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

  /** One tab per room type the server offers; the selected one is what PLAY joins. */
  #typeTabs(y: number): void {
    const width = 180;
    const gap = 16;
    const total = this.#modules.length * width + (this.#modules.length - 1) * gap;
    this.#modules.forEach((module, i) => {
      const x = CENTER_X - total / 2 + width / 2 + i * (width + gap);
      const title = debugOf(this).roomTypes.find((t) => t.name === module.name)?.title ?? module.name;
      this.#tabs.push(button(this, x, y, title.toUpperCase(), () => this.#select(i), { width, height: 40, size: FONT.body }));
    });
  }

  #select(index: number): void {
    if (this.#modules.length === 0) return;
    this.#selected = (index + this.#modules.length) % this.#modules.length;
    this.#tabs.forEach((tab, i) => tab.container.setAlpha(i === this.#selected ? 1 : 0.45));
    const module = this.#modules[this.#selected];
    debugOf(this).selectedRoomType = module.name;
    const summary = debugOf(this).roomTypes.find((t) => t.name === module.name)?.summary;
    this.#controls.setText(summary ? `${summary}\n${module.controls}` : module.controls);
  }

  #roomList(top: number): void {
    const width = Math.min(640, WIDTH - PAD * 4);
    const left = CENTER_X - width / 2;
    const rowH = 34;
    panel(this, left, top, width, 46 + LIST_ROWS * rowH, 0.75);
    this.add.text(left + 18, top + 12, "OPEN ROOMS", textStyle(FONT.small, COLORS.dim));
    this.#empty = this.add.text(CENTER_X, top + 46 + rowH, "No open rooms yet: PLAY starts one.", textStyle(FONT.small, COLORS.dim)).setOrigin(0.5);
    for (let i = 0; i < LIST_ROWS; i++) {
      const y = top + 46 + i * rowH + rowH / 2;
      const label = this.add.text(left + 18, y, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(0, 0.5);
      const join = button(this, left + width - 70, y, "JOIN", () => void this.#join(this.#rowRoom[i]), { width: 100, height: 28, size: FONT.small });
      const watch = button(this, left + width - 180, y, "WATCH", () => void this.#join(this.#rowRoom[i], true), { width: 100, height: 28, size: FONT.small });
      this.#rows.push({ label, join, watch });
    }
  }

  #showRooms(all: RoomListing[]): void {
    if (!this.#empty?.active) return;
    const known = new Map(this.#modules.map((m) => [m.name, m]));
    // A type reached by its link (a board) needs that link's options to join, so its rooms are not offered here.
    const rooms = all.filter((r) => known.has(r.roomType) && !known.get(r.roomType)!.linked);
    this.#empty.setVisible(rooms.length === 0);
    this.#rowRoom = [];
    const buttons: { roomId: string; join: { x: number; y: number }; watch?: { x: number; y: number } }[] = [];
    this.#rows.forEach((row, i) => {
      const room = rooms[i];
      this.#rowRoom[i] = room;
      const module = room && known.get(room.roomType)!;
      const about = room && (module?.describe?.(room) ?? `${room.clients}/${room.maxClients} players`);
      row.label.setText(room ? `${room.roomType.toUpperCase().padEnd(7)} ${room.roomId}  ${about}` : "");
      row.join.container.setVisible(Boolean(room));
      row.watch.container.setVisible(Boolean(room && module?.watchOptions));
      if (room) {
        const at = (b: Button) => ({ x: b.container.x, y: b.container.y });
        buttons.push({ roomId: room.roomId, join: at(row.join), ...(module?.watchOptions ? { watch: at(row.watch) } : {}) });
      }
    });
    debugOf(this).roomButtons = buttons;
  }

  #onKey(event: KeyboardEvent): void {
    if (this.#busy) return;
    if (event.key === "Enter") {
      void this.#join();
    } else if (event.key === "Tab") {
      event.preventDefault();
      this.#select(this.#selected + (event.shiftKey ? -1 : 1));
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

  /** Join a listed room (to play, or to watch), or (no listing) any room of the selected type. */
  async #join(listing?: RoomListing, watch = false): Promise<void> {
    const module = listing ? this.#modules.find((m) => m.name === listing.roomType) : this.#modules[this.#selected];
    if (this.#busy || !module) return;
    this.#setBusy(true, watch ? "Joining as a spectator…" : "Joining…");
    try {
      const joinOptions = watch ? module.watchOptions : undefined;
      await this.#session.play(module.name, this.#name, { roomId: listing?.roomId, createOptions: module.createOptions, joinOptions });
      this.scene.start(module.playScene);
    } catch (error) {
      this.#setBusy(false, `Could not join: ${(error as Error).message}`);
    }
  }

  /** The page's address names a room of this type: open it now if the player has a name, else once they type one. */
  #openLink(index: number): void {
    this.#select(index);
    this.#play.setEnabled(true);
    this.#play.setLabel("OPEN");
    if (this.#name) void this.#join();
    else this.#notice.setText("Type your name and press Enter to open the shared link.").setColor(css(COLORS.accent));
  }

  async #resume(): Promise<void> {
    this.#setBusy(true, "Resuming your seat…");
    if (await this.#session.resume()) {
      const module = this.#modules.find((m) => m.name === this.#session.roomType);
      if (module) { this.scene.start(module.playScene); return; }
    }
    this.#setBusy(false, this.#session.message);
    this.#play.setLabel("PLAY AGAIN");
  }

  #setBusy(busy: boolean, notice: string): void {
    this.#busy = busy;
    this.#play.setEnabled(!busy && this.#modules.length > 0);
    if (this.#notice.active) this.#notice.setText(notice).setColor(css(COLORS.warn));
    this.#drawName();
  }
}

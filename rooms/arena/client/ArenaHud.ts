/**
 * Hud: drawn over the arena at screen scale. Ping, players in the room and
 * connection state on the left; round and clock on the right; the own
 * player's health and score at the bottom; a kill feed; banners for
 * announcements, server notices and connection trouble. F3 (or `) opens the
 * network overlay.
 */
import * as Phaser from "phaser";
import { MAX_HEALTH, MAX_PLAYERS, RESPAWN_SECONDS } from "../constants.ts";
import {
  CENTER_X, CENTER_Y, COLORS, css, debugOf, FONT, formatClock, HUD_BAR, PAD, playerColor, sessionOf, textStyle, WIDTH,
  type ConnectionState, type GameSession,
} from "../../../game-client/src/kit.ts";
import { arenaOf, type ArenaPlay } from "./play.ts";

const STATE_LABEL: Record<ConnectionState, [string, number]> = {
  idle: ["Offline", COLORS.dim],
  joining: ["Joining", COLORS.warn],
  connected: ["Connected", COLORS.good],
  reconnecting: ["Reconnecting", COLORS.warn],
  resuming: ["Resuming", COLORS.warn],
  restarting: ["Server restarting", COLORS.warn],
  expired: ["Session expired", COLORS.bad],
  kicked: ["Removed", COLORS.bad],
  failed: ["Disconnected", COLORS.bad],
};

const FEED_LINES = 5;
const FEED_SECONDS = 6;

export class ArenaHud extends Phaser.Scene {
  #session!: GameSession;
  #arena: ArenaPlay | undefined;
  #status!: Phaser.GameObjects.Text;
  #dot!: Phaser.GameObjects.Arc;
  #round!: Phaser.GameObjects.Text;
  #score!: Phaser.GameObjects.Text;
  #health!: Phaser.GameObjects.Graphics;
  #banner!: Phaser.GameObjects.Text;
  #center!: Phaser.GameObjects.Text;
  #feed!: Phaser.GameObjects.Text;
  #feedLines: { text: string; until: number }[] = [];
  #bannerUntil = 0;
  #respawnAt = 0;
  #shownHealth = -1;
  #offs: (() => void)[] = [];

  constructor() {
    super("ArenaHud");
  }

  create(): void {
    this.#session = sessionOf(this);
    this.#arena = arenaOf(this);
    this.#feedLines = [];
    const mid = HUD_BAR / 2;
    const bar = this.add.graphics();
    bar.fillStyle(COLORS.panel, 0.96).fillRect(0, 0, WIDTH, HUD_BAR);
    bar.lineStyle(2, COLORS.accent, 0.5).lineBetween(0, HUD_BAR - 1, WIDTH, HUD_BAR - 1);
    this.#dot = this.add.circle(PAD + 6, mid, 6, COLORS.good);
    this.#status = this.add.text(PAD + 20, mid, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(0, 0.5);
    this.#score = this.add.text(CENTER_X - 20, mid, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(1, 0.5);
    this.#health = this.add.graphics();
    this.#round = this.add.text(WIDTH - PAD, mid, "", textStyle(FONT.small, COLORS.text, true)).setOrigin(1, 0.5);

    this.#feed = this.add.text(WIDTH - PAD, HUD_BAR + 10, "", { ...textStyle(FONT.small, COLORS.text), align: "right" }).setOrigin(1, 0);
    this.#banner = this.add.text(CENTER_X, HUD_BAR + 16, "", {
      ...textStyle(FONT.body, COLORS.text), backgroundColor: css(COLORS.panel), padding: { x: 16, y: 8 }, align: "center",
      wordWrap: { width: WIDTH * 0.6 },
    }).setOrigin(0.5, 0).setVisible(false);
    this.#center = this.add.text(CENTER_X, CENTER_Y, "", {
      ...textStyle(FONT.title, COLORS.text), align: "center", stroke: "#000000", strokeThickness: 6,
    }).setOrigin(0.5);

    const toggle = () => {
      if (this.scene.isActive("DevOverlay")) this.scene.stop("DevOverlay");
      else this.scene.launch("DevOverlay");
    };
    this.input.keyboard!.on("keydown-F3", (e: KeyboardEvent) => { e.preventDefault(); toggle(); });
    this.input.keyboard!.on("keydown-BACKTICK", toggle);

    const session = this.#session;
    this.#offs = [
      session.on("announcement", (a) => this.#showBanner(a.text, COLORS.accent, 8000)),
      session.on("shutdown", (s) => this.#showBanner(`Server restarting: ${s.reason}`, COLORS.warn, Math.max(3000, s.disconnectInMs))),
      session.on("notice", (text) => this.#showBanner(text, COLORS.bad, 3000)),
      ...(this.#arena ? [this.#arena.on("killed", (k) => this.#onKilled(k.victim, k.by))] : []),
    ];
    this.events.once("shutdown", () => { for (const off of this.#offs) off(); });
  }

  update(time: number): void {
    const session = this.#session;
    const room = this.#arena?.room;
    const [label, color] = STATE_LABEL[session.state];
    const players = room ? room.state.players.size : 0;
    const ping = session.state === "connected" ? `${Math.round(session.pingMs)} ms` : "-";
    this.#status.setText(`${label}  ·  ping ${ping}`);
    this.#dot.setFillStyle(color);

    const self = this.#arena?.self;
    if (room) {
      const left = room.state.phaseEndsAt - room.clock.serverNow();
      const clock = room.state.phase === "playing" ? `ROUND ${room.state.round}  ${formatClock(left)}` : `NEXT ROUND ${formatClock(left)}`;
      this.#round.setText(`${players}/${room.state.mode === "duel" ? 2 : MAX_PLAYERS} players  ·  ${clock}`);
    }
    if (self) {
      this.#score.setText(`${self.name || "You"}   ${self.kills} K  ·  ${self.deaths} D`);
      this.#keepClearOf(this.#score, this.#status);
      if (self.health !== this.#shownHealth) {
        this.#shownHealth = self.health;
        const g = this.#health;
        const x = CENTER_X, y = HUD_BAR / 2 - 5, full = WIDTH * 0.16;
        g.clear();
        g.fillStyle(0x000000, 0.6).fillRoundedRect(x, y, full, 10, 4);
        g.fillStyle(playerColor(self.color), 1).fillRoundedRect(x, y, full * Math.max(0, self.health / MAX_HEALTH), 10, 4);
      }
    }

    // The big centre line: connection trouble first, then the respawn countdown.
    let center = "";
    if (session.state === "reconnecting" || session.state === "restarting" || session.state === "resuming") {
      center = session.message;
    } else if (self && !self.alive) {
      const left = Math.max(0, Math.ceil((this.#respawnAt - time) / 1000));
      center = left > 0 ? `Eliminated: back in ${left}` : "Respawning…";
    }
    this.#center.setText(center);

    const now = time;
    this.#feedLines = this.#feedLines.filter((l) => l.until > now);
    this.#feed.setText(this.#feedLines.map((l) => l.text).join("\n"));
    if (this.#banner.visible && now > this.#bannerUntil) this.#banner.setVisible(false);
  }

  #onKilled(victim: string, by: string): void {
    const players = this.#arena?.room.state.players;
    const name = (id: string) => players?.get(id)?.name || "someone";
    this.#feedLines.push({ text: `${name(by)}  ›  ${name(victim)}`, until: this.time.now + FEED_SECONDS * 1000 });
    if (this.#feedLines.length > FEED_LINES) this.#feedLines.shift();
    if (victim === this.#arena?.sessionId) this.#respawnAt = this.time.now + RESPAWN_SECONDS * 1000;
  }

  /**
   * The score ends where the health bar starts; if a long name would carry
   * it into the connection status on its left, the name gives way (never
   * the status), and the debug hook records both boxes for the specs.
   */
  #keepClearOf(score: Phaser.GameObjects.Text, status: Phaser.GameObjects.Text): void {
    const statusRight = status.x + status.width + PAD;
    let text = score.text;
    while (score.x - score.width < statusRight && text.includes("   ")) {
      const [name, rest] = [text.slice(0, text.indexOf("   ")), text.slice(text.indexOf("   "))];
      if (name.length <= 1) break;
      text = `${name.slice(0, -2)}…${rest}`;
      score.setText(text);
    }
    const box = (t: Phaser.GameObjects.Text) => ({ left: t.x - t.width * t.originX, right: t.x + t.width * (1 - t.originX) });
    debugOf(this).hud = { status: box(status), score: box(score), round: box(this.#round) };
  }

  #showBanner(text: string, color: number, ms: number): void {
    debugOf(this).banner = text;
    this.#banner.setText(text).setColor(css(color)).setVisible(true);
    this.#bannerUntil = this.time.now + ms;
  }
}

/**
 * Game: the arena itself. Reads the keyboard and mouse into an intent,
 * lets the prediction send it (one input per fixed step), and draws
 * everyone where the prediction says: self predicted, others interpolated,
 * shots flown from their origin. The HUD and overlays run as scenes on top.
 */
import * as Phaser from "phaser";
import { ARENA_HEIGHT, ARENA_WIDTH, PROJECTILE_RADIUS, WALLS } from "../constants.ts";
import type { Player } from "../state.ts";
import type { Intent } from "./prediction.ts";
import {
  COLORS, debugOf, HEIGHT, HUD_BAR, playerColor, sessionOf, TEX, WIDTH,
  type ConnectionState, type DebugHook, type GameSession, type PlayerSnapshot,
} from "../../../game-client/src/kit.ts";
import { arenaOf, type ArenaPlay } from "./play.ts";
import { PlayerSprite } from "./PlayerSprite.ts";

/** World-to-screen scale that fits the whole arena below the HUD's bar. */
export const ARENA_ZOOM = Math.min(WIDTH / ARENA_WIDTH, (HEIGHT - HUD_BAR) / ARENA_HEIGHT);

type Keys = Record<"W" | "A" | "S" | "D" | "UP" | "DOWN" | "LEFT" | "RIGHT" | "SPACE", Phaser.Input.Keyboard.Key>;

/** States in which the game screen has nothing left to show. */
const LEAVING: ConnectionState[] = ["expired", "kicked", "failed", "idle"];

export class ArenaGame extends Phaser.Scene {
  #session!: GameSession;
  #arena: ArenaPlay | undefined;
  #debug!: DebugHook;
  #keys!: Keys;
  #sprites = new Map<string, PlayerSprite>();
  #health = new Map<string, number>();
  #alive = new Map<string, boolean>();
  #shots!: Phaser.GameObjects.Graphics;
  #sparks!: Phaser.GameObjects.Particles.ParticleEmitter;
  #aim = 0;
  /** Whoever moved last decides the aim: the mouse, or (keyboard-only players) the walking direction. */
  #mouseAims = false;
  #lastMove = "0,0";
  #offs: (() => void)[] = [];

  constructor() {
    super("ArenaGame");
  }

  create(): void {
    this.#session = sessionOf(this);
    this.#arena = arenaOf(this);
    this.#debug = debugOf(this);
    this.#debug.scene = "Game";
    this.#sprites = new Map();
    this.#health = new Map();
    this.#alive = new Map();

    const camera = this.cameras.main;
    camera.setBackgroundColor(COLORS.background);
    camera.setViewport(0, HUD_BAR, WIDTH, HEIGHT - HUD_BAR);
    camera.setZoom(ARENA_ZOOM);
    camera.centerOn(ARENA_WIDTH / 2, ARENA_HEIGHT / 2);

    this.#drawFloor();
    this.#drawWalls();
    this.#shots = this.add.graphics().setDepth(30).setBlendMode(Phaser.BlendModes.ADD);
    this.#sparks = this.add.particles(0, 0, TEX.spark, {
      speed: { min: 60, max: 320 }, lifespan: { min: 250, max: 650 }, scale: { start: 0.9, end: 0 },
      alpha: { start: 1, end: 0 }, blendMode: "ADD", emitting: false,
    }).setDepth(40);

    this.#keys = this.input.keyboard!.addKeys("W,A,S,D,UP,DOWN,LEFT,RIGHT,SPACE") as Keys;
    this.input.mouse?.disableContextMenu();
    this.#mouseAims = false;
    this.input.on("pointermove", () => { this.#mouseAims = true; });
    this.input.keyboard!.on("keydown-ESC", () => void this.#session.leave()); // back to the title, seat given up

    this.#offs = [
      this.#session.on("state", (state, message) => {
        if (LEAVING.includes(state)) this.scene.start("Title", { notice: message });
      }),
      this.#session.on("room", () => this.scene.restart()), // a new arena after a server restart
      ...(this.#arena ? [this.#arena.on("killed", ({ victim }) => this.#onKilled(victim))] : []),
    ];
    this.events.once("shutdown", () => {
      for (const off of this.#offs) off();
      for (const sprite of this.#sprites.values()) sprite.destroy();
      this.#sprites.clear();
      this.scene.stop("ArenaHud");
      this.scene.stop("ArenaScoreboard");
      this.scene.stop("DevOverlay");
    });

    this.scene.launch("ArenaHud");
    if (!this.#arena) this.scene.start("Title", { notice: this.#session.message });
  }

  update(time: number): void {
    const room = this.#arena?.room;
    if (!room) return;

    const prediction = this.#arena!.prediction;
    const intent = this.#readIntent();
    prediction?.frame(time, intent);

    const selfId = room.sessionId;
    const seen = new Set<string>();
    const snapshots: PlayerSnapshot[] = [];
    room.state.players.forEach((player: Player, id: string) => {
      seen.add(id);
      const isSelf = id === selfId;
      let sprite = this.#sprites.get(id);
      if (!sprite) {
        sprite = new PlayerSprite(this, player, isSelf);
        this.#sprites.set(id, sprite);
      }
      let x = player.x, y = player.y, aim = player.aim;
      if (prediction) {
        if (isSelf) {
          ({ x, y } = prediction.selfPosition());
          aim = this.#aim;
        } else {
          ({ x, y, aim } = prediction.remote(player));
        }
      }
      sprite.sync(player, x, y, aim);
      this.#effects(id, player, sprite, x, y);
      snapshots.push({ id, name: player.name, x: player.x, y: player.y, drawnX: x, drawnY: y, alive: player.alive });
    });
    for (const [id, sprite] of this.#sprites) {
      if (!seen.has(id)) {
        sprite.destroy();
        this.#sprites.delete(id);
      }
    }

    this.#drawShots();
    this.#phase(room.state.phase);

    const debug = this.#debug;
    debug.frame++;
    debug.fps = this.game.loop.actualFps;
    debug.players = snapshots;
    const self = snapshots.find((p) => p.id === selfId);
    if (self) {
      debug.record({
        frame: debug.frame, at: performance.now(), moveX: intent.moveX, moveY: intent.moveY,
        drawnX: self.drawnX, drawnY: self.drawnY, serverX: self.x, serverY: self.y,
      });
    }
  }

  #readIntent(): Intent {
    const k = this.#keys;
    const moveX = (k.D.isDown || k.RIGHT.isDown ? 1 : 0) - (k.A.isDown || k.LEFT.isDown ? 1 : 0);
    const moveY = (k.S.isDown || k.DOWN.isDown ? 1 : 0) - (k.W.isDown || k.UP.isDown ? 1 : 0);
    const pointer = this.input.activePointer;
    const self = this.#sprites.get(this.#arena?.sessionId ?? "");
    const move = `${moveX},${moveY}`;
    if (move !== this.#lastMove && (moveX !== 0 || moveY !== 0)) this.#mouseAims = false;
    this.#lastMove = move;
    if (self && this.#mouseAims) {
      const world = pointer.positionToCamera(this.cameras.main) as Phaser.Math.Vector2;
      this.#aim = Math.atan2(world.y - self.root.y, world.x - self.root.x);
    } else if (moveX !== 0 || moveY !== 0) {
      this.#aim = Math.atan2(moveY, moveX);
    }
    const fire = k.SPACE.isDown || (pointer.isDown && pointer.leftButtonDown());
    return { moveX, moveY, aim: this.#aim, fire };
  }

  /** Hit flashes, spawn rings: derived from state changes, so they need no extra messages. */
  #effects(id: string, player: Player, sprite: PlayerSprite, x: number, y: number): void {
    const lastHealth = this.#health.get(id);
    if (lastHealth !== undefined && player.health < lastHealth && player.alive) {
      sprite.flash(this);
      this.#burst(x, y, sprite.color, 8);
    }
    this.#health.set(id, player.health);
    const wasAlive = this.#alive.get(id);
    if (wasAlive === false && player.alive) this.#spawnRing(x, y, sprite.color);
    this.#alive.set(id, player.alive);
  }

  #onKilled(victim: string): void {
    const sprite = this.#sprites.get(victim);
    if (!sprite) return;
    this.#burst(sprite.root.x, sprite.root.y, sprite.color, 36);
    this.#spawnRing(sprite.root.x, sprite.root.y, sprite.color);
    if (victim === this.#arena?.sessionId) this.cameras.main.shake(220, 0.01);
  }

  #burst(x: number, y: number, color: number, count: number): void {
    this.#sparks.setParticleTint(color);
    this.#sparks.explode(count, x, y);
  }

  #spawnRing(x: number, y: number, color: number): void {
    const ring = this.add.image(x, y, TEX.ring).setTint(color).setBlendMode(Phaser.BlendModes.ADD).setDepth(25).setScale(0.3);
    this.tweens.add({ targets: ring, scale: 2.4, alpha: 0, duration: 600, ease: "Cubic.Out", onComplete: () => ring.destroy() });
  }

  #drawShots(): void {
    const g = this.#shots;
    g.clear();
    const prediction = this.#arena?.prediction;
    const room = this.#arena?.room;
    let drawn = 0;
    if (!prediction || !room) {
      this.#debug.shotsDrawn = 0;
      return;
    }
    for (const shot of prediction.projectiles()) {
      const owner = shot.own ? room.state.players.get(room.sessionId) : undefined;
      const color = shot.own ? (owner ? playerColor(owner.color) : COLORS.accent) : this.#shotColor(shot.id);
      const dx = Math.cos(shot.angle), dy = Math.sin(shot.angle);
      // A short tail behind the spark, clipped at the muzzle.
      for (let i = 4; i >= 1; i--) {
        const back = Math.min(i * 9, shot.age * 720);
        g.fillStyle(color, 0.09 * (5 - i)).fillCircle(shot.x - dx * back, shot.y - dy * back, PROJECTILE_RADIUS + 2 - i * 0.8);
      }
      g.fillStyle(color, 0.35).fillCircle(shot.x, shot.y, PROJECTILE_RADIUS + 4);
      g.fillStyle(0xffffff, 1).fillCircle(shot.x, shot.y, PROJECTILE_RADIUS - 1);
      drawn++;
    }
    this.#debug.shotsDrawn = drawn;
  }

  /** Others' shots carry their owner's colour. */
  #shotColor(entryId: number): number {
    const prediction = this.#arena?.prediction;
    const room = this.#arena?.room;
    if (!prediction || !room) return COLORS.accentHot;
    for (const entry of prediction.shots.entries()) {
      if (entry.id !== entryId) continue;
      const owner = entry.server ? room.state.players.get(entry.server.ownerId) : undefined;
      return owner ? playerColor(owner.color) : COLORS.accentHot;
    }
    return COLORS.accentHot;
  }

  #phase(phase: string): void {
    const showing = this.scene.isActive("ArenaScoreboard");
    if (phase === "scoreboard" && !showing) this.scene.launch("ArenaScoreboard");
    else if (phase !== "scoreboard" && showing) this.scene.stop("ArenaScoreboard");
  }

  #drawFloor(): void {
    const g = this.add.graphics().setDepth(0);
    g.fillStyle(COLORS.floor, 1).fillRect(0, 0, ARENA_WIDTH, ARENA_HEIGHT);
    // Lines at least 1.5 screen pixels wide: without MSAA thinner ones flicker in and out.
    const minor = 1.5 / ARENA_ZOOM;
    for (let x = 0; x <= ARENA_WIDTH; x += 50) {
      g.lineStyle(x % 200 === 0 ? minor * 1.5 : minor, x % 200 === 0 ? COLORS.gridMajor : COLORS.grid, x % 200 === 0 ? 1 : 0.7).lineBetween(x, 0, x, ARENA_HEIGHT);
    }
    for (let y = 0; y <= ARENA_HEIGHT; y += 50) {
      g.lineStyle(y % 200 === 0 ? minor * 1.5 : minor, y % 200 === 0 ? COLORS.gridMajor : COLORS.grid, y % 200 === 0 ? 1 : 0.7).lineBetween(0, y, ARENA_WIDTH, y);
    }
    // The arena's rim, lit.
    for (let i = 3; i >= 1; i--) {
      g.lineStyle(i * 4, COLORS.accent, 0.08 * (4 - i)).strokeRect(0, 0, ARENA_WIDTH, ARENA_HEIGHT);
    }
    g.lineStyle(3, COLORS.accent, 0.9).strokeRect(0, 0, ARENA_WIDTH, ARENA_HEIGHT);
  }

  #drawWalls(): void {
    const g = this.add.graphics().setDepth(5);
    for (const w of WALLS) {
      for (let i = 3; i >= 1; i--) {
        g.fillStyle(COLORS.wallEdge, 0.035 * (4 - i)).fillRoundedRect(w.x - i * 5, w.y - i * 5, w.w + i * 10, w.h + i * 10, 6 + i * 4);
      }
      g.fillStyle(0x000000, 0.35).fillRoundedRect(w.x + 6, w.y + 8, w.w, w.h, 6); // drop shadow
      g.fillStyle(COLORS.wall, 1).fillRoundedRect(w.x, w.y, w.w, w.h, 6);
      g.fillStyle(0xffffff, 0.06).fillRoundedRect(w.x + 4, w.y + 4, w.w - 8, Math.min(10, w.h / 3), 4);
      g.lineStyle(2, COLORS.wallEdge, 0.95).strokeRoundedRect(w.x, w.y, w.w, w.h, 6);
    }
  }
}

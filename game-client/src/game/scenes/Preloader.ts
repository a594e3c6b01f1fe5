/**
 * Preloader: makes every texture the game uses, in code. Nothing is fetched
 * at run time, so the game looks the same offline and in a headless browser.
 */
import * as Phaser from "phaser";
import { PLAYER_RADIUS, PROJECTILE_RADIUS } from "../../../../rooms/arena/constants.ts";
import { debugOf } from "../context.ts";
import { CENTER_X, CENTER_Y, WIDTH } from "../layout.ts";
import { COLORS, TEX } from "../style.ts";

export class Preloader extends Phaser.Scene {
  constructor() {
    super("Preloader");
  }

  create(): void {
    debugOf(this).scene = "Preloader";
    const bar = this.add.graphics();
    bar.fillStyle(COLORS.accent, 1).fillRect(CENTER_X - WIDTH / 6, CENTER_Y - 2, WIDTH / 3, 4);

    this.#hull();
    this.#turret();
    this.#halo();
    this.#spark();
    this.#ring();
    this.#shadow();
    this.#pixel();

    bar.destroy();
    this.scene.start("Title");
  }

  /** A round hover-tank hull in greys and white: tinted per player at draw time. */
  #hull(): void {
    const r = PLAYER_RADIUS;
    const size = r * 2 + 4;
    const c = size / 2;
    const g = this.make.graphics({}, false);
    g.fillStyle(0xffffff, 1).fillCircle(c, c, r);
    g.fillStyle(0x6b7280, 1).fillCircle(c, c, r - 3);
    g.fillStyle(0xb8c0cc, 1).fillCircle(c, c, r - 6);
    // Four vents around the rim read as a machine rather than a ball.
    g.fillStyle(0xffffff, 1);
    for (let i = 0; i < 4; i++) {
      const a = Math.PI / 4 + (i * Math.PI) / 2;
      g.fillCircle(c + Math.cos(a) * (r - 4.5), c + Math.sin(a) * (r - 4.5), 2);
    }
    g.fillStyle(0xffffff, 0.9).fillCircle(c - r * 0.25, c - r * 0.3, r * 0.22);
    g.generateTexture(TEX.hull, size, size);
    g.destroy();
  }

  /** The gun: a barrel from the hull's centre outwards, drawn pointing right (angle 0). */
  #turret(): void {
    const length = PLAYER_RADIUS + 10;
    const g = this.make.graphics({}, false);
    g.fillStyle(0x9aa3b5, 1).fillCircle(9, 9, 8);
    g.fillStyle(0xffffff, 1).fillRoundedRect(6, 5, length, 8, 3);
    g.fillStyle(0xd6dbe4, 1).fillCircle(9, 9, 5);
    g.generateTexture(TEX.turret, length + 8, 18);
    g.destroy();
  }

  /** A soft round glow, added under players and shots. */
  #halo(): void {
    const size = 96;
    const g = this.make.graphics({}, false);
    for (let i = 12; i >= 1; i--) {
      g.fillStyle(0xffffff, 0.045).fillCircle(size / 2, size / 2, (i / 12) * (size / 2));
    }
    g.generateTexture(TEX.halo, size, size);
    g.destroy();
  }

  /** Particle: a small hot dot. */
  #spark(): void {
    const size = PROJECTILE_RADIUS * 4;
    const g = this.make.graphics({}, false);
    g.fillStyle(0xffffff, 0.35).fillCircle(size / 2, size / 2, size / 2);
    g.fillStyle(0xffffff, 1).fillCircle(size / 2, size / 2, size / 4);
    g.generateTexture(TEX.spark, size, size);
    g.destroy();
  }

  /** A thin ring for spawns and the own-player marker. */
  #ring(): void {
    const size = 64;
    const g = this.make.graphics({}, false);
    g.lineStyle(3, 0xffffff, 1).strokeCircle(size / 2, size / 2, size / 2 - 3);
    g.generateTexture(TEX.ring, size, size);
    g.destroy();
  }

  /** A white square, stretched and tinted into bars. */
  #pixel(): void {
    const g = this.make.graphics({}, false);
    g.fillStyle(0xffffff, 1).fillRect(0, 0, 4, 4);
    g.generateTexture(TEX.pixel, 4, 4);
    g.destroy();
  }

  #shadow(): void {
    const w = PLAYER_RADIUS * 2.6;
    const g = this.make.graphics({}, false);
    g.fillStyle(0x000000, 0.35).fillEllipse(w / 2, w / 4, w, w / 2);
    g.generateTexture(TEX.shadow, w, w / 2);
    g.destroy();
  }
}

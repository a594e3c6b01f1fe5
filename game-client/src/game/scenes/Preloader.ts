/**
 * Preloader: makes the framework's textures in code, then each room type's
 * (its client module's makeTextures), once the server has said which types
 * it offers. Nothing is fetched at run time but that list, so the game looks
 * the same offline and in a headless browser.
 */
import * as Phaser from "phaser";
import { debugOf, modulesOf } from "../context.ts";
import { CENTER_X, CENTER_Y, WIDTH } from "../layout.ts";
import { COLORS, TEX } from "../style.ts";

/** Diameter of a spark particle, px. */
const SPARK_SIZE = 20;

export class Preloader extends Phaser.Scene {
  constructor() {
    super("Preloader");
  }

  create(): void {
    debugOf(this).scene = "Preloader";
    const bar = this.add.graphics();
    bar.fillStyle(COLORS.accent, 1).fillRect(CENTER_X - WIDTH / 6, CENTER_Y - 2, WIDTH / 3, 4);

    this.#halo();
    this.#spark();
    this.#ring();
    this.#pixel();

    const done = () => { bar.destroy(); this.scene.start("Title"); };
    void modulesOf(this).then((modules) => {
      for (const module of modules) module.makeTextures?.(this);
      done();
    }, done); // the title says why the types are missing
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
    const size = SPARK_SIZE;
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

}

/** One player on screen: shadow, glow, tinted hull, turret, name and health bar. */
import * as Phaser from "phaser";
import { MAX_HEALTH, PLAYER_RADIUS } from "../constants.ts";
import type { Player } from "../state.ts";
import { COLORS, css, playerColor, TEX, textStyle } from "../../../game-client/src/kit.ts";

const BAR_W = PLAYER_RADIUS * 2.2;

export class PlayerSprite {
  readonly root: Phaser.GameObjects.Container;
  readonly color: number;
  readonly #hull: Phaser.GameObjects.Image;
  readonly #turret: Phaser.GameObjects.Image;
  readonly #halo: Phaser.GameObjects.Image;
  readonly #marker: Phaser.GameObjects.Image | undefined;
  readonly #label: Phaser.GameObjects.Text;
  readonly #barBack: Phaser.GameObjects.Image;
  readonly #bar: Phaser.GameObjects.Image;
  #shownHealth = -1;
  #shownName = "";
  #shownConnected = true;

  constructor(scene: Phaser.Scene, player: Player, isSelf: boolean) {
    this.color = playerColor(player.color);
    const shadow = scene.add.image(0, PLAYER_RADIUS * 0.7, TEX.shadow);
    // Normal blending throughout: one blend mode keeps a player in the same draw batch as the next.
    this.#halo = scene.add.image(0, 0, TEX.halo).setTint(this.color).setScale(1.1).setAlpha(0.7);
    this.#hull = scene.add.image(0, 0, TEX.hull).setTint(this.color);
    this.#turret = scene.add.image(0, 0, TEX.turret).setOrigin(9 / (PLAYER_RADIUS + 18), 0.5);
    this.#label = scene.add.text(0, -PLAYER_RADIUS - 22, "", textStyle(15, COLORS.text)).setOrigin(0.5);
    // The health bar is two stretched pixels rather than a Graphics: images batch together, shapes don't.
    const barY = -PLAYER_RADIUS - 8;
    this.#barBack = scene.add.image(-BAR_W / 2, barY, TEX.pixel).setOrigin(0, 0.5).setDisplaySize(BAR_W, 5).setTint(0x000000).setAlpha(0.55);
    this.#bar = scene.add.image(-BAR_W / 2, barY, TEX.pixel).setOrigin(0, 0.5).setDisplaySize(BAR_W, 5);
    const parts: Phaser.GameObjects.GameObject[] = [shadow, this.#halo, this.#hull, this.#turret, this.#label, this.#barBack, this.#bar];
    if (isSelf) {
      this.#marker = scene.add.image(0, 0, TEX.ring).setTint(COLORS.text).setAlpha(0.55).setScale((PLAYER_RADIUS * 2 + 14) / 64);
      parts.splice(1, 0, this.#marker);
      scene.tweens.add({ targets: this.#marker, alpha: 0.15, duration: 900, yoyo: true, repeat: -1, ease: "Sine.InOut" });
    }
    this.root = scene.add.container(player.x, player.y, parts).setDepth(isSelf ? 20 : 10);
    this.sync(player, player.x, player.y, player.aim);
  }

  sync(player: Player, x: number, y: number, aim: number): void {
    this.root.setPosition(x, y);
    this.#turret.setRotation(aim);
    this.root.setAlpha(player.alive ? (player.connected ? 1 : 0.45) : 0.18);
    if (player.name !== this.#shownName || player.connected !== this.#shownConnected) {
      this.#shownName = player.name;
      this.#shownConnected = player.connected;
      this.#label.setText(player.connected ? player.name : `${player.name} (away)`);
      this.#label.setColor(css(player.connected ? COLORS.text : COLORS.dim));
    }
    if (player.health !== this.#shownHealth) {
      this.#shownHealth = player.health;
      this.#drawBar(player.health);
    }
  }

  /** A brief white flash on the hull when hit. */
  flash(scene: Phaser.Scene): void {
    this.#hull.setTint(0xffffff).setTintMode(Phaser.TintModes.FILL);
    scene.time.delayedCall(70, () => { if (this.#hull.active) this.#hull.setTint(this.color).setTintMode(Phaser.TintModes.MULTIPLY); });
  }

  destroy(): void {
    this.root.destroy(true);
  }

  #drawBar(health: number): void {
    const share = Math.max(0, Math.min(1, health / MAX_HEALTH));
    this.#bar.setDisplaySize(Math.max(0.01, BAR_W * share), 5).setVisible(share > 0);
    this.#bar.setTint(share > 0.5 ? COLORS.good : share > 0.25 ? COLORS.warn : COLORS.bad);
  }
}

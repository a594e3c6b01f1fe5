/** The arena's textures, made in code once by the Preloader (the module's makeTextures). */
import type * as Phaser from "phaser";
import { TEX } from "../../../game-client/src/game/style.ts";
import { PLAYER_RADIUS } from "../constants.ts";

export function makeArenaTextures(scene: Phaser.Scene): void {
  hull(scene);
  turret(scene);
  shadow(scene);
}

/** A round hover-tank hull in greys and white: tinted per player at draw time. */
function hull(scene: Phaser.Scene): void {
  const r = PLAYER_RADIUS;
  const size = r * 2 + 4;
  const c = size / 2;
  const g = scene.make.graphics({}, false);
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
function turret(scene: Phaser.Scene): void {
  const length = PLAYER_RADIUS + 10;
  const g = scene.make.graphics({}, false);
  g.fillStyle(0x9aa3b5, 1).fillCircle(9, 9, 8);
  g.fillStyle(0xffffff, 1).fillRoundedRect(6, 5, length, 8, 3);
  g.fillStyle(0xd6dbe4, 1).fillCircle(9, 9, 5);
  g.generateTexture(TEX.turret, length + 8, 18);
  g.destroy();
}

function shadow(scene: Phaser.Scene): void {
  const w = PLAYER_RADIUS * 2.6;
  const g = scene.make.graphics({}, false);
  g.fillStyle(0x000000, 0.35).fillEllipse(w / 2, w / 4, w, w / 2);
  g.generateTexture(TEX.shadow, w, w / 2);
  g.destroy();
}

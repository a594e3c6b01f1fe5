/** Playing cards drawn in code: a face (rank, suit, pips) or a back, as a container the table moves and tweens. */
import * as Phaser from "phaser";
import { rankOf, suitOf, type Card, type Suit } from "../protocol.ts";

export const CARD_W = 96;
export const CARD_H = 134;

export const SUIT_SYMBOL: Record<Suit, string> = { C: "♣", D: "♦", H: "♥", S: "♠" };
export const SUIT_NAME: Record<Suit, string> = { C: "Clubs", D: "Diamonds", H: "Hearts", S: "Spades" };
export const SUIT_COLOR: Record<Suit, number> = { C: 0x1b2030, D: 0xd7263d, H: 0xd7263d, S: 0x1b2030 };

const FACE = 0xfbf8f1;
const EDGE = 0xc9c2b0;
const BACK = 0x243b8f;
const BACK_DARK = 0x162661;
const FONT = '"Georgia", "DejaVu Serif", serif';

function css(color: number): string {
  return `#${color.toString(16).padStart(6, "0")}`;
}

/** A card face up, centred on (x, y). */
export function cardFace(scene: Phaser.Scene, card: Card, x: number, y: number, scale = 1): Phaser.GameObjects.Container {
  const w = CARD_W, h = CARD_H;
  const suit = suitOf(card);
  const rank = rankOf(card);
  const color = css(SUIT_COLOR[suit]);
  const g = scene.add.graphics();
  g.fillStyle(0x000000, 0.25).fillRoundedRect(-w / 2 + 3, -h / 2 + 4, w, h, 9);
  g.fillStyle(FACE, 1).fillRoundedRect(-w / 2, -h / 2, w, h, 9);
  g.lineStyle(1.5, EDGE, 1).strokeRoundedRect(-w / 2, -h / 2, w, h, 9);
  const eight = rank === "8";
  if (eight) {
    // Wild cards get a gold inner frame, so they stand out in a fanned hand.
    g.lineStyle(3, 0xe0b341, 1).strokeRoundedRect(-w / 2 + 6, -h / 2 + 6, w - 12, h - 12, 6);
  }
  const corner = { fontFamily: FONT, fontSize: "22px", color, fontStyle: "bold" };
  const small = { fontFamily: FONT, fontSize: "18px", color };
  const parts: Phaser.GameObjects.GameObject[] = [
    g,
    scene.add.text(-w / 2 + 8, -h / 2 + 4, rank, corner),
    scene.add.text(-w / 2 + 9, -h / 2 + 28, SUIT_SYMBOL[suit], small),
    scene.add.text(w / 2 - 16, h / 2 - 17, rank, corner).setOrigin(0.5).setAngle(180),
    scene.add.text(0, eight ? 0 : 6, SUIT_SYMBOL[suit], { fontFamily: FONT, fontSize: eight ? "44px" : "52px", color }).setOrigin(0.5),
  ];
  if (eight) parts.push(scene.add.text(0, 42, "WILD", { fontFamily: FONT, fontSize: "12px", color: "#a07d1c", fontStyle: "bold" }).setOrigin(0.5));
  return scene.add.container(x, y, parts).setSize(w, h).setScale(scale);
}

/** A card face down, centred on (x, y). */
export function cardBack(scene: Phaser.Scene, x: number, y: number, scale = 1): Phaser.GameObjects.Container {
  const w = CARD_W, h = CARD_H;
  const g = scene.add.graphics();
  g.fillStyle(0x000000, 0.25).fillRoundedRect(-w / 2 + 3, -h / 2 + 4, w, h, 9);
  g.fillStyle(FACE, 1).fillRoundedRect(-w / 2, -h / 2, w, h, 9);
  g.fillStyle(BACK, 1).fillRoundedRect(-w / 2 + 6, -h / 2 + 6, w - 12, h - 12, 6);
  // A lattice of diamonds: the classic back.
  g.fillStyle(BACK_DARK, 1);
  for (let row = 0; row < 9; row++) {
    for (let col = 0; col < 6; col++) {
      const cx = -w / 2 + 14 + col * 14 + (row % 2) * 7;
      const cy = -h / 2 + 16 + row * 13;
      if (cx > w / 2 - 10) continue;
      g.fillTriangle(cx, cy - 5, cx + 5, cy, cx, cy + 5).fillTriangle(cx, cy - 5, cx - 5, cy, cx, cy + 5);
    }
  }
  g.lineStyle(2, 0xe0b341, 0.9).strokeRoundedRect(-w / 2 + 10, -h / 2 + 10, w - 20, h - 20, 5);
  g.lineStyle(1.5, EDGE, 1).strokeRoundedRect(-w / 2, -h / 2, w, h, 9);
  return scene.add.container(x, y, [g]).setSize(w, h).setScale(scale);
}

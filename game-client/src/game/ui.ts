/** Small building blocks shared by the menus and overlays: text styles, buttons, panels. */
import * as Phaser from "phaser";
import { FONT } from "./layout.ts";
import { COLORS, css, FONT_FAMILY, MONO_FAMILY } from "./style.ts";

export function textStyle(size: number, color: number = COLORS.text, mono = false): Phaser.Types.GameObjects.Text.TextStyle {
  return { fontFamily: mono ? MONO_FAMILY : FONT_FAMILY, fontSize: `${size}px`, color: css(color) };
}

export interface Button {
  container: Phaser.GameObjects.Container;
  setLabel(label: string): void;
  setEnabled(enabled: boolean): void;
}

/** A rounded neon button; `onClick` runs on pointer up inside it. */
export function button(
  scene: Phaser.Scene, x: number, y: number, label: string, onClick: () => void,
  { width = 220, height = 52, size = FONT.body, color = COLORS.accent }: { width?: number; height?: number; size?: number; color?: number } = {},
): Button {
  const bg = scene.add.graphics();
  const text = scene.add.text(0, 0, label, textStyle(size, COLORS.text)).setOrigin(0.5);
  const container = scene.add.container(x, y, [bg, text]).setSize(width, height);
  let hover = false;
  let enabled = true;
  const draw = () => {
    bg.clear();
    const alpha = enabled ? 1 : 0.35;
    bg.fillStyle(color, (hover ? 0.28 : 0.14) * alpha).fillRoundedRect(-width / 2, -height / 2, width, height, height / 4);
    bg.lineStyle(2, color, alpha).strokeRoundedRect(-width / 2, -height / 2, width, height, height / 4);
    text.setAlpha(alpha);
  };
  container.setInteractive({ useHandCursor: true });
  container.on("pointerover", () => { hover = true; draw(); });
  container.on("pointerout", () => { hover = false; draw(); });
  container.on("pointerup", () => { if (enabled) onClick(); });
  draw();
  return {
    container,
    setLabel: (value) => text.setText(value),
    setEnabled: (value) => { enabled = value; draw(); },
  };
}

/** A translucent panel with a lit edge. */
export function panel(scene: Phaser.Scene, x: number, y: number, width: number, height: number, alpha = 0.82): Phaser.GameObjects.Graphics {
  const g = scene.add.graphics();
  g.fillStyle(COLORS.panel, alpha).fillRoundedRect(x, y, width, height, 12);
  g.lineStyle(1.5, COLORS.accent, 0.45).strokeRoundedRect(x, y, width, height, 12);
  return g;
}

export function formatClock(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, "0")}`;
}

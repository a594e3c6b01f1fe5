/**
 * Every screen position derives from one width and height; room types'
 * scenes lay themselves out from these too.
 */

export const WIDTH = 1280;
export const HEIGHT = 800;

/** Margin from the screen edges for HUD text. */
export const PAD = Math.round(WIDTH / 64);
/** A HUD's bar along the top; a room type's world is drawn below it, never under it. */
export const HUD_BAR = Math.round(HEIGHT * 0.06);

export const CENTER_X = WIDTH / 2;
export const CENTER_Y = HEIGHT / 2;

/** Font sizes as fractions of the height, so the layout scales as one. */
export const FONT = {
  huge: Math.round(HEIGHT / 10),
  title: Math.round(HEIGHT / 22),
  body: Math.round(HEIGHT / 40),
  small: Math.round(HEIGHT / 52),
} as const;

/** The network overlay's panel, anchored bottom-right. */
export const OVERLAY = { width: 420, height: 500 } as const;
export const OVERLAY_LEFT = WIDTH - PAD - OVERLAY.width;
export const OVERLAY_TOP = HEIGHT - PAD - OVERLAY.height;
/** Centre of its "150 ± 20 ms" preset button. */
export const OVERLAY_PRESET = { x: OVERLAY_LEFT + 80, y: OVERLAY_TOP + OVERLAY.height - 24 } as const;

/** The board's operator settings, each overridable by its variable (BOARD_SAVE_DELAY_MS…), read and checked once by server/config.ts. */
import { z } from "zod";

export const boardSettings = z.object({
  /** How long after a sharing change, or a failed write, the board is written to the Store, ms (BOARD_SAVE_DELAY_MS); applied ops are written at once. */
  saveDelayMs: z.number().int().min(10).max(60_000).default(500),
  /** Connections on one board, editors and viewers together (BOARD_MAX_CLIENTS). */
  maxClients: z.number().int().min(1).max(1000).default(100),
});
export type BoardSettings = z.output<typeof boardSettings>;

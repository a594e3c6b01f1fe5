/** The arena's settings: defaults here, each overridable by the operator with its ARENA_ variable (server/room/room-type.ts). */
import { z } from "zod";
import { ROUND_SECONDS } from "./constants.ts";

export const ArenaSettings = z.object({
  /** Length of a round, s (ARENA_ROUND_SECONDS); a scoreboard follows. */
  roundSeconds: z.number().min(10).max(3600).default(ROUND_SECONDS),
});
export type ArenaSettings = z.output<typeof ArenaSettings>;

/** The arena: a top-down shooter with predicted movement and lag-compensated shots, 2–16 players a room. */
import { z } from "zod";
import { defineRoomType } from "../../server/room/room-type.ts";
import { ArenaRoom } from "./ArenaRoom.ts";
import { ROUND_SECONDS } from "./constants.ts";

export const arenaSettings = z.object({
  /** Length of a round, s (ARENA_ROUND_SECONDS); a scoreboard follows. */
  roundSeconds: z.number().min(10).max(3600).default(ROUND_SECONDS),
});

export const arena = defineRoomType({
  name: "arena",
  title: "Arena",
  summary: "Fast top-down shootout for 2–16 players. WASD moves, the mouse aims, click fires.",
  room: ArenaRoom,
  settings: arenaSettings,
  filterBy: ["mode"],
  // The fullest arena encodes in 4.5 KB (state.test.ts builds it).
  stateBufferBytes: 8 * 1024,
  drainNotice: "This server is restarting. Finish your fight: you will be moved to another arena.",
  bots: () => import("./bots.ts"),
});

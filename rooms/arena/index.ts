/** The arena: a top-down shooter with predicted movement and lag-compensated shots, 2–16 players a room. */
import { defineRoomType } from "../../server/room/room-type.ts";
import { ArenaRoom } from "./ArenaRoom.ts";
import { ArenaSettings } from "./settings.ts";

export const arena = defineRoomType({
  name: "arena",
  title: "Arena",
  summary: "Fast top-down shootout for 2–16 players, with predicted movement and lag-compensated shots.",
  room: ArenaRoom,
  settings: ArenaSettings,
  filterBy: ["mode"],
  // Sized from the fullest arena that state.test.ts builds and holds under three quarters of it.
  stateBufferBytes: 8 * 1024,
  // Outlives its process: restored elsewhere with seats, scores and positions (server/room/durable.ts).
  durable: { version: 1 },
  drainNotice: "This server is restarting: your arena moves to another server, and you keep your place and score.",
  bots: () => import("./bots.ts"),
  testing: () => import("./testing.ts"),
});

/** The collaborative whiteboard: one room per board (filterBy "board"), server-ordered ops, per-user undo, live cursors, stored boards. */
import { defineRoomType } from "../../server/room/room-type.ts";
import { BoardRoom } from "./BoardRoom.ts";
import { boardSettings } from "./settings.ts";

export const board = defineRoomType({
  name: "board",
  title: "Whiteboard",
  summary: "A shared board of notes, shapes, arrows and drawings: edit together live, undo your own changes, share a link.",
  room: BoardRoom,
  settings: boardSettings,
  filterBy: ["board"],
  // The roster (names, colours, roles) at its fullest: BOARD_MAX_CLIENTS members with long names.
  stateBufferBytes: 32 * 1024,
  drainNotice: "This server is restarting; the board reconnects by itself and your edits are kept.",
  // Outlives its process: the roster and presence ride the snapshot, the board is in the Store before any op is acknowledged (server/room/durable.ts).
  durable: { version: 1 },
  bots: () => import("./bots.ts"),
});

/** The cards table: Crazy Eights for 2–4 players, each seeing only its own hand, with a turn timer. */
import { defineRoomType } from "../../server/room/room-type.ts";
import { CardsRoom } from "./CardsRoom.ts";
import { cardsSettings } from "./settings.ts";
import { STATE_BUFFER_BYTES } from "./state.ts";

export const cards = defineRoomType({
  name: "cards",
  title: "Crazy Eights",
  summary: "Turn-based card game for 2–4 players: match the suit or rank, eights are wild, empty your hand first.",
  room: CardsRoom,
  settings: cardsSettings,
  stateBufferBytes: STATE_BUFFER_BYTES,
  // Outlives its process: restored elsewhere with every seat, hand and score (server/room/durable.ts).
  durable: { version: 1 },
  drainNotice: "This server is restarting: your table moves to another server with every hand as it is.",
  bots: () => import("./bots.ts"),
  testing: () => import("./testing.ts"),
});

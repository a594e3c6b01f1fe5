/** The cards table: Crazy Eights for 2–4 players, each seeing only its own hand, with a turn timer. */
import { z } from "zod";
import { defineRoomType } from "../../server/room/room-type.ts";
import { CardsRoom } from "./CardsRoom.ts";
import { STATE_BUFFER_BYTES } from "./state.ts";

export const cardsSettings = z.object({
  /** Each turn's timer, s (CARDS_TURN_SECONDS); when it runs out the table draws and passes for the player. */
  turnSeconds: z.number().min(1).max(600).default(30),
  /** After the second player sits down, how long the table waits for more before dealing, s (CARDS_DEAL_DELAY_SECONDS); a full table deals at once. */
  dealDelaySeconds: z.number().min(0).max(60).default(3),
});

export const cards = defineRoomType({
  name: "cards",
  title: "Crazy Eights",
  summary: "Turn-based card game for 2–4 players: match the suit or rank, eights are wild, empty your hand first.",
  room: CardsRoom,
  settings: cardsSettings,
  stateBufferBytes: STATE_BUFFER_BYTES,
  drainNotice: "This server is restarting. This hand cannot be finished here: you will be seated at a new table.",
  bots: () => import("./bots.ts"),
});

/** The cards table's settings, each overridable by its namespaced variable (CARDS_TURN_SECONDS…). */
import { z } from "zod";

export const cardsSettings = z.object({
  /** Each turn's timer, s (CARDS_TURN_SECONDS); when it runs out the table draws and passes for the player. */
  turnSeconds: z.number().min(1).max(600).default(30),
  /** After the second player sits down, how long the table waits for more before dealing, s (CARDS_DEAL_DELAY_SECONDS); a full table deals at once. */
  dealDelaySeconds: z.number().min(0).max(60).default(3),
});
export type CardsSettings = z.output<typeof cardsSettings>;

/** The scoreboard's lines, as plain text (no Phaser), so a spec can read them. */
import { MAX_NAME_LENGTH } from "../../../shared/protocol.ts";

/** The longest name and " (you)" fit whole. */
export const NAME_COLUMN = MAX_NAME_LENGTH + " (you)".length;

/** One line of the standings: rank, name (whole, however long the server lets it be), kills, deaths. */
export function standingsRow(rank: number, name: string, you: boolean, kills: number, deaths: number): string {
  const who = `${name}${you ? " (you)" : ""}`.padEnd(NAME_COLUMN);
  return `${String(rank).padStart(2)}  ${who}  ${String(kills).padStart(5)}  ${String(deaths).padStart(6)}`;
}

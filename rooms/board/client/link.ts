/**
 * The share link: the game's address with `?board=<id>` (to look) and
 * `&invite=<invite>` (to edit). Opening it joins (or creates) the room that
 * holds that board, so everyone with the link is on the same board.
 */
import { BoardId } from "../protocol.ts";

export const BOARD_PARAM = "board";
export const INVITE_PARAM = "invite";

/** The board (and invite) a page's address asks for, if it names a well-formed board. */
export function boardFromLink(href: string): { board: string; invite?: string } | undefined {
  const params = new URL(href).searchParams;
  const board = BoardId.safeParse(params.get(BOARD_PARAM));
  if (!board.success) return undefined;
  const invite = params.get(INVITE_PARAM);
  return invite && invite.length <= 128 ? { board: board.data, invite } : { board: board.data };
}

/** `href` pointing at `board` (with `invite` to edit), the rest of its query kept. */
export function boardLink(href: string, board: string, invite?: string): string {
  const url = new URL(href);
  url.searchParams.set(BOARD_PARAM, board);
  if (invite) url.searchParams.set(INVITE_PARAM, invite);
  else url.searchParams.delete(INVITE_PARAM);
  url.hash = "";
  return url.toString();
}

/** `href` without a board: the title screen's own address. */
export function withoutBoard(href: string): string {
  const url = new URL(href);
  url.searchParams.delete(BOARD_PARAM);
  url.searchParams.delete(INVITE_PARAM);
  return url.toString();
}

/** A fresh board id: 10 random base-36 characters, hard to guess (the link is how a board is found). */
export function newBoardId(): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(10));
  return [...bytes].map((b) => (b % 36).toString(36)).join("");
}

/**
 * Who may do what on a board. The creator is its owner. Anyone who opens the
 * board's id is a viewer: the id is the view link, so a new board should get
 * a random one. The owner asks the room for the editor link, which adds an
 * invite: an HMAC of the board id under the board's own stored secret.
 * Joining with a valid invite makes that user an editor of the board for
 * good (the grant is stored); the owner rotating the secret stops every
 * earlier editor link, and keeps the grants already made. The owner may
 * also open the plain link to editing ("anyone with the link can edit").
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { LinkRole, Role } from "./protocol.ts";

const INVITE_ROLE = "editor";

/** The editor invite for `board` under `secret`: what `ShareLink.invite` carries. */
export function editorInvite(secret: Uint8Array, board: string): string {
  return createHmac("sha256", secret).update(`${board}\n${INVITE_ROLE}`).digest("base64url");
}

export function inviteIsValid(secret: Uint8Array, board: string, invite: string): boolean {
  const expected = Buffer.from(editorInvite(secret, board));
  const given = Buffer.from(invite);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** A user's role: owner, an editor granted before or by a valid invite now, else what the plain link gives. */
export function roleFor(userId: string, board: { owner: string; grants: ReadonlyMap<string, Role>; linkRole: LinkRole }, invited: boolean): Role {
  if (userId === board.owner) return "owner";
  if (invited) return "editor";
  return board.grants.get(userId) ?? board.linkRole;
}

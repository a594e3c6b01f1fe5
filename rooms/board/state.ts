/**
 * The board room's synchronized state: who is here, with the name and
 * colour their identity gives them and their role. The board itself travels
 * as messages (a snapshot, then applied ops), and so does presence; this is
 * only the roster that presence's `peer` numbers refer to.
 * Imports @colyseus/schema only, so it bundles for the browser.
 */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const BoardMember = schema({
  /** Small number naming this connection in presence messages (PeerPresence). */
  peer: t.uint16().default(0),
  userId: t.string().default(""),
  name: t.string().default(""),
  /** #rrggbb, from the user id: the same person has the same colour on every board. */
  color: t.string().default("#000000"),
  /** "owner" | "editor" | "viewer". */
  role: t.string().default("viewer"),
  /** False while the connection is dropped and its seat held. */
  connected: t.boolean().default(true),
}, "BoardMember");
export type BoardMember = SchemaType<typeof BoardMember>;

/** Members by sessionId. */
export const BoardState = schema({
  board: t.string().default(""),
  members: t.map(BoardMember),
}, "BoardState");
export type BoardState = SchemaType<typeof BoardState>;

/** Cursor colours, readable on a white board. */
export const MEMBER_COLORS = Object.freeze([
  "#e03131", "#2f9e44", "#1971c2", "#f08c00", "#9c36b5", "#0c8599",
  "#c2255c", "#5c940d", "#3b5bdb", "#e8590c", "#6741d9", "#087f5b",
]);

/** The colour of a user: a hash of their id into MEMBER_COLORS, so it never changes between sessions. */
export function colorOf(userId: string): string {
  let hash = 2166136261;
  for (let i = 0; i < userId.length; i++) hash = Math.imul(hash ^ userId.charCodeAt(i), 16777619);
  return MEMBER_COLORS[(hash >>> 0) % MEMBER_COLORS.length];
}

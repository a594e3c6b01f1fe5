/**
 * The arena's wire vocabulary beyond its state and input schemas
 * (state.ts): message names, payloads and limits. Pure data, imported by
 * the room, the browser client and the bots.
 */

export const ArenaMessage = Object.freeze({
  /** client → room `ChatRequest`; room → everyone `Chat`. */
  CHAT: "chat",
  /** room → everyone: `Killed`. */
  KILLED: "killed",
});

export const MODES = ["ffa", "duel"] as const;
export type Mode = (typeof MODES)[number];

/** What a client may choose when it creates a room (`joinOrCreate("arena", { mode })`, one of the filterBy keys). */
export interface ArenaCreateOptions { mode?: Mode }
/** What a client says about itself when it joins. */
export interface ArenaJoinOptions { name?: string }

export const CHAT_MAX_LENGTH = 140; // characters
export interface ChatRequest { text: string }
export interface Chat { from: string; name: string; text: string }
export interface Killed { victim: string; by: string }

/** Chat is the arena's only message besides inputs: a person types at most a few lines a second. */
export const CHAT_BUDGET = Object.freeze({ perSecond: 5, burst: 10 });

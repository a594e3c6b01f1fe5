/** Chat's bounds, each overridable by its namespaced variable (CHAT_HISTORY_LENGTH…), read and checked once by server/config.ts. */
import { z } from "zod";
import { CHAT_LIMITS } from "./protocol.ts";

export const chatSettings = z.object({
  /** Messages kept per channel (CHAT_HISTORY_LENGTH). */
  historyLength: z.number().int().min(1).max(100_000).default(CHAT_LIMITS.historyLength),
  /** Messages per history page (CHAT_HISTORY_PAGE). */
  historyPage: z.number().int().min(1).max(500).default(CHAT_LIMITS.historyPage),
  /** Appends per channel for which a message id is remembered (CHAT_DEDUPE_WINDOW). */
  dedupeWindow: z.number().int().min(1).max(1_000_000).default(CHAT_LIMITS.dedupeWindow),
  /** Offline direct messages kept per user (CHAT_INBOX_SIZE). */
  inboxSize: z.number().int().min(1).max(100_000).default(CHAT_LIMITS.inboxSize),
  /** Longest message after normalisation, in code points (CHAT_MESSAGE_MAX_CHARS); the wire takes at most CHAT_LIMITS.rawMessageChars. */
  messageMaxChars: z.number().int().min(1).max(CHAT_LIMITS.rawMessageChars).default(CHAT_LIMITS.messageChars),
  /** Members of one group (CHAT_GROUP_MAX_MEMBERS). */
  groupMaxMembers: z.number().int().min(2).max(10_000).default(CHAT_LIMITS.groupMembers),
  /** Users one user may block (CHAT_BLOCKS_MAX). */
  blocksMax: z.number().int().min(1).max(100_000).default(CHAT_LIMITS.blocks),
}).refine((s) => s.dedupeWindow >= s.historyLength, { path: ["dedupeWindow"], message: "must be at least CHAT_HISTORY_LENGTH, so every kept message's id is remembered" });
export type ChatSettings = z.output<typeof chatSettings>;

/**
 * What a chat message's text goes through before it is stored: Unicode
 * normalisation, removal of what could disguise or deface it, a length limit,
 * then the studio's own filter. Pure: the same text always gives the same
 * result, so the browser may run normaliseText to show a count before sending.
 */
import { CHAT_LIMITS, type ChannelKind, type Rejection } from "./protocol.ts";

/**
 * Characters removed outright:
 * - C0 and C1 controls other than whitespace (whitespace is collapsed below);
 * - bidirectional overrides, embeddings, isolates and marks (U+202A–202E,
 *   U+2066–2069, U+200E/200F, U+061C): they reorder how the rest of the line
 *   reads, the "Trojan Source" trick, so "gg" could display as someone else's words;
 * - invisible spacers (U+200B, U+2060–2064, U+FEFF, U+00AD, U+180E) that make
 *   two identical-looking messages or names differ;
 * - lone UTF-16 surrogates, which no font can draw and some encoders reject.
 * Zero-width joiner and non-joiner (U+200D, U+200C) stay: emoji sequences and
 * Persian or Indic scripts need them.
 */
const REMOVED = /[\u0000-\u0008\u000E-\u001F\u007F-\u0084\u0086-\u009F\u061C\u200B\u200E\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD\u180E]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Every kind of whitespace and line break, NEL and U+2028/2029 included: a chat line is one line. */
const WHITESPACE = /[\s\u0085]+/g;
/** Combining marks kept on one character: more stack into "Zalgo" text that spills over other lines. */
export const MAX_COMBINING_MARKS = 3;
const COMBINING_RUN = new RegExp(`(\\p{M}{${MAX_COMBINING_MARKS}})\\p{M}+`, "gu");

export type Normalised = { ok: true; text: string } | { ok: false; rejection: Rejection };

/** Clean `raw` as the server will store it, or say why it cannot be sent. */
export function normaliseText(raw: string, maxChars: number = CHAT_LIMITS.messageChars): Normalised {
  const text = raw
    .normalize("NFC")
    .replace(REMOVED, "")
    .replace(WHITESPACE, " ")
    .replace(COMBINING_RUN, "$1")
    .trim();
  if (text.length === 0) return { ok: false, rejection: { code: "EMPTY", message: "The message is empty." } };
  const chars = countChars(text);
  if (chars > maxChars) {
    return { ok: false, rejection: { code: "TOO_LONG", message: `Messages are at most ${maxChars} characters; this one has ${chars}.` } };
  }
  return { ok: true, text };
}

/** Length in Unicode code points, the unit of every chat limit. */
export function countChars(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/** What a studio's filter is told about a message it may refuse or rewrite. */
export interface FilterInput {
  /** Already normalised. */
  text: string;
  from: string;
  channel: string;
  kind: ChannelKind;
}

export type FilterVerdict =
  | { action: "allow" }
  /** Store this text instead (masking a word, say); it is normalised again. */
  | { action: "replace"; text: string }
  /** Refuse; `reason` is shown to the sender. */
  | { action: "reject"; reason: string };

/** A studio's own filter (profanity, links, spam scores). May be async; should answer within a few milliseconds. */
export type ChatFilter = (input: FilterInput) => FilterVerdict | Promise<FilterVerdict>;

/** Allows everything: the default when a studio sets no filter. */
export const allowAll: ChatFilter = () => ({ action: "allow" });

export interface ModerationContext {
  from: string;
  channel: string;
  kind: ChannelKind;
  filter?: ChatFilter;
  maxChars?: number;
}

/**
 * Normalise, then ask the filter. A filter that throws refuses the message
 * (FILTERED) rather than letting it through unchecked or failing the room.
 */
export async function moderate(raw: string, context: ModerationContext): Promise<Normalised> {
  const normalised = normaliseText(raw, context.maxChars);
  if (!normalised.ok) return normalised;
  let verdict: FilterVerdict;
  try {
    verdict = await (context.filter ?? allowAll)({ text: normalised.text, from: context.from, channel: context.channel, kind: context.kind });
  } catch {
    return { ok: false, rejection: { code: "FILTERED", message: "The message could not be checked by the chat filter; try again." } };
  }
  switch (verdict.action) {
    case "allow":
      return normalised;
    case "replace":
      return normaliseText(verdict.text, context.maxChars);
    case "reject":
      return { ok: false, rejection: { code: "FILTERED", message: verdict.reason || "The chat filter refused this message." } };
    default:
      return { ok: false, rejection: { code: "FILTERED", message: "The chat filter gave an answer the server does not understand." } };
  }
}

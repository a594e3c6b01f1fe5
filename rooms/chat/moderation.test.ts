import { describe, expect, it } from "vitest";
import { countChars, MAX_COMBINING_MARKS, moderate, normaliseText, type ChatFilter } from "./moderation.ts";
import { CHAT_LIMITS, SendRequest } from "./protocol.ts";

const clean = (raw: string) => {
  const result = normaliseText(raw);
  if (!result.ok) throw new Error(`refused: ${result.rejection.code}`);
  return result.text;
};

describe("normaliseText", () => {
  it("composes to NFC, so the same word typed two ways is stored the same", () => {
    expect(clean("cafe\u0301")).toBe("caf\u00e9");
  });

  it("collapses every kind of whitespace and line break into single spaces and trims", () => {
    expect(clean("  gg\n\n\twp\u3000\u2028 all\u00a0\u00a0 ")).toBe("gg wp all");
  });

  it("removes control characters", () => {
    expect(clean("a\u0000b\u0007c\u001bd\u007fe\u009bf")).toBe("abcdef");
  });

  it("removes bidirectional overrides and isolates, so text cannot be displayed reversed", () => {
    expect(clean("I \u202Eesol\u202C lost \u2066x\u2069 \u200Fok")).toBe("I esol lost x ok");
  });

  it("removes invisible spacers but keeps the joiners emoji and scripts need", () => {
    expect(clean("g\u200Bg\uFEFF\u2060")).toBe("gg");
    expect(clean("\u{1F468}\u200D\u{1F469}\u200D\u{1F467}")).toBe("\u{1F468}\u200D\u{1F469}\u200D\u{1F467}");
    expect(clean("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645")).toBe("\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645");
  });

  it(`keeps at most ${MAX_COMBINING_MARKS} combining marks on a character`, () => {
    const zalgo = "x" + "\u0300\u0301\u0302\u0303\u0304\u0305\u0306".repeat(10);
    expect(clean(zalgo)).toBe("x\u0300\u0301\u0302");
  });

  it("drops lone surrogates and keeps surrogate pairs", () => {
    expect(clean("a\uD800b\uDC00c \u{1F600}")).toBe("abc \u{1F600}");
  });

  it("refuses a message with nothing left after cleaning as EMPTY", () => {
    expect(normaliseText(" \u200B\u202E\n ")).toMatchObject({ ok: false, rejection: { code: "EMPTY" } });
  });

  it("counts the limit in code points after cleaning and refuses one over it as TOO_LONG", () => {
    const emoji = "\u{1F600}".repeat(CHAT_LIMITS.messageChars);
    expect(countChars(clean(emoji))).toBe(CHAT_LIMITS.messageChars);
    const over = normaliseText(`${emoji}!`);
    expect(over).toMatchObject({ ok: false, rejection: { code: "TOO_LONG", message: expect.stringContaining(String(CHAT_LIMITS.messageChars)) } });
    expect(normaliseText(`${"a".repeat(CHAT_LIMITS.messageChars)}${" ".repeat(100)}`).ok).toBe(true);
  });

  it("is refused at the schema before normalising when the raw text is far too long", () => {
    const huge = SendRequest.safeParse({ channel: "global", id: "m1", text: "a".repeat(CHAT_LIMITS.rawMessageChars + 1) });
    expect(huge.success).toBe(false);
  });
});

describe("moderate with a studio filter", () => {
  const context = { from: "ann", channel: "global", kind: "public" as const };

  it("passes the normalised text and context to the filter", async () => {
    const seen: unknown[] = [];
    const filter: ChatFilter = (input) => { seen.push(input); return { action: "allow" }; };
    expect(await moderate("  hello\nthere ", { ...context, filter })).toEqual({ ok: true, text: "hello there" });
    expect(seen).toEqual([{ text: "hello there", from: "ann", channel: "global", kind: "public" }]);
  });

  it("stores the filter's replacement, normalised again so a filter cannot add control characters", async () => {
    const filter: ChatFilter = async ({ text }) => ({ action: "replace", text: text.replace("darn", "****\u202E") });
    expect(await moderate("oh darn", { ...context, filter })).toEqual({ ok: true, text: "oh ****" });
  });

  it("refuses with FILTERED and the filter's reason", async () => {
    const filter: ChatFilter = () => ({ action: "reject", reason: "Links are not allowed in #global." });
    expect(await moderate("see http://x", { ...context, filter })).toEqual({
      ok: false, rejection: { code: "FILTERED", message: "Links are not allowed in #global." },
    });
  });

  it("refuses with FILTERED, rather than letting the message through or failing, when the filter throws", async () => {
    const filter: ChatFilter = () => { throw new Error("filter service down"); };
    expect(await moderate("hello", { ...context, filter })).toMatchObject({ ok: false, rejection: { code: "FILTERED" } });
  });

  it("does not call the filter for a message that normalisation already refused", async () => {
    let called = false;
    const filter: ChatFilter = () => { called = true; return { action: "allow" }; };
    expect(await moderate("\u0000", { ...context, filter })).toMatchObject({ ok: false, rejection: { code: "EMPTY" } });
    expect(called).toBe(false);
  });
});

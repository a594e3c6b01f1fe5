import { describe, expect, it } from "vitest";
import { ChatMessage, DirectSend, HistoryRequest, invalidMessage, MessageId, SendRequest, UserId } from "./protocol.ts";

describe("chat protocol", () => {
  it("names every message under chat:, each once", () => {
    const names = Object.values(ChatMessage);
    expect(names.every((name) => name.startsWith("chat:"))).toBe(true);
    expect(new Set(names).size).toBe(names.length);
  });

  it("accepts a send and refuses unknown fields, so nothing rides along unchecked", () => {
    expect(SendRequest.safeParse({ channel: "global", id: "m-1_a", text: "hi" }).success).toBe(true);
    expect(SendRequest.safeParse({ channel: "global", id: "m1", text: "hi", html: "<b>" }).success).toBe(false);
  });

  it("takes message ids of letters, digits, _ and - only, at most 64", () => {
    expect(MessageId.safeParse("a".repeat(64)).success).toBe(true);
    for (const bad of ["", "a".repeat(65), "has space", "dot.", "ü"]) expect(MessageId.safeParse(bad).success).toBe(false);
  });

  it("refuses user ids with ~ (it joins direct channel ids), whitespace or invisible characters", () => {
    expect(UserId.safeParse("player_7|eu").success).toBe(true);
    for (const bad of ["a~b", "a b", "a\u202Eb", "a\u200Bb", ""]) expect(UserId.safeParse(bad).success).toBe(false);
    expect(DirectSend.safeParse({ to: "a~b", id: "m1", text: "hi" }).success).toBe(false);
  });

  it("asks for history before or after a seq, not both", () => {
    expect(HistoryRequest.safeParse({ channel: "global" }).success).toBe(true);
    expect(HistoryRequest.safeParse({ channel: "global", after: 0 }).success).toBe(true);
    expect(HistoryRequest.safeParse({ channel: "global", before: 0 }).success).toBe(false);
    expect(HistoryRequest.safeParse({ channel: "global", before: 5, after: 2 }).success).toBe(false);
  });

  it("turns a schema failure into an INVALID_MESSAGE rejection naming the field", () => {
    const parsed = SendRequest.safeParse({ channel: "global", id: "bad id", text: "hi" });
    if (parsed.success) throw new Error("expected a failure");
    expect(invalidMessage(parsed.error, { id: "bad id" })).toEqual({
      code: "INVALID_MESSAGE", message: "id: Message ids are 1 to 64 letters, digits, _ or -", id: "bad id",
    });
  });
});

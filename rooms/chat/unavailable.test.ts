/** A chat room whose Store fails answers with a retryable UNAVAILABLE rejection, and keeps running. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startServer } from "../../tools/server.ts";
import { chat } from "./index.ts";
import { ChatMessage, type Rejection } from "./protocol.ts";

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-chat-down-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it("refuses a message with UNAVAILABLE, naming its id, when the store fails, and answers the next one too", async () => {
  const ts = await startServer({ DATA_DIR: dataDir }, [chat]);
  try {
    const room = await ts.client("Ann").joinOrCreate("chat", { channel: "global" });
    const rejections: Rejection[] = [];
    const heard = new Promise<void>((resolve) => room.onMessage(ChatMessage.rejected, (r: Rejection) => { rejections.push(r); if (rejections.length === 2) resolve(); }));
    await ts.server.store.close();
    room.send(ChatMessage.send, { channel: "global", id: "lost-1", text: "hello?" });
    room.send(ChatMessage.history, { channel: "global" });
    await heard;
    expect(rejections[0]).toMatchObject({ code: "UNAVAILABLE", id: "lost-1", channel: "global" });
    expect(rejections[1].code).toBe("UNAVAILABLE");
    await room.leave();
  } finally {
    await ts.close().catch(() => {});
  }
});

/**
 * The chat panel and the bots share delivery.ts, protocol.ts, moderation.ts
 * and channel.ts: they must bundle for the browser with nothing of the server
 * (no storage, no node: modules).
 */
import * as esbuild from "esbuild";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("the chat client core", () => {
  it("bundles for the browser without server code", async () => {
    const result = await esbuild.build({
      absWorkingDir: root,
      stdin: {
        contents: ["delivery", "protocol", "moderation", "channel"].map((m) => `export * from "./rooms/chat/${m}.ts";`).join("\n"),
        resolveDir: root,
        loader: "ts",
      },
      bundle: true,
      platform: "browser",
      format: "esm",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs).toContain("rooms/chat/delivery.ts");
    expect(inputs.filter((path) => path.startsWith("server/") || path.startsWith("node:") || path.includes("rooms/chat/storage"))).toEqual([]);
  });
});

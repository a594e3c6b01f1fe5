/**
 * The game served over https by a server that terminates TLS itself
 * (TLS_CERT, TLS_KEY): the page signs in, matchmakes and plays over wss://.
 */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { killAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { selfSignedCertificate } from "../../tools/tls.ts";
import { launchBrowser, openGame, play } from "./browser.ts";

let server: GameProcess;
let browser: Browser;
beforeAll(async () => {
  const tls = selfSignedCertificate();
  [server, browser] = await Promise.all([
    startProcess({ name: "tls", env: { TLS_CERT: tls.certPath, TLS_KEY: tls.keyPath } }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  killAll();
});

describe("the game over TLS", () => {
  it("plays over wss:// when the page is served over https", async () => {
    const game = await openGame(browser, `https://127.0.0.1:${server.port}`, { ignoreHTTPSErrors: true });
    const sockets: string[] = [];
    game.page.on("websocket", (socket) => sockets.push(socket.url()));
    try {
      await play(game, "Secure");
      expect(sockets.some((url) => url.startsWith(`wss://127.0.0.1:${server.port}/${server.processId}/`))).toBe(true);
      expect(sockets.filter((url) => url.startsWith("ws://"))).toEqual([]);
      expect(game.errors).toEqual([]);
    } finally {
      await game.close();
    }
  });
});

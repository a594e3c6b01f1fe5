import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { measureStock, ourModules, outsideRepository, stockModules } from "./stock.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const PATCHES = join(ROOT, "server/patches");

/** Would `git apply` take this patch forward (or, with reverse, back) in `dir`? */
function applies(dir: string, patch: string, reverse = false): boolean {
  try {
    execFileSync("git", ["apply", "--check", ...(reverse ? ["--reverse"] : []), join(PATCHES, patch)], { cwd: dir, stdio: "ignore", env: outsideRepository(join(dir, "..")) });
    return true;
  } catch {
    return false;
  }
}

describe("the stock Colyseus reference the bench measures beside each move-only run", () => {
  it("runs on the packages as npm installs them: every patch in server/patches undone there, and still applied here", () => {
    const dir = stockModules();
    const patches = readdirSync(PATCHES).filter((f) => f.endsWith(".patch"));
    expect(patches.length).toBeGreaterThan(0);
    for (const patch of patches) {
      // Both directions, so that a check that looked at nothing (and so "applies" either way) fails.
      expect(applies(dir, patch), `${patch} should apply forward in the stock copy`).toBe(true);
      expect(applies(dir, patch, true), `${patch} should not be applied in the stock copy`).toBe(false);
      expect(applies(ROOT, patch, true), `${patch} should still be applied in this checkout`).toBe(true);
      expect(applies(ROOT, patch), `${patch} should not apply twice in this checkout`).toBe(false);
    }
  });

  it("runs on this checkout's patched packages instead when asked to (compare --ours stock-room)", () => {
    // Resolved as the stock room's re-exporting module resolves them; the ws patch stands for all of them.
    const resolveThere = createRequire(join(ourModules(), "stock-packages.mjs")).resolve;
    const resolveStock = createRequire(join(stockModules(), "stock-packages.mjs")).resolve;
    expect(resolveThere("@colyseus/core").startsWith(join(ROOT, "node_modules/@colyseus/core/"))).toBe(true);
    const receiverOf = (transport: string) => {
      const require = createRequire(transport);
      return require(join(dirname(require.resolve("ws")), "lib/receiver.js"));
    };
    const receiverThere = receiverOf(resolveThere("@colyseus/ws-transport"));
    const receiverStock = receiverOf(resolveStock("@colyseus/ws-transport"));
    expect(typeof receiverThere.prototype.fastMessage).toBe("function");
    expect(receiverStock.prototype.fastMessage).toBeUndefined();
  });

  it("carries a move from every client at every step and a patch at the patch rate, and reports both sides' CPU and the bytes sent", async () => {
    const stock = await measureStock(32, 2);
    expect(stock.clients).toBe(32);
    expect(stock.messagesOutPerClientS).toBeGreaterThan(30 * 0.9);
    expect(stock.messagesOutPerClientS).toBeLessThan(30 * 1.1);
    // Colyseus's patch clock is a setInterval that a busy loop delays.
    expect(stock.messagesInPerClientS).toBeGreaterThan(20 * 0.8);
    expect(stock.messagesInPerClientS).toBeLessThan(20 * 1.1);
    // Sixteen moving float32 positions a patch: well over a kilobyte a second.
    expect(stock.bytesInPerClientS).toBeGreaterThan(1000);
    expect(stock.serverCpuMsPerCcuS).toBeGreaterThan(0);
    expect(stock.clientCpuMsPerClientS).toBeGreaterThan(0);
  });
});

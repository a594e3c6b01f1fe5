/**
 * Builds the browser client once before any test file starts (when a source
 * is newer than the bundle): the browser tests load it from the real server.
 */
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildClient(): void {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const result = spawnSync(process.execPath, ["game-client/build.ts", "--if-stale"], { cwd: root, encoding: "utf8" });
  if (result.status !== 0) {
    throw new Error(`Building the game client failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
}

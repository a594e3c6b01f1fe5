/**
 * Runs once before the suite: the server serves dist/client, so build the
 * browser bundle first (skipped when it is newer than every source).
 */
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export default function buildClient() {
  const root = fileURLToPath(new URL("..", import.meta.url));
  execFileSync(process.execPath, ["game-client/build.ts", "--if-stale"], { cwd: root, stdio: "inherit" });
}

/**
 * `npm run dev`: the client rebuilds when game-client/ or rooms/ change
 * (esbuild watch), and the server restarts when server/, rooms/ or shared/ change
 * (node --watch). Reload the page to pick up a new bundle. Ctrl-C stops
 * both; if either one dies, the other is stopped too.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { serverArgv, serverEnv } from "../server/launch.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

// The server decides at boot whether there is a client to serve, so build before it starts.
const first = spawnSync(process.execPath, ["game-client/build.ts", "--if-stale"], { cwd: root, stdio: "inherit" });
if (first.status !== 0) process.exit(first.status ?? 1);

const children: ChildProcess[] = [
  spawn(process.execPath, ["game-client/build.ts", "--watch"], { cwd: root, stdio: "inherit" }),
  // node --watch restarts with SIGTERM and waits for the exit: no drain time in development.
  spawn(process.execPath, serverArgv("--watch-path=server", "--watch-path=rooms", "--watch-path=shared"), { cwd: root, stdio: "inherit", env: { DRAIN_SECONDS: "0", ...process.env, ...serverEnv() } }),
];

let stopping = false;
function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
}

for (const child of children) child.on("exit", (code) => stop(code ?? 0));
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));

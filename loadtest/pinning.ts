/**
 * The bench's and the comparison's core layout on a 2-core machine: servers
 * pinned to core 0 (`taskset -c 0`), the tool itself and every bot worker it
 * forks on core 1, so the bots never take the server's core.
 */
import { spawn, spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";

/** Set in the relaunched tool's environment: the decision to pin was made by its parent. */
const PINNED_ENV = "TICKFORGE_TOOL_PINNED";

export type Pinning =
  /** This process runs on core 1; start servers with `cpus: SERVER_CORE`. */
  | "pinned"
  /** Fewer than 2 cores or no taskset: everything shares the machine. */
  | "unpinned"
  /** This process relaunched itself on core 1 and will exit with the child's code: do nothing more. */
  | "relaunched";

export const SERVER_CORE = "0";

/** Call first thing in a tool's main(). `script` is the tool's own file (fileURLToPath(import.meta.url)). */
export function pinToBotCore(script: string): Pinning {
  if (process.env[PINNED_ENV] === "1") return "pinned";
  if (availableParallelism() < 2 || spawnSync("taskset", ["-c", "0", "true"]).status !== 0) return "unpinned";
  const child = spawn("taskset", ["-c", "1", process.execPath, script, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, [PINNED_ENV]: "1" },
  });
  child.on("exit", (code) => process.exit(code ?? 1));
  return "relaunched";
}

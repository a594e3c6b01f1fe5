/**
 * The bench's and the comparison's core layout on a 2-core machine: servers
 * pinned to core 0 (`taskset -c 0`), the tool itself and every bot worker it
 * forks on core 1, so the bots never take the server's core.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
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

/**
 * Start `node <script> <args>` (on `cpus` with taskset when given) and wait for
 * the first line it prints: a helper process announcing its port, or that it
 * is ready. Fails, naming `what`, if it exits first.
 */
export async function startHelper(what: string, script: string, args: string[], options: { cpus?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ child: ChildProcess; line: string }> {
  const node = [process.execPath, script, ...args];
  const [command, ...rest] = options.cpus ? ["taskset", "-c", options.cpus, ...node] : node;
  const child = spawn(command, rest, { env: options.env ?? process.env, stdio: ["ignore", "pipe", "inherit"] });
  try {
    const [chunk] = await Promise.race([
      once(child.stdout!, "data") as Promise<Buffer[]>,
      once(child, "exit").then(([code]) => { throw new Error(`${what} exited (code ${code}) before it was ready.`); }),
    ]);
    return { child, line: String(chunk).trim() };
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
}

/** Run `node <script> <args>` to its end and parse what it printed as JSON; fails, naming `what`, on a non-zero exit. */
export async function runHelper<T>(what: string, script: string, args: string[]): Promise<T> {
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  child.stdout!.on("data", (chunk: Buffer) => { out += chunk; });
  const [code] = await once(child, "exit");
  if (code !== 0) throw new Error(`${what} exited with code ${code}.`);
  return JSON.parse(out) as T;
}

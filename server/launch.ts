/**
 * The runtime a Tickforge server process runs on: its memory allocator, one
 * glibc setting and two V8 flags. `main()` (server/main.ts) applies them before anything
 * else loads: started without them (`node main.ts`, `npm start`, the
 * Procfile), the process replaces itself, same pid, with one that has them.
 * Launchers that spawn servers themselves (the bench, the probes, the specs,
 * pm2) pass them from here up front, so no relaunch happens there.
 *
 * All four are there for memory (docs/operations.md, "Runtime settings",
 * has what each was measured to save and cost):
 * - jemalloc, when installed (`apt-get install libjemalloc2`): glibc cannot
 *   give back the pages around the socket-read buffers that stay alive;
 * - `MALLOC_ARENA_MAX=2`, for glibc's malloc when jemalloc is absent: fewer
 *   per-thread arenas kept around;
 * - `--max-semi-space-size=8`: the young generation stays at its startup size;
 * - `--heap-growing-percent=30`: the old generation grows by less between
 *   major collections, so a loaded server keeps fewer pooled pages.
 *
 * With server/config.ts, this is the only module that reads process.env: the
 * runtime has to be settled before the configuration is even loaded.
 */
import { existsSync, readFileSync } from "node:fs";
import { ConfigError } from "./errors.ts";

type Env = Record<string, string | undefined>;

/** Node/V8 flags, before the script name. */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8", "--heap-growing-percent=30"];

/** Environment the process needs from its first instruction (the dynamic loader and malloc read it at exec). */
const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** The server's entry point, relative to the repository root. */
export const SERVER_ENTRY = "main.ts";

/** Set in a relaunched process, so that it never relaunches again. */
const RELAUNCHED = "TICKFORGE_RELAUNCHED";

/** argv after the node binary: extra flags (an inspector, say), the server's flags, the entry point. */
export function serverArgv(...extraNodeFlags: string[]): string[] {
  return [...extraNodeFlags, ...SERVER_NODE_FLAGS, SERVER_ENTRY];
}

export type Allocator = { kind: "jemalloc"; library: string } | { kind: "system" };

/** Where Linux distributions install jemalloc's shared library (Debian/Ubuntu, Fedora/RHEL, Alpine/Arch, source builds). */
function jemallocCandidates(): string[] {
  const multiarch = { x64: "x86_64", arm64: "aarch64" }[process.arch as string];
  return [
    ...(multiarch ? [`/usr/lib/${multiarch}-linux-gnu/libjemalloc.so.2`] : []),
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
  ];
}

/** The installed jemalloc library, if any (Linux only: elsewhere LD_PRELOAD means nothing). */
export function findJemalloc(): string | null {
  if (process.platform !== "linux") return null;
  return jemallocCandidates().find((path) => existsSync(path)) ?? null;
}

function preloaded(env: Env): string[] {
  return (env.LD_PRELOAD ?? "").split(/[\s:]+/).filter(Boolean);
}

/**
 * The allocator ALLOCATOR asks for: `auto` (the default) takes jemalloc when
 * it is installed, `jemalloc` insists on it, `system` keeps the C library's.
 * A jemalloc the operator preloaded themselves counts as installed.
 */
export function resolveAllocator(env: Env = process.env, installed: string | null = findJemalloc()): Allocator {
  const wanted = env.ALLOCATOR || "auto";
  if (wanted === "system") return { kind: "system" };
  if (wanted !== "auto" && wanted !== "jemalloc") {
    throw new ConfigError("ALLOCATOR", `expected auto, jemalloc or system, got "${wanted}"`);
  }
  const library = preloaded(env).find((path) => path.includes("libjemalloc")) ?? installed;
  if (library) return { kind: "jemalloc", library };
  if (wanted === "jemalloc") {
    throw new ConfigError("ALLOCATOR", "jemalloc is not installed (Debian/Ubuntu: apt-get install libjemalloc2); set ALLOCATOR=auto or system to run without it");
  }
  return { kind: "system" };
}

/** The environment a server process needs on top of `env`, which it will also inherit. */
export function serverEnv(env: Env = process.env, installed: string | null = findJemalloc()): Record<string, string> {
  const allocator = resolveAllocator(env, installed);
  const extra: Record<string, string> = { ...SERVER_ENV };
  const preloads = preloaded(env);
  if (allocator.kind === "jemalloc" && !preloads.includes(allocator.library)) {
    extra.LD_PRELOAD = [allocator.library, ...preloads].join(":");
  }
  return extra;
}

/** The server's node flags that `execArgv` lacks. */
function missingFlags(execArgv: readonly string[]): string[] {
  return SERVER_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}

/** What this process lacks of the runtime settings, in words (empty when it has them all). */
export function missingRuntimeSettings(env: Env = process.env, execArgv: readonly string[] = process.execArgv): string[] {
  const missing = missingFlags(execArgv);
  for (const [name, value] of Object.entries(serverEnv(env))) {
    if (name === "LD_PRELOAD") missing.push("jemalloc"); // serverEnv() only names it when it is not preloaded yet
    else if (env[name] !== value) missing.push(`${name}=${value}`);
  }
  return missing;
}

/**
 * Make sure this process runs with the runtime settings. When some are
 * missing, replace the process (same pid, same stdio, same arguments) with one
 * started with them; this call then never returns. Call it before loading
 * anything else, since everything loaded so far is thrown away. Throws a
 * ConfigError for a bad ALLOCATOR.
 */
export function relaunchWithRuntimeSettings(): void {
  const missing = missingRuntimeSettings();
  if (missing.length === 0 || process.env[RELAUNCHED] === "1") return;
  if (typeof process.execve !== "function") {
    console.warn(`Tickforge: running without ${missing.join(", ")}: this platform cannot relaunch a process (docs/operations.md, "Runtime settings").`);
    return;
  }
  const flags = [...process.execArgv, ...missingFlags(process.execArgv)];
  process.execve(process.execPath, [process.execPath, ...flags, ...process.argv.slice(1)], {
    ...process.env,
    ...serverEnv(),
    [RELAUNCHED]: "1",
  });
}

/** The allocator this process actually runs on: jemalloc if the loader mapped it. */
export function activeAllocator(): Allocator["kind"] {
  if (process.platform !== "linux") return "system";
  return readFileSync("/proc/self/maps", "utf8").includes("libjemalloc") ? "jemalloc" : "system";
}

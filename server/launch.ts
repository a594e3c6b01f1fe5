/**
 * The runtime a Tickforge server process runs on: its memory allocator, one
 * glibc setting and two V8 flags. `server/main.ts` applies them before anything
 * else loads: started without them (`node main.ts`, `npm start`, the
 * Procfile), the process replaces itself, same pid, with one that has them.
 * Launchers that spawn servers themselves (the bench, the probes, the specs,
 * pm2) pass them from here up front, so no relaunch happens there.
 *
 * All four are there for memory; only the last costs measurable CPU.
 * Measured with `npm run loadtest -- --behaviour move --bots 480 --ramp 3`
 * against a server pinned to one core,
 * alternating runs (docs/operations.md, "Runtime settings", has the figures):
 * - jemalloc, when its library is installed (`apt-get install libjemalloc2`):
 *   Node's socket reads malloc 64 KB and shrink it to the frame's size, and
 *   glibc cannot give back the pages around the frames that stay alive. Under
 *   jemalloc, RSS per connection is a quarter to a third lower (at 480:
 *   20–27 KB against 38–41; at 800: 26 against 39).
 * - `MALLOC_ARENA_MAX=2`, for glibc's malloc when jemalloc is absent: one
 *   arena per allocating thread (V8's compiler and GC helpers, libuv's pool)
 *   kept about 10 MB more at idle and 3 MB more at 480 connections.
 * - `--max-semi-space-size=8`: V8's young generation stays at the 2 × 8 MB
 *   startup already reaches, instead of growing to 2 × 16 MB under load.
 * - `--heap-growing-percent=30`: after each major GC, V8 lets the old
 *   generation grow by 30 % of its live size before the next, instead of up
 *   to four times it. Under load a server promotes garbage into the old
 *   generation steadily, and V8 keeps the pages of each swing pooled: after
 *   three minutes at 480 CCU the full game held 230 MB of RSS by default and
 *   140 MB with a cap of 50 %, for about 3.5 % more server CPU. With the
 *   input-path patches (server/patches) it promotes far less; 30 % instead of
 *   50 % then took the RSS each added move-only connection costs from about
 *   20 KB to 14.5, for 2.5 % more server CPU (docs/operations.md, "Runtime
 *   settings").
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

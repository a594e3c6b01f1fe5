/**
 * How a Tickforge server process is launched. `npm start`, the Procfile, the
 * cluster, the bench, the probes and the specs all start `server/main.ts` with
 * these settings, so what the bench measures is what production runs.
 * server/launch.test.ts fails if package.json or the Procfile drift from them.
 *
 * Both settings cut memory, not speed. Measured with `npm run loadtest --
 * --behaviour move --bots 480 --ramp 3` against a server pinned to one core,
 * alternating runs (docs/benchmarks.md has the bench's figures):
 * - `--max-semi-space-size=8`: V8's young generation stays at the 2 × 8 MB
 *   that startup already reaches, instead of growing to 2 × 16 MB under load.
 *   11 MB less RSS at 480 connections; CPU per CCU-second unchanged, because
 *   a scavenge costs what survives it, not the size of the space it sweeps.
 * - `MALLOC_ARENA_MAX=2`: glibc gives every thread that allocates (V8's
 *   compiler and GC helpers, libuv's pool) an arena of its own and rarely
 *   returns their free pages. Two arenas: about 10 MB less RSS at idle, and
 *   480 connections add 3 MB less on top; CPU unchanged.
 */

/** Node/V8 flags, before the script name. */
export const SERVER_NODE_FLAGS: readonly string[] = ["--max-semi-space-size=8"];

/** Environment the process needs from its first instruction (the allocator reads it at exec). */
export const SERVER_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: "2" };

/** The server's entry point, relative to the repository root. */
export const SERVER_ENTRY = "server/main.ts";

/** argv after the node binary: extra flags (an inspector, say), the server's flags, the entry point. */
export function serverArgv(...extraNodeFlags: string[]): string[] {
  return [...extraNodeFlags, ...SERVER_NODE_FLAGS, SERVER_ENTRY];
}

/**
 * Bundles the browser client with esbuild into dist/client.
 *   node game-client/build.ts            build once
 *   node game-client/build.ts --watch    rebuild on change
 *   node game-client/build.ts --if-stale build only when a source is newer than the bundle
 */
import * as esbuild from "esbuild";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { clientBuildOptions, outdir, sources, stamp } from "./bundle.ts";

const { values: flags } = parseArgs({ options: { watch: { type: "boolean" }, "if-stale": { type: "boolean" } } });

function newest(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let latest = 0;
  for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

mkdirSync(outdir, { recursive: true });
if (flags.watch) {
  const ctx = await esbuild.context(clientBuildOptions());
  await ctx.watch();
  console.log("game-client: watching for changes");
} else if (flags["if-stale"] && existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map(newest))) {
  console.log("game-client: bundle is up to date");
} else {
  await esbuild.build(clientBuildOptions());
  console.log("game-client: built dist/client");
}

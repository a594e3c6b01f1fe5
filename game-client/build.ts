/**
 * Bundles the browser client with esbuild into dist/client.
 *   node game-client/build.ts            build once
 *   node game-client/build.ts --watch    rebuild on change
 *   node game-client/build.ts --if-stale build only when a source is newer than the bundle
 */
import * as esbuild from "esbuild";
import { cpSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "dist/client");
const stamp = join(outdir, ".built");
const sources = [join(root, "game-client"), join(root, "rooms")];

const { values: flags } = parseArgs({ options: { watch: { type: "boolean" }, "if-stale": { type: "boolean" } } });

export const buildOptions: esbuild.BuildOptions = {
  entryPoints: [join(root, "game-client/src/main.ts")],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  outdir,
  sourcemap: true,
  minify: true,
  metafile: true,
  logLevel: "warning",
  plugins: [{
    name: "copy-static",
    setup(build) {
      build.onEnd(() => {
        cpSync(join(root, "game-client/index.html"), join(outdir, "index.html"));
        const assets = join(root, "game-client/public");
        if (existsSync(assets)) cpSync(assets, outdir, { recursive: true });
        writeFileSync(stamp, new Date().toISOString());
      });
    },
  }],
};

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

mkdirSync(outdir, { recursive: true });
if (flags.watch) {
  const ctx = await esbuild.context(buildOptions);
  await ctx.watch();
  console.log("game-client: watching for changes");
} else if (flags["if-stale"] && existsSync(stamp)
  && statSync(stamp).mtimeMs >= Math.max(...sources.map(newestSource))) {
  console.log("game-client: bundle is up to date");
} else {
  await esbuild.build(buildOptions);
  console.log("game-client: built dist/client");
}

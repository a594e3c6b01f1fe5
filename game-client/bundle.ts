/**
 * How the browser client is bundled (esbuild), shared by the build CLI
 * (build.ts), the dev runner and the bundle test. Entry files get a content
 * hash in their name and index.html is rewritten to point at them, so the
 * server can cache scripts for an hour and a rebuild is still picked up.
 */
import * as esbuild from "esbuild";
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));
export const outdir = join(root, "dist/client");
export const stamp = join(outdir, ".built");
/** Folders whose files end up in the bundle: a change in any of them makes it stale. */
export const sources = [join(root, "game-client/src"), join(root, "game-client/index.html"), join(root, "rooms"), join(root, "shared")];

/** Point index.html at the hashed entry and drop bundles from earlier builds. */
function publish(result: esbuild.BuildResult): void {
  const outputs = Object.entries(result.metafile?.outputs ?? {});
  const entry = outputs.find(([path, out]) => out.entryPoint && path.endsWith(".js"));
  if (!entry) return; // a failed build leaves the previous one in place
  const script = basename(entry[0]);
  const html = readFileSync(join(root, "game-client/index.html"), "utf8").replace("./main.js", `./${script}`);
  writeFileSync(join(outdir, "index.html"), html);
  const assets = join(root, "game-client/public");
  if (existsSync(assets)) cpSync(assets, outdir, { recursive: true });
  const current = new Set(outputs.map(([path]) => basename(path)));
  for (const file of readdirSync(outdir)) {
    if (/^main(-[A-Z0-9]+)?\.js(\.map)?$/.test(file) && !current.has(file)) rmSync(join(outdir, file));
  }
  writeFileSync(stamp, new Date().toISOString());
}

export function clientBuildOptions(overrides: Partial<esbuild.BuildOptions> = {}): esbuild.BuildOptions {
  return {
    entryPoints: [join(root, "game-client/src/main.ts")],
    entryNames: "[name]-[hash]",
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
      name: "publish",
      setup(build) {
        build.onEnd((result) => { if (build.initialOptions.write !== false) publish(result); });
      },
    }],
    ...overrides,
  };
}

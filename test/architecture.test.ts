/**
 * The layout's promises, checked on the source: server/ names no room
 * folder, nothing but specs imports test/, and no module imports itself
 * back through others.
 */
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../tools/process.ts";

const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], { cwd: ROOT, encoding: "utf8" })
  .split("\n").filter((f) => f.endsWith(".ts") && !f.startsWith("node_modules/"));

const STATIC = /(?:^|\n)\s*(?:import|export)[^;'"`]*?from\s*["'](\.{1,2}\/[^"']+)["']/g;
const DYNAMIC = /import\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g;

function importsOf(pattern: RegExp): Map<string, string[]> {
  return new Map(files.map((file) => {
    let source = "";
    try { source = readFileSync(join(ROOT, file), "utf8"); } catch { /* deleted in the work tree */ }
    return [file, [...source.matchAll(pattern)].map((m) => normalize(join(dirname(file), m[1])))];
  }));
}

/** Static relative imports (type-only included), as repository paths. */
const staticImports = importsOf(STATIC);
/** Dynamic imports with a literal path: lazy loaders (a descriptor's bots), which may point back without a cycle at load. */
const dynamicImports = importsOf(DYNAMIC);
/** Every relative import. */
const imports = new Map(files.map((file) => [file, [...staticImports.get(file)!, ...dynamicImports.get(file)!]]));

describe("the repository's layout", () => {
  it("server/ imports no room folder: room types are handed to createGameServer", () => {
    const offenders = [...imports].filter(([file]) => file.startsWith("server/"))
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith("rooms/")).map((d) => `${file} → ${d}`));
    expect(offenders).toEqual([]);
  });

  it("nothing but specs imports test/", () => {
    const offenders = [...imports].filter(([file]) => !file.startsWith("test/") && !file.endsWith(".test.ts"))
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith("test/")).map((d) => `${file} → ${d}`));
    expect(offenders).toEqual([]);
  });

  it("has no cycle of static imports", () => {
    const cycles: string[] = [];
    const state = new Map<string, "open" | "done">();
    const stack: string[] = [];
    const visit = (file: string) => {
      state.set(file, "open");
      stack.push(file);
      for (const dep of staticImports.get(file) ?? []) {
        if (!staticImports.has(dep)) continue;
        if (state.get(dep) === "open") cycles.push([...stack.slice(stack.indexOf(dep)), dep].join(" → "));
        else if (!state.has(dep)) visit(dep);
      }
      stack.pop();
      state.set(file, "done");
    };
    for (const file of staticImports.keys()) if (!state.has(file)) visit(file);
    expect(cycles).toEqual([]);
  });

  it("finds the imports it checks", () => {
    expect(imports.get("main.ts")).toContain(relative(ROOT, join(ROOT, "server/main.ts")));
  });
});

/**
 * Every TypeScript file in the project compiles, including the tools no spec
 * imports (the bench, the probes, the cluster launcher): Node runs them by
 * stripping types, so a syntax or type error there would only show when
 * someone runs them.
 */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ROOT } from "../tools/process.ts";

describe("the project", () => {
  it("type-checks with tsc --noEmit", () => {
    const tsc = spawnSync(process.execPath, ["node_modules/typescript/bin/tsc", "--noEmit", "--pretty", "false"], { cwd: ROOT, encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr, "tsc --noEmit reported errors").toBe("");
    expect(tsc.status).toBe(0);
  }, 120_000);
});

/**
 * The browser bundle carries the shared arena files (state, sim, constants)
 * and nothing of the server: no @colyseus/core, nothing under server/ but the
 * catalogue of codes the client reacts to (server/errors.ts), never the Room class.
 */
import * as esbuild from "esbuild";
import { describe, expect, it } from "vitest";
import { clientBuildOptions } from "../../game-client/bundle.ts";

describe("the game client bundle", () => {
  it("contains the shared arena simulation and no server code", async () => {
    const result = await esbuild.build(clientBuildOptions({ write: false, minify: false, sourcemap: false, logLevel: "silent" }));
    const inputs = Object.keys(result.metafile!.inputs);

    expect(inputs).toContain("rooms/arena/sim.ts");
    expect(inputs).toContain("rooms/arena/state.ts");
    expect(inputs).toContain("rooms/arena/constants.ts");
    const forbidden = inputs.filter((path) => path.includes("@colyseus/core") || (path.startsWith("server/") && path !== "server/errors.ts") || path.includes("ArenaRoom"));
    expect(forbidden).toEqual([]);
  });
});

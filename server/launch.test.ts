import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { killAll, ROOT, startProcess } from "../tools/process.ts";
import { ConfigError } from "./errors.ts";
import { findJemalloc, missingRuntimeSettings, resolveAllocator, SERVER_ENTRY, SERVER_NODE_FLAGS, serverArgv, serverEnv } from "./launch.ts";

afterAll(killAll);

/** What the kernel says about a running process: its argv, its environment and whether jemalloc is mapped. */
function inspect(pid: number) {
  const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  const environ = Object.fromEntries(
    readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").filter(Boolean).map((entry) => {
      const at = entry.indexOf("=");
      return [entry.slice(0, at), entry.slice(at + 1)];
    }),
  );
  const jemallocMapped = readFileSync(`/proc/${pid}/maps`, "utf8").includes("libjemalloc");
  return { cmdline, environ, jemallocMapped };
}

const jemalloc = findJemalloc();

describe("how the server is launched", () => {
  it("npm start and the Procfile start the entry point plainly: it applies the runtime settings itself", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts.start.split("&&").at(-1)!.trim()).toBe(`node ${SERVER_ENTRY}`);
    const web = /^web:\s*(.+)$/m.exec(readFileSync(`${ROOT}/Procfile`, "utf8"))?.[1];
    expect(web?.trim()).toBe(`node_modules/.bin/node ${SERVER_ENTRY}`);
  });

  it.runIf(process.platform === "linux")("a server started as plain `node main.ts` relaunches itself, same pid, with the heap flag, the arena limit and jemalloc where it is installed", async () => {
    const server = await startProcess({ name: "plain", launch: "plain" });
    const { cmdline, environ, jemallocMapped } = inspect(server.pid);
    expect(cmdline).toEqual(expect.arrayContaining([...SERVER_NODE_FLAGS]));
    expect(environ.MALLOC_ARENA_MAX).toBe("2");
    expect(jemallocMapped).toBe(jemalloc !== null);
    const listening = await server.waitForLog((l) => l.msg.startsWith("Tickforge listening"));
    expect(listening.allocator).toBe(jemalloc ? "jemalloc" : "system");
  });

  it.runIf(process.platform === "linux")("ALLOCATOR=system keeps the C library's malloc", async () => {
    const server = await startProcess({ name: "system", launch: "plain", env: { ALLOCATOR: "system" } });
    expect(inspect(server.pid).jemallocMapped).toBe(false);
    expect((await server.waitForLog((l) => l.msg.startsWith("Tickforge listening"))).allocator).toBe("system");
  });

  it("a bad ALLOCATOR stops the server with the variable's name and the values it takes", async () => {
    await expect(startProcess({ name: "bad", launch: "plain", env: { ALLOCATOR: "tcmalloc" } }))
      .rejects.toThrow(/ALLOCATOR: expected auto, jemalloc or system, got "tcmalloc"/);
  });

  it("a launcher that passes the settings up front leaves nothing for the server to relaunch for", () => {
    const env = { PATH: "/usr/bin" };
    expect(missingRuntimeSettings({ ...env, ...serverEnv(env) }, SERVER_NODE_FLAGS)).toEqual([]);
    expect(missingRuntimeSettings(env, [])).toEqual(expect.arrayContaining([...SERVER_NODE_FLAGS, "MALLOC_ARENA_MAX=2"]));
  });

  it("jemalloc joins LD_PRELOAD ahead of what the operator preloaded, which stays", () => {
    const installed = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2";
    expect(serverEnv({ LD_PRELOAD: "/opt/trace.so" }, installed).LD_PRELOAD).toBe(`${installed}:/opt/trace.so`);
    expect(serverEnv({ LD_PRELOAD: installed }, installed).LD_PRELOAD).toBeUndefined();
  });

  it("without jemalloc installed, auto runs on the C library's malloc and ALLOCATOR=jemalloc says how to install it", () => {
    expect(resolveAllocator({}, null)).toEqual({ kind: "system" });
    expect(serverEnv({}, null)).toEqual({ MALLOC_ARENA_MAX: "2" });
    expect(() => resolveAllocator({ ALLOCATOR: "jemalloc" }, null)).toThrow(ConfigError);
    expect(() => resolveAllocator({ ALLOCATOR: "jemalloc" }, null)).toThrow(/apt-get install libjemalloc2/);
  });

  it("puts a caller's own node flags before the server's, and the entry point last", () => {
    expect(serverArgv("--inspect=127.0.0.1:0")).toEqual(["--inspect=127.0.0.1:0", ...SERVER_NODE_FLAGS, SERVER_ENTRY]);
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ROOT } from "../test/support/process.ts";
import { SERVER_ENTRY, SERVER_ENV, SERVER_NODE_FLAGS, serverArgv } from "./launch.ts";

/** The words of a shell command line, and its leading VAR=value assignments. */
function parseCommand(line: string): { env: Record<string, string>; words: string[] } {
  const words = line.trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words.length > 0 && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [name, ...value] = words.shift()!.split("=");
    env[name] = value.join("=");
  }
  return { env, words };
}

/** How a launcher starts the server: everything from the last `&&` on. */
function serverCommand(line: string) {
  return parseCommand(line.split("&&").at(-1)!);
}

function expectLaunchedLikeTheBench(line: string) {
  const { env, words } = serverCommand(line);
  expect(env).toEqual(SERVER_ENV);
  expect(words.slice(1)).toEqual([...SERVER_NODE_FLAGS, SERVER_ENTRY]);
}

describe("how the server is launched", () => {
  it("npm start runs the server with the settings the bench measured", () => {
    const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, "utf8")) as { scripts: Record<string, string> };
    expectLaunchedLikeTheBench(pkg.scripts.start);
  });

  it("the Procfile's web process runs the server with the settings the bench measured", () => {
    const web = /^web:\s*(.+)$/m.exec(readFileSync(`${ROOT}/Procfile`, "utf8"))?.[1];
    expect(web, "Procfile has a web line").toBeDefined();
    expectLaunchedLikeTheBench(web!);
  });

  it("puts a caller's own node flags before the server's, and the entry point last", () => {
    expect(serverArgv("--inspect=127.0.0.1:0")).toEqual(["--inspect=127.0.0.1:0", ...SERVER_NODE_FLAGS, SERVER_ENTRY]);
  });
});

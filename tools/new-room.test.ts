/**
 * The scaffold: `npm run new-room -- <name> --template realtime|turn-based`
 * writes a room type that works at once. Both templates are generated into a
 * temporary copy of the repository (its files, node_modules linked), which
 * then type-checks, passes the generated specs, lists the new types on its
 * server, bundles their client modules for the title screen, and plays them
 * with its bot fleet.
 */
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newRoom, NewRoomError } from "./new-room.ts";
import { ROOT, runTool, spawnServer, stopServer, waitForHealth, type ToolServer } from "./process.ts";

const exec = promisify(execFile);

/** Run a command in `cwd` with Node 22, as npm scripts do; resolves with its exit code and output. */
async function run(cwd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, args, { cwd, env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

/** The repository's files as git knows them (tracked, and new ones not ignored), copied to a fresh folder with node_modules linked. */
async function copyOfRepository(): Promise<string> {
  const copy = mkdtempSync(join(tmpdir(), "tickforge-new-room-"));
  const { stdout } = await exec("git", ["ls-files", "-co", "--exclude-standard", "-z"], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  for (const file of stdout.split("\0").filter(Boolean)) {
    if (!existsSync(join(ROOT, file))) continue; // deleted in the work tree
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(ROOT, file), join(copy, file));
  }
  symlinkSync(join(ROOT, "node_modules"), join(copy, "node_modules"), "dir");
  return copy;
}

describe("new-room refuses, writing nothing", () => {
  let root: string;
  let index: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "tickforge-new-room-refusals-"));
    mkdirSync(join(root, "rooms", "arena"), { recursive: true });
    index = readFileSync(join(ROOT, "rooms", "index.ts"), "utf8");
    writeFileSync(join(root, "rooms", "index.ts"), index);
  });
  afterAll(() => { if (root) rmSync(root, { recursive: true, force: true }); });

  const refusal = (name: string | undefined, template: string | undefined = "turn-based", title?: string) => {
    try {
      newRoom({ root, name, template, title });
    } catch (error) {
      expect(error).toBeInstanceOf(NewRoomError);
      expect(readFileSync(join(root, "rooms", "index.ts"), "utf8")).toBe(index);
      expect(readdirSync(join(root, "rooms")).sort()).toEqual(["arena", "index.ts"]);
      return (error as Error).message;
    }
    throw new Error(`new-room accepted ${name} --template ${template}`);
  };

  it.each(["Dots", "9lives", "tic_tac", "-dots", "dots-", "tic--tac", "x".repeat(33)])("a name that is not lower-case words joined by dashes: %s", (name) => {
    expect(refusal(name)).toMatch(/not a room type name: use lower-case letters and digits/);
  });

  it("no name at all", () => {
    expect(refusal(undefined)).toMatch(/Name the room type/);
  });

  it("a name the framework uses", () => {
    expect(refusal("lobby")).toMatch(/"lobby" is taken by the framework/);
  });

  it("a JavaScript reserved word, which could not name the descriptor", () => {
    expect(refusal("class")).toMatch(/reserved word/);
  });

  it("a folder that already exists", () => {
    expect(refusal("arena")).toMatch(/rooms\/arena\/ already exists/);
  });

  it("a title that would not fit in a string literal", () => {
    expect(refusal("quotes", "turn-based", 'Say "hi"')).toMatch(/The title "Say "hi"" may hold letters, digits/);
  });

  it("a template it does not have", () => {
    expect(refusal("pong", "platformer")).toMatch(/--template realtime or --template turn-based \(not "platformer"\)/);
  });
});

describe("a room type generated into a copy of the repository", () => {
  const TYPES = { "spec-turns": "turn-based", "spec-dots": "realtime" } as const;
  let copy: string;
  let originalIndex: string;
  let server: ToolServer | undefined;
  let serverLog = "";
  /** tsc over the copy, started as soon as the types are written: it runs while the bundle builds and the server starts. */
  let typecheck: Promise<{ code: number; output: string }>;

  beforeAll(async () => {
    copy = await copyOfRepository();
    originalIndex = readFileSync(join(copy, "rooms", "index.ts"), "utf8");
    for (const [name, template] of Object.entries(TYPES)) {
      const made = await runTool(join(copy, "tools", "new-room.ts"), [name, "--template", template, ...(name === "spec-turns" ? ["--title", "Spec-Turns!"] : [])]);
      expect(made.stderr).toBe("");
      expect(made.code).toBe(0);
    }
    typecheck = run(copy, ["node_modules/typescript/bin/tsc", "--noEmit", "--pretty", "false"]);
    const built = await run(copy, ["game-client/build.ts"]);
    expect(built.code, built.output).toBe(0);
    server = await spawnServer({ root: copy, stderr: "pipe" });
    server.child.stderr!.on("data", (chunk: Buffer) => { serverLog += chunk.toString(); });
    await waitForHealth(server, 60_000).catch((error: Error) => { throw new Error(`${error.message}\n${serverLog}`); });
  }, 180_000);

  afterAll(async () => {
    if (server) await stopServer(server);
    await typecheck; // never rejects; the copy stays until tsc is done with it
    if (copy) rmSync(copy, { recursive: true, force: true });
  });

  it("adds each type as its folder and one line in rooms/index.ts", () => {
    const index = readFileSync(join(copy, "rooms", "index.ts"), "utf8");
    expect(index).toMatch(/\n {2}await import\("\.\/spec-turns\/index\.ts"\),\n {2}await import\("\.\/spec-dots\/index\.ts"\),\n\);/);
    const added = index.split("\n").filter((line) => !originalIndex.split("\n").includes(line));
    expect(added).toHaveLength(2); // one line each
    for (const name of Object.keys(TYPES)) {
      expect(readdirSync(join(copy, "rooms", name)).sort()).toEqual(expect.arrayContaining(["index.ts", "state.ts", "protocol.ts", "bots.ts", "client"]));
    }
  });

  it("refuses to write a type over an existing folder, with the reason on stderr and exit code 2", async () => {
    const again = await runTool(join(copy, "tools", "new-room.ts"), ["spec-dots", "--template", "realtime"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("new-room: rooms/spec-dots/ already exists");
  });

  it("type-checks with the rest of the repository", async () => {
    const tsc = await typecheck;
    expect(tsc.output).toBe("");
    expect(tsc.code).toBe(0);
  }, 180_000);

  it("passes its generated specs at once", async () => {
    // A clean environment: the nested vitest must not take this run's worker settings for its own.
    const env = {
      ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith("VITEST") && key !== "NODE_OPTIONS" && key !== "FORCE_COLOR")),
      NO_COLOR: "1",
    };
    const specs = await run(copy, ["node_modules/vitest/vitest.mjs", "run", "rooms/spec-turns", "rooms/spec-dots"], env);
    expect(specs.code, specs.output).toBe(0);
    expect(specs.output).toMatch(/Test Files\s+6 passed/);
  }, 180_000);

  it("is listed by the server, and its client module is in the title screen's bundle", async () => {
    const listed = await (await fetch(`${server!.endpoint}/room-types`)).json() as { name: string; title: string }[];
    expect(listed).toEqual(expect.arrayContaining([
      expect.objectContaining({ name: "spec-turns", title: "Spec-Turns!" }),
      expect.objectContaining({ name: "spec-dots", title: "Spec Dots" }),
    ]));
    const bundle = readdirSync(join(copy, "dist", "client")).filter((f) => /^main-.*\.js$/.test(f))
      .map((f) => readFileSync(join(copy, "dist", "client", f), "utf8")).join("\n");
    expect(bundle).toContain("SpecTurnsBoard"); // the play scenes' keys
    expect(bundle).toContain("SpecDotsField");
  });

  it("is played by its bots: npm run loadtest -- --room <name>", async () => {
    const loadtests = await Promise.all(Object.keys(TYPES).map((name) => runTool(join(copy, "loadtest", "cli.ts"), [
      "--endpoint", server!.endpoint, "--room", name, "--bots", "4", "--ramp", "0", "--duration", "6",
      "--out", join(copy, "loadtest-reports"), "--name", name, "--quiet",
      "--assert", "join_ok>=4,join_failed=0,ack_count>0",
    ])));
    for (const run of loadtests) {
      expect(run.stdout + run.stderr).not.toContain("FAIL");
      expect(run.code, run.stdout + run.stderr).toBe(0);
    }
  }, 60_000);
});

/**
 * What a newcomer does: start the real entry point and open the page.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    await once(child, "exit");
  }
});

function startEntryPoint(env: Record<string, string>) {
  child = spawn(process.execPath, ["server/main.ts"], {
    cwd: root,
    env: { ...process.env, REDIS_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return child;
}

/** Resolve with the port from the "Tickforge listening" log line. */
async function listeningPort(proc: ChildProcess): Promise<number> {
  for await (const line of createInterface({ input: proc.stdout! })) {
    if (line.includes("Tickforge listening")) return JSON.parse(line).port;
  }
  throw new Error("the server exited before listening");
}

describe("npm start", () => {
  it("serves the game page, its script and a health check", async () => {
    const port = await listeningPort(startEntryPoint({ PORT: "0" }));
    const page = await fetch(`http://127.0.0.1:${port}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<script");
    const script = html.match(/src="\.?\/?([^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`http://127.0.0.1:${port}/${script}`)).status).toBe(200);
    expect(await (await fetch(`http://127.0.0.1:${port}/health`)).json()).toMatchObject({ status: "ok", redis: "unused" });
  });

  it("refuses to start on bad configuration, naming the variable", async () => {
    const proc = startEntryPoint({ PORT: "not-a-port" });
    let stderr = "";
    proc.stderr!.on("data", (chunk) => { stderr += chunk; });
    const [code] = await once(proc, "exit");
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT: /);
  });
});

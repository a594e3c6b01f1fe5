/**
 * What a newcomer does: start the real entry point and open the page.
 */
import { afterEach, describe, expect, it } from "vitest";
import { killAll, startProcess } from "../tools/process.ts";

afterEach(killAll);

describe("npm start", () => {
  it("serves the game page, its script and a health check", async () => {
    const { endpoint } = await startProcess({ name: "start" });
    const page = await fetch(`${endpoint}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("<script");
    const script = html.match(/src="\.?\/?([^"]+\.js)"/)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${endpoint}/${script}`)).status).toBe(200);
    expect(await (await fetch(`${endpoint}/health`)).json()).toEqual({ status: "ok" });
  });

  it("refuses to start in production without AUTH_SECRET", async () => {
    await expect(startProcess({ name: "production", env: { NODE_ENV: "production", AUTH_SECRET: "" } }))
      .rejects.toThrow(/exited \(1\)[\s\S]*AUTH_SECRET: required when NODE_ENV=production/);
  });

  it("refuses to start on bad configuration, naming the variable", async () => {
    await expect(startProcess({ name: "misconfigured", env: { PORT: "not-a-port" } }))
      .rejects.toThrow(/exited \(1\)[\s\S]*PORT: /);
  });
});

/**
 * Without ALLOWED_ORIGINS: the server's own origin, and localhost pages in
 * development only.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EdgeErrorCode } from "../../shared/protocol.ts";
import { killAll, startProcess, type GameProcess } from "../../tools/process.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { tryUpgrade } from "./support.ts";

let development: TestServer;
let production: GameProcess;
beforeAll(async () => {
  [development, production] = await Promise.all([startServer(), startProcess({ name: "production", env: { NODE_ENV: "production" } })]);
});
afterAll(async () => {
  await development?.close();
  killAll();
});

describe("default origins", () => {
  it("in development, admits the server's own origin and localhost pages, and refuses others", async () => {
    expect(await tryUpgrade(development.port, "/", { origin: `http://127.0.0.1:${development.port}` })).toEqual({ opened: true });
    expect(await tryUpgrade(development.port, "/", { origin: "http://localhost:5173" })).toEqual({ opened: true });
    expect(await tryUpgrade(development.port, "/", { origin: "https://evil.example" })).toMatchObject({ opened: false, body: { code: EdgeErrorCode.ORIGIN_NOT_ALLOWED } });
  });

  it("in production, admits only the server's own origin", async () => {
    expect(await tryUpgrade(production.port, "/", { origin: `http://127.0.0.1:${production.port}` })).toEqual({ opened: true });
    expect(await tryUpgrade(production.port, "/", { origin: "http://localhost:5173" })).toMatchObject({ opened: false, body: { code: EdgeErrorCode.ORIGIN_NOT_ALLOWED } });
  });
});

/**
 * The operator's routes (announce, notify, mute, unmute, kick) act only for
 * the operator token, ADMIN_TOKEN, and do not exist without one.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OperatorRoute } from "../server/ops/http.ts";
import { operatorPost } from "../tools/notifications.ts";
import { startServer, type TestServer } from "../tools/server.ts";

const ADMIN_TOKEN = "operator-token-for-the-routes-spec";
const bodies: Record<string, unknown> = {
  [OperatorRoute.ANNOUNCE]: { text: "Maintenance at noon" },
  [OperatorRoute.NOTIFY]: { userId: "guest-someone", text: "hello" },
  [OperatorRoute.MUTE]: { userId: "guest-someone", seconds: 60, reason: "spam" },
  [OperatorRoute.UNMUTE]: { userId: "guest-someone" },
  [OperatorRoute.KICK]: { userId: "guest-someone", reason: "spam" },
};

describe("with ADMIN_TOKEN set", () => {
  let ts: TestServer;
  beforeAll(async () => { ts = await startServer({ ADMIN_TOKEN }); });
  afterAll(async () => { await ts?.close(); });

  it.each(Object.values(OperatorRoute))("refuses POST %s without the operator token", async (path) => {
    const answer = await operatorPost(ts.endpoint, path, bodies[path]);
    expect(answer).toEqual({ status: 401, body: { error: "Send the operator token: Authorization: Bearer <ADMIN_TOKEN>." } });
  });

  it.each(Object.values(OperatorRoute))("refuses POST %s with a wrong token", async (path) => {
    expect((await operatorPost(ts.endpoint, path, bodies[path], "not-the-operator-token")).status).toBe(401);
  });

  it("answers a malformed request with 400 and what to fix", async () => {
    const answer = await operatorPost(ts.endpoint, OperatorRoute.MUTE, { userId: "guest-someone", seconds: 60 }, ADMIN_TOKEN);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(/reason/);
  });
});

describe("without ADMIN_TOKEN", () => {
  let ts: TestServer;
  beforeAll(async () => { ts = await startServer({}); });
  afterAll(async () => { await ts?.close(); });

  it.each(Object.values(OperatorRoute))("has no POST %s, and says how to turn it on", async (path) => {
    const answer = await operatorPost(ts.endpoint, path, bodies[path], "any-token-at-all-really");
    expect(answer.status).toBe(404);
    expect(answer.body.error).toContain("ADMIN_TOKEN");
  });
});

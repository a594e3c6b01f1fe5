import { Client, type FetchFn } from "@colyseus/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../tools/process.ts";
import { startServer, type TestServer } from "../tools/server.ts";
import { botFetch } from "./bot-http.ts";
import { requestGuestToken } from "../shared/guest-api.ts";

const viaBotHttp = (endpoint: string) => new Client(endpoint, { fetchFn: botFetch as unknown as FetchFn });
const viaFetch = (endpoint: string) => new Client(endpoint);

async function refusal(join: Promise<unknown>): Promise<{ name: string; code: unknown; message: string }> {
  const error = await join.then(() => { throw new Error("the join was expected to fail"); }, (e: any) => e);
  return { name: error.constructor.name, code: error.code, message: error.message };
}

describe("the bots' matchmaking HTTP client", () => {
  let server: TestServer;
  beforeAll(async () => { server = await startServer(); });
  afterAll(async () => { await server.close(); });

  it("signs in and joins a room through the SDK", async () => {
    const client = viaBotHttp(server.endpoint);
    client.auth.token = (await requestGuestToken(server.endpoint, "bot", botFetch as never)).token;
    const room = await client.joinOrCreate("arena", { name: "bot" });
    expect(room.sessionId).toMatch(/\S/);
    await room.leave(true);
  });

  it("gives the SDK the same error as fetch when the server refuses the request", async () => {
    const expected = await refusal(viaFetch(server.endpoint).joinOrCreate("no-such-room"));
    const actual = await refusal(viaBotHttp(server.endpoint).joinOrCreate("no-such-room"));
    expect(expected.message).toMatch(/no-such-room/);
    expect(actual).toEqual(expected);
  });

  it("gives the SDK the network error's code when nothing listens", async () => {
    const endpoint = `http://127.0.0.1:${await freePort()}`; // free: nothing listens there
    const expected = await refusal(viaFetch(endpoint).joinOrCreate("arena"));
    const actual = await refusal(viaBotHttp(endpoint).joinOrCreate("arena"));
    expect(expected.code).toBe("ECONNREFUSED");
    expect(actual.code).toBe(expected.code);
  });
});

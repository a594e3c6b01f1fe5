import { describe, expect, it } from "vitest";
import { loadConfig } from "../server/config.ts";
import { ConfigError } from "../server/errors.ts";

describe("configuration", () => {
  it("defaults to one local process on port 2567 at 30 Hz", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 2567, redisUrl: undefined, tickRate: 30, reconnectSeconds: 20, logLevel: "info" });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every setting from the environment", () => {
    const config = loadConfig({
      PORT: "3000", REDIS_URL: "redis://127.0.0.1:6379", PUBLIC_ADDRESS: "game1.example.com",
      LOG_LEVEL: "debug", TICK_RATE: "60", RECONNECT_SECONDS: "5",
    });
    expect(config).toMatchObject({
      port: 3000, redisUrl: "redis://127.0.0.1:6379", publicAddress: "game1.example.com",
      logLevel: "debug", tickRate: 60, reconnectSeconds: 5,
    });
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig({ REDIS_URL: "", PORT: "" })).toMatchObject({ redisUrl: undefined, port: 2567 });
  });

  it.each([
    ["PORT", "http"],
    ["PORT", "70000"],
    ["REDIS_URL", "localhost:6379"],
    ["TICK_RATE", "0"],
    ["LOG_LEVEL", "loud"],
  ])("rejects %s=%s with an error naming the variable", (variable, value) => {
    let error: unknown;
    try { loadConfig({ [variable]: value }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toMatch(new RegExp(`^${variable}: `));
  });
});

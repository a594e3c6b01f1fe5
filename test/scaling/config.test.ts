/** The scale-out settings: validated at boot, named when wrong. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { ConfigError } from "../../server/errors.ts";

function problemWith(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`accepted ${JSON.stringify(env)}`);
}

describe("scale-out configuration", () => {
  it("has defaults that drain within a platform's usual 30 s stop timeout and leave the monitor and announcements off", () => {
    const config = loadConfig({});
    expect(config.drainSeconds).toBe(20);
    expect(config.maxRoomsPerProcess).toBe(500);
    expect(config.maxCcuPerProcess).toBe(2000);
    expect(config.monitor).toBeUndefined();
    expect(config.adminToken).toBeUndefined();
  });

  it("refuses a PUBLIC_ADDRESS with a scheme, which the SDK would double", () => {
    expect(problemWith({ PUBLIC_ADDRESS: "ws://game-1.example.com" }).variable).toBe("PUBLIC_ADDRESS");
    expect(loadConfig({ PUBLIC_ADDRESS: "play.example.com/p2" }).publicAddress).toBe("play.example.com/p2");
  });

  it("refuses monitor credentials given by halves", () => {
    expect(problemWith({ MONITOR_USERNAME: "ops" }).message).toMatch(/MONITOR_PASSWORD: set MONITOR_USERNAME and MONITOR_PASSWORD together/);
  });

  it("refuses a short admin token and a negative drain", () => {
    expect(problemWith({ ADMIN_TOKEN: "short" }).variable).toBe("ADMIN_TOKEN");
    expect(problemWith({ DRAIN_SECONDS: "-1" }).variable).toBe("DRAIN_SECONDS");
  });
});

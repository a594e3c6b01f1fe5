import { Room } from "@colyseus/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../server/config.ts";
import { ConfigError } from "../server/errors.ts";
import { defineRoomType } from "../server/room/room-type.ts";

/** A room type with two settings, as its folder's index.ts would declare it. */
const quiz = defineRoomType({
  name: "quiz",
  title: "Quiz",
  summary: "A test type.",
  room: class QuizRoom extends Room {},
  settings: z.object({ roundSeconds: z.number().min(5).default(60), hardMode: z.boolean().default(false) }),
});

describe("configuration", () => {
  it("defaults to one local process on port 2567 at 30 Hz", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 2567, redisUrl: undefined, rooms: { tickRate: 30, patchRate: 20, reconnectSeconds: 20 }, logLevel: "info" });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("reads every setting from the environment", () => {
    const config = loadConfig({
      PORT: "3000", REDIS_URL: "redis://127.0.0.1:6379", PUBLIC_ADDRESS: "game1.example.com",
      LOG_LEVEL: "debug", TICK_RATE: "60", PATCH_RATE: "30", RECONNECT_SECONDS: "5",
    });
    expect(config).toMatchObject({
      port: 3000, redisUrl: "redis://127.0.0.1:6379", publicAddress: "game1.example.com",
      logLevel: "debug", rooms: { tickRate: 60, patchRate: 30, reconnectSeconds: 5 },
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

  it("gives a room type its settings' defaults", () => {
    expect(loadConfig({}, [quiz]).roomSettings.quiz).toEqual({ roundSeconds: 60, hardMode: false });
  });

  it("overrides a room type's setting from its namespaced variable", () => {
    expect(loadConfig({ QUIZ_ROUND_SECONDS: "90", QUIZ_HARD_MODE: "true" }, [quiz]).roomSettings.quiz).toEqual({ roundSeconds: 90, hardMode: true });
  });

  it("rejects a bad room type setting with an error naming its variable", () => {
    let error: unknown;
    try { loadConfig({ QUIZ_ROUND_SECONDS: "2" }, [quiz]); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe("QUIZ_ROUND_SECONDS");
  });

  it("generates an identity secret outside production, and says so", () => {
    const config = loadConfig({});
    expect(config.auth.secretGenerated).toBe(true);
    expect(config.auth.secret.length).toBeGreaterThanOrEqual(32);
    expect(loadConfig({ AUTH_SECRET: "s".repeat(32) }).auth).toMatchObject({ secret: "s".repeat(32), secretGenerated: false });
  });

  it("refuses to start in production without AUTH_SECRET", () => {
    expect(() => loadConfig({ NODE_ENV: "production" })).toThrow(/^AUTH_SECRET: required when NODE_ENV=production/);
    expect(loadConfig({ NODE_ENV: "production", AUTH_SECRET: "s".repeat(32) }).production).toBe(true);
  });

  it("exempts loopback from the per-address limits by default outside production only, and UNLIMITED_ADDRESSES overrides that", () => {
    expect(loadConfig({}).edge.unlimitedAddresses).toEqual(["127.0.0.1", "::1"]);
    expect(loadConfig({ NODE_ENV: "production", AUTH_SECRET: "s".repeat(32) }).edge.unlimitedAddresses).toEqual([]);
    expect(loadConfig({ UNLIMITED_ADDRESSES: "" }).edge.unlimitedAddresses).toEqual([]);
    expect(loadConfig({ UNLIMITED_ADDRESSES: "10.0.0.7" }).edge.unlimitedAddresses).toEqual(["10.0.0.7"]);
    expect(loadConfig({ NODE_ENV: "production", AUTH_SECRET: "s".repeat(32), UNLIMITED_ADDRESSES: "10.0.0.7" }).edge.unlimitedAddresses).toEqual(["10.0.0.7"]);
  });

  it("takes an external identity provider only with its issuer and audience", () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: "https://id.example.com/jwks.json" })).toThrow(/^AUTH_JWKS_ISSUER: /);
    expect(loadConfig({ AUTH_JWKS_URL: "https://id.example.com/jwks.json", AUTH_JWKS_ISSUER: "https://id.example.com", AUTH_JWKS_AUDIENCE: "game" }).auth.external)
      .toEqual({ jwksUrl: "https://id.example.com/jwks.json", issuer: "https://id.example.com", audience: "game" });
  });

  it("refuses a plain-http identity provider key set in production", () => {
    const provider = { AUTH_JWKS_ISSUER: "https://id.example.com", AUTH_JWKS_AUDIENCE: "game", AUTH_SECRET: "s".repeat(32) };
    expect(() => loadConfig({ ...provider, NODE_ENV: "production", AUTH_JWKS_URL: "http://id.example.com/jwks.json" })).toThrow(/^AUTH_JWKS_URL: must be https: when NODE_ENV=production/);
    expect(loadConfig({ ...provider, AUTH_JWKS_URL: "http://127.0.0.1:9/jwks.json" }).auth.external?.jwksUrl).toBe("http://127.0.0.1:9/jwks.json");
  });

  it.each([
    ["ALLOWED_ORIGINS", "play.example.com"],
    ["TRUSTED_PROXIES", "haproxy"],
    ["AUTH_SECRET", "short"],
  ])("rejects %s=%s with an error naming the variable", (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^${variable}: `));
  });
});

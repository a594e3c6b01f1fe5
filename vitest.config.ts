import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["rooms/**/*.test.ts", "server/**/*.test.ts", "loadtest/**/*.test.ts", "bench/**/*.test.ts", "shared/**/*.test.ts", "tools/**/*.test.ts", "game-client/**/*.test.ts", "test/**/*.test.ts"],
    // Each file boots its own server: Colyseus keeps one matchmaker per process.
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

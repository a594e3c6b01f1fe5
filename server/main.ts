/**
 * Entry point. The process first settles its runtime (server/launch.ts):
 * started without the allocator and heap settings, it replaces itself, same
 * pid, with a process that has them. Only then does the server load
 * (server/serve.ts), so nothing is loaded twice.
 */
import { ConfigError } from "./errors.ts";
import { relaunchWithRuntimeSettings } from "./launch.ts";

try {
  relaunchWithRuntimeSettings();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Tickforge cannot start: ${error.message}`);
  process.exit(1);
}
await import("./serve.ts");

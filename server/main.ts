/**
 * Starting a server process, for the entry point (main.ts at the
 * repository root), which hands in the room types. The process first
 * settles its runtime (server/launch.ts): started without the allocator and
 * heap settings, it replaces itself, same pid, with a process that has them.
 * Only then do the server and the room types load (server/serve.ts), so
 * nothing is loaded twice.
 */
import { ConfigError } from "./errors.ts";
import { relaunchWithRuntimeSettings } from "./launch.ts";
import type { RoomType } from "./room/room-type.ts";

export async function main(loadRoomTypes: () => Promise<readonly RoomType[]>): Promise<void> {
  try {
    relaunchWithRuntimeSettings();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`Tickforge cannot start: ${error.message}`);
    process.exit(1);
  }
  const [{ serve }, roomTypes] = await Promise.all([import("./serve.ts"), loadRoomTypes()]);
  await serve(roomTypes);
}

/** The game server's entry point: the framework (server/) with the room types this repository offers (rooms/index.ts). */
import { main } from "./server/main.ts";

await main(async () => (await import("./rooms/index.ts")).roomTypes);

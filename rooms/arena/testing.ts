/** The arena's test helpers (its descriptor's `testing`): reach the server-side room and stage positions. */
import type { Room } from "@colyseus/sdk";
import type { ArenaRoom } from "./ArenaRoom.ts";
import { localRoom } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";

export { localRoom };

/** Positions travel as 16-bit fixed point: each step may round by ~0.03 units. */
export const WIRE_TOLERANCE = 0.5;

/** The server-side instance of an arena room the test joined. */
export function serverRoomOf(room: Room): ArenaRoom {
  return localRoom(room.roomId) as unknown as ArenaRoom;
}

/** Put a player somewhere on the map and wait until its client sees it there. */
export async function placeAt(room: Room, x: number, y: number, sessionId = room.sessionId): Promise<void> {
  const player = serverRoomOf(room).state.players.get(sessionId)!;
  player.x = x;
  player.y = y;
  await waitForState(room, (s) => {
    const p = s.players.get(sessionId);
    return p && Math.abs(p.x - x) < WIRE_TOLERANCE && Math.abs(p.y - y) < WIRE_TOLERANCE;
  }, 10_000, `player ${sessionId} to appear at (${x}, ${y})`);
}

/** Call `observe` after every fixed step the server room runs, with the step's tick. */
export function afterEveryStep(room: ArenaRoom, observe: (tick: number) => void): void {
  room.observeSteps((tick) => observe(tick));
}

/**
 * When the browser goes offline, @colyseus/sdk closes every socket it has
 * open, so each room drops at once instead of when the network returns. But
 * each close removes its socket from the list being walked (its onclose runs
 * at once), so with more than one socket open (the game room and the chat's)
 * every other one is skipped and keeps looking open until the network is
 * back. This listener, added after the SDK's, closes the ones it skipped the
 * same way (close code MAY_TRY_RECONNECT, so each room's own reconnection
 * takes over).
 */
import type { Room } from "@colyseus/sdk";
import { CloseCode } from "../../../shared/protocol.ts";

export function closeSkippedOnOffline(rooms: () => Iterable<Room | undefined>): () => void {
  const close = () => {
    for (const room of rooms()) {
      // A socket the SDK closed is no longer open (CLOSING): closing it again would fire its onclose twice.
      if (room?.connection?.isOpen) room.connection.close(CloseCode.MAY_TRY_RECONNECT);
    }
  };
  addEventListener("offline", close);
  return () => removeEventListener("offline", close);
}

/**
 * What survives a page reload: the seat (reconnection token, per tab, so it
 * lives in sessionStorage) and the player's name (per browser, localStorage).
 */
const SEAT_KEY = "tickforge.seat";
/** Where the player's name is kept (also read by specs that open a page as a named player). */
export const NAME_KEY = "tickforge.name";

export interface StoredSeat {
  /** The SDK's `room.reconnectionToken` ("roomId:token"); it changes on every reconnect. */
  token: string;
  name: string;
  sessionId: string;
  /** The room type the seat is in, so the right client module takes it back. */
  roomType: string;
}

function storage(kind: "sessionStorage" | "localStorage"): Storage | undefined {
  try {
    return globalThis[kind];
  } catch {
    return undefined; // storage disabled (privacy mode): the game still plays, it just can't resume
  }
}

export function loadSeat(): StoredSeat | undefined {
  const raw = storage("sessionStorage")?.getItem(SEAT_KEY);
  if (!raw) return undefined;
  try {
    const seat = JSON.parse(raw) as Partial<StoredSeat>;
    if (typeof seat.token === "string" && seat.token.includes(":") && typeof seat.sessionId === "string" && typeof seat.roomType === "string" && seat.roomType) {
      return { token: seat.token, sessionId: seat.sessionId, roomType: seat.roomType, name: typeof seat.name === "string" ? seat.name : "" };
    }
  } catch {
    // a corrupt entry is simply forgotten below
  }
  forgetSeat();
  return undefined;
}

export function saveSeat(seat: StoredSeat): void {
  storage("sessionStorage")?.setItem(SEAT_KEY, JSON.stringify(seat));
}

export function forgetSeat(): void {
  storage("sessionStorage")?.removeItem(SEAT_KEY);
}

export function loadName(): string {
  return storage("localStorage")?.getItem(NAME_KEY) ?? "";
}

export function saveName(name: string): void {
  storage("localStorage")?.setItem(NAME_KEY, name);
}

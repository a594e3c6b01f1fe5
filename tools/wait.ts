/**
 * Waiting on what clients see (state, signals), never on sleeps: for specs,
 * room types' test helpers and probes.
 */
import type { Room } from "@colyseus/sdk";

/** True once the room's first full state has been decoded (before that, its fields are unset). */
function hasFirstState(room: Room<any>): boolean {
  const state = room.state as any;
  return state !== undefined && Object.keys(state.toJSON()).length > 0;
}

/** Resolve when `predicate` holds after a state patch; fail after `timeoutMs`. */
export function waitForState<T>(room: Room<any>, predicate: (state: any) => T | undefined | false, timeoutMs = 10_000, what = "state condition"): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (!hasFirstState(room)) return;
      const value = predicate(room.state);
      if (value !== undefined && value !== false) {
        clearTimeout(timer);
        room.onStateChange.remove(check);
        resolve(value as T);
      }
    };
    const timer = setTimeout(() => {
      room.onStateChange.remove(check);
      reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    room.onStateChange(check);
    check();
  });
}

/** Resolve with the arguments of the next emission of an SDK signal (onLeave, onReconnect…). */
export function nextSignal<A extends unknown[]>(signal: { once(cb: (...args: A) => void): void }, timeoutMs = 10_000, what = "signal"): Promise<A> {
  return new Promise((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => { done = true; reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
    signal.once((...args: A) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(args);
    });
  });
}

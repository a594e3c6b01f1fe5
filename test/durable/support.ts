/** Reading what a durable room saved, for the specs: its snapshot in the Store, with its state decoded. */
import { join } from "node:path";
import { Decoder, type Schema } from "@colyseus/schema";
import { decodeSnapshot, durableKeys, type RoomSnapshot } from "../../server/room/durable.ts";
import { SqliteStore, type Store } from "../../server/storage/index.ts";
import { eventually } from "../scaling/support.ts";

/** The SQLite Store a process without Redis keeps under `dataDir`. */
export function storeIn(dataDir: string): Store {
  return new SqliteStore({ path: join(dataDir, "tickforge.sqlite") });
}

/** The room's latest snapshot and its state decoded with `State`, or undefined when there is none. */
export async function snapshotOf<S extends Schema>(store: Store, roomId: string, State: new () => S): Promise<{ snapshot: RoomSnapshot; state: S } | undefined> {
  const document = await store.getDocument(durableKeys.snapshot(roomId));
  if (!document) return undefined;
  const snapshot = decodeSnapshot(document.value);
  const state = new State();
  new Decoder(state).decode(snapshot.state);
  return { snapshot, state };
}

/** Wait until the room's snapshot satisfies `predicate` (a write after a change the spec made). */
export async function waitForSnapshot<S extends Schema>(store: Store, roomId: string, State: new () => S, predicate: (state: S, snapshot: RoomSnapshot) => unknown, timeoutMs = 15_000): Promise<{ snapshot: RoomSnapshot; state: S }> {
  return await eventually(async () => {
    const found = await snapshotOf(store, roomId, State);
    if (!found) throw new Error("no snapshot");
    if (!predicate(found.state, found.snapshot)) throw new Error(`not yet: ${JSON.stringify(found.state.toJSON())}`);
    return found;
  }, timeoutMs, `a snapshot of room ${roomId} that satisfies the spec`);
}

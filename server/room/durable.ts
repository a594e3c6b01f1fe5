/**
 * Durable rooms: a room of a type whose descriptor says `durable` outlives
 * its process. The piece writes a snapshot of the room to the Store every
 * `snapshotMs` (its own timer, never inside the fixed step), again when the
 * seats change, and a last one when its process drains; a restarted process
 * (one machine, no Redis) or a surviving one (Redis: the placement reaper
 * reports the dead) restores the room under the same room id, listed again,
 * with every seat held for its owner, who resumes it with its reconnection
 * token (shared/resume.ts). docs/scaling.md says what players see.
 *
 * A snapshot holds the whole encoded state (the fields every view sees and
 * those only some do), the seats (session id, reconnection token, identity),
 * the room's private fields through its `snapshot()`/`restore()`, the room
 * clock, metadata, lock, create options, and the type's snapshot version. A
 * snapshot that cannot be read, of an unknown type or another version is
 * not restored: the room is recorded as lost with the reason, which the
 * reconnect route tells its players (MatchmakingErrorCode.ROOM_LOST).
 */
import { matchMaker, RoomPlugin, type Client, type Room } from "@colyseus/core";
import { ArraySchema, CollectionSchema, Decoder, MapSchema, SetSchema, type Schema } from "@colyseus/schema";
import { pack, unpack } from "msgpackr";
import { CloseCode } from "../../shared/protocol.ts";
import { logger } from "../logger.ts";
import type { Store } from "../storage/store.ts";
import { createRoomWithId, encodeWholeState, holdRestoredSeat, lockedExplicitly, nextRefIdOf, raiseNextRefId, seatsOf, type KnownSeat } from "./colyseus-internals.ts";
import { ROOM_SETUP_OPTION, type RoomSetup } from "./lifecycle.ts";
import type { Durability, RoomType } from "./room-type.ts";

/** What a durable room type may add to its Room: its private fields (not in the state) as plain data, and back. */
export interface DurableHost {
  snapshot?(): unknown;
  restore?(fields: unknown): void;
}

/** The setup a durable type's rooms get: the type's durability and who holds its rooms (this process with Redis, "local" without). */
export interface DurableSetup extends Durability {
  holder(): string;
}

export interface RoomSnapshot {
  format: typeof SNAPSHOT_FORMAT;
  type: string;
  version: number;
  roomId: string;
  /** Which holder's set lists the room: the process id with Redis, "local" on one machine. */
  holder: string;
  takenAt: number;
  createOptions: Record<string, unknown>;
  state: Uint8Array;
  nextRefId: number;
  clockMs: number;
  metadata: unknown;
  /** Locked by the room itself (not merely full: Colyseus locks a full room and lifts that when a seat frees). */
  locked: boolean;
  fields: unknown;
  seats: KnownSeat[];
}

export const SNAPSHOT_FORMAT = 1;

/**
 * A snapshot nobody restores expires after this, ms: its room is gone and
 * its players' reconnection is refused. Every write renews it.
 */
export const RESTORE_WITHIN_MS = 60_000;
/** How long a lost room's reason is kept for its players' reconnection attempts, ms. */
const LOST_REASON_MS = 10 * 60_000;
/** A claim to restore a room lasts this long unless released, ms: a survivor that dies mid-restore lets another try. */
const CLAIM_MS = 15_000;
/** Where the first survivor to notice a dead peer tells the others (presence pub/sub): a PeerLost. */
export const PEER_LOST_CHANNEL = "tickforge:peer-lost";

/**
 * A dead peer and the rooms it held, listed once by the survivor that noticed:
 * a survivor reading the list itself could find it already short of a room
 * another had restored, and count every share after it one out.
 */
export interface PeerLost {
  processId: string;
  roomIds: string[];
}

/** A PEER_LOST_CHANNEL message, or undefined; a bare process id (a process of the release before) lists no rooms. */
export function peerLostOf(message: unknown): { processId: string; roomIds?: string[] } | undefined {
  if (typeof message === "string") return { processId: message };
  const lost = message as Partial<PeerLost> | null;
  if (typeof lost?.processId !== "string" || !Array.isArray(lost.roomIds) || !lost.roomIds.every((id) => typeof id === "string")) return undefined;
  return { processId: lost.processId, roomIds: lost.roomIds };
}
/** How long a survivor leaves a dead peer's room to the survivor it was given to before claiming it itself, ms. */
export const RESTORE_HANDOFF_MS = 1500;
const MAX_HELD = 1_000_000;

export const durableKeys = Object.freeze({
  snapshot: (roomId: string) => `durable:snapshot:${roomId}`,
  held: (holder: string) => `durable:held:${holder}`,
  claim: (roomId: string) => `durable:claim:${roomId}`,
  lost: (roomId: string) => `durable:lost:${roomId}`,
});

const pieces = new WeakMap<Room, DurableRoom>();
/** Snapshots being restored, by room id: the piece of the room created under that id applies it (never a client's option). */
const restoring = new Map<string, RoomSnapshot>();

/** The durable piece of a room, when its type is durable. */
export function durableOf(room: Room | undefined): DurableRoom | undefined {
  return room ? pieces.get(room) : undefined;
}

type DurableRoomHost = Room & DurableHost & { settings: { reconnectSeconds: number }; store: Store };

export class DurableRoom extends RoomPlugin<DurableRoomHost> {
  readonly pluginName = "durable" as const;
  /** It reads the room's state after the room's own onCreate built it, and counts joins the room accepted. */
  protected override order = { onCreate: "after", onJoin: "after" } as const;
  #setup: DurableSetup | undefined;
  #createOptions: Record<string, unknown> = {};
  #stateBytes = 8 * 1024;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;
  #writeAgain = false;
  #soon: NodeJS.Immediate | undefined;
  /** Writing snapshots (after the restorer confirmed it owns the id, for a restored room), until it moves or ends. */
  #live = false;
  #began = false;
  /** Moving to another process: its last snapshot stays in the Store when it disposes. */
  #moving = false;
  /** The room's own lock when its process began draining: the drain's lock is the process's, and the restored copy takes new players. */
  #lockedBeforeDrain: boolean | undefined;
  /** What its snapshots cost so far (bench/snapshot.ts): how many, main-thread ms taking them, ms until stored, the last one's size. */
  readonly cost = { snapshots: 0, encodeMs: 0, storeMs: 0, bytes: 0 };

  get active(): boolean {
    return this.#setup !== undefined;
  }

  /** Its last snapshot is written and it is closing to be restored elsewhere under the same room id. */
  get moving(): boolean {
    return this.#moving;
  }

  protected override onCreate(options: Record<string, unknown> | undefined): void {
    const setup = options?.[ROOM_SETUP_OPTION] as (RoomSetup & { durable?: DurableSetup }) | undefined;
    if (!setup?.durable) return;
    this.#setup = setup.durable;
    this.#stateBytes = setup.stateBufferBytes * 2;
    const { [ROOM_SETUP_OPTION]: _setup, ...createOptions } = options ?? {};
    this.#createOptions = createOptions;
    pieces.set(this.room, this);
    const snapshot = restoring.get(this.room.roomId);
    if (snapshot) this.#apply(snapshot); // the restorer calls begin() once the id is this process's
    else this.begin();
  }

  protected override onJoin(): void {
    this.seatsChanged();
  }

  protected override async onDispose(): Promise<void> {
    if (!this.#setup) return;
    clearInterval(this.#timer);
    if (this.#soon) clearImmediate(this.#soon);
    this.#live = false;
    await this.#writing;
    if (this.#moving || !this.#began) return;
    // The room ended (its players left): nothing to restore.
    const store = this.room.store;
    await store.deleteDocument(durableKeys.snapshot(this.room.roomId)).catch(() => undefined);
    await store.removeFromSet(durableKeys.held(this.#setup.holder()), this.room.roomId).catch(() => undefined);
  }

  /** Start writing snapshots: now, then every snapshotMs. */
  begin(): void {
    if (!this.#setup || this.#began) return;
    this.#began = true;
    this.#live = true;
    const store = this.room.store;
    void store.addToSet(durableKeys.held(this.#setup.holder()), this.room.roomId, MAX_HELD).catch((error) => this.#failed(error));
    this.#timer = setInterval(() => this.write(), this.#setup.snapshotMs);
    this.#timer.unref();
    this.write();
  }

  /** Its process begins draining, before the drain locks the room: keep the room's own lock for its snapshots, and write one now. */
  draining(): void {
    this.#lockedBeforeDrain ??= lockedExplicitly(this.room);
    this.write();
  }

  /** A player joined or came back (a new reconnection token): write soon, so a crash now still lets them resume. */
  seatsChanged(): void {
    if (!this.#live || this.#soon) return;
    this.#soon = setImmediate(() => {
      this.#soon = undefined;
      this.write();
    });
  }

  /** The room as a snapshot, encoded. Synchronous: the state cannot change under it. */
  take(): Uint8Array {
    const room = this.room;
    const setup = this.#setup!;
    const started = performance.now();
    const snapshot: RoomSnapshot = {
      format: SNAPSHOT_FORMAT,
      type: room.roomName,
      version: setup.version,
      roomId: room.roomId,
      holder: setup.holder(),
      takenAt: Date.now(),
      createOptions: this.#createOptions,
      state: encodeWholeState(room, this.#stateBytes),
      nextRefId: nextRefIdOf(room) ?? 0,
      clockMs: room.clock.elapsedTime,
      metadata: room.metadata,
      locked: this.#lockedBeforeDrain ?? lockedExplicitly(room),
      fields: room.snapshot?.(),
      seats: seatsOf(room).map(({ sessionId, reconnectionToken, auth, userData }) => ({ sessionId, reconnectionToken, auth, userData })),
    };
    const bytes = pack(snapshot);
    this.cost.snapshots++;
    this.cost.encodeMs += performance.now() - started;
    this.cost.bytes = bytes.byteLength;
    return bytes;
  }

  /** Write a snapshot now; one write at a time, and one more after it when asked meanwhile. */
  write(): void {
    if (!this.#live) return;
    if (this.#writing) {
      this.#writeAgain = true;
      return;
    }
    this.#writing = this.#writeNow().then(() => undefined).finally(() => {
      this.#writing = undefined;
      if (this.#writeAgain) {
        this.#writeAgain = false;
        this.write();
      }
    });
  }

  /** Take and store a snapshot; true once it is in the Store. */
  async #writeNow(): Promise<boolean> {
    try {
      const bytes = this.take();
      const started = performance.now();
      await this.room.store.putDocument(durableKeys.snapshot(this.room.roomId), bytes, { ttlMs: RESTORE_WITHIN_MS });
      this.cost.storeMs += performance.now() - started;
      return true;
    } catch (error) {
      this.#failed(error);
      return false;
    }
  }

  /**
   * The drain is over: write a last snapshot and close every player with
   * ROOM_MOVING; the room is restored where its process restarts (one
   * machine) or by a survivor once this process has exited (Redis), and its
   * players resume their seats there. Returns false, changing nothing, when
   * the snapshot cannot be written (the Store is away): the room then ends as
   * a non-durable one does.
   */
  async moveAway(): Promise<boolean> {
    if (!this.#live) return false;
    clearInterval(this.#timer);
    this.#live = false; // no periodic write after this one
    await this.#writing;
    if (!(await this.#writeNow())) return false;
    this.#moving = true;
    await this.room.disconnect(CloseCode.ROOM_MOVING).catch(() => undefined);
    return true;
  }

  #apply(snapshot: RoomSnapshot): void {
    const room = this.room;
    const state = room.state as Schema & Record<string, unknown>;
    const decoded = new (state.constructor as new () => Schema)();
    new Decoder(decoded).decode(snapshot.state);
    copyFields(state, decoded);
    raiseNextRefId(room, snapshot.nextRefId);
    room.clock.elapsedTime = snapshot.clockMs;
    room.restore?.(snapshot.fields);
    if (snapshot.metadata && typeof snapshot.metadata === "object") room.setMetadata(snapshot.metadata as never);
    if (snapshot.locked) void room.lock();
    const seconds = room.settings.reconnectSeconds;
    for (const seat of snapshot.seats) {
      holdRestoredSeat(room, seat, seconds).then(
        () => this.seatsChanged(),
        // The owner did not come back in the window: the room lets the seat go as after any drop.
        () => room.onLeave?.({ sessionId: seat.sessionId, auth: seat.auth, userData: seat.userData } as Client, CloseCode.SEAT_EXPIRED),
      );
    }
  }

  #failed(error: unknown): void {
    logger.warn({ err: error, roomId: this.room.roomId, roomType: this.room.roomName }, "room snapshot not written");
  }
}

/**
 * Copy a decoded state into the room's own, field by field, through the
 * schema setters so the room's encoder tracks every value: nested structures
 * are new instances of their classes, the room's top-level collections are
 * refilled in place (a room may hold on to them). Custom types (quantized,
 * angles) are copied as their decoded values.
 */
function copyFields(target: Record<string, unknown>, source: Schema): void {
  const metadata = (source.constructor as unknown as Record<symbol, Record<string, { name?: unknown }> | undefined>)[Symbol.metadata];
  for (const key in metadata) {
    const name = metadata[key]?.name;
    if (typeof name !== "string") continue;
    const value = (source as unknown as Record<string, unknown>)[name];
    if (value === undefined || value === null) continue;
    target[name] = copyValue(value, target[name]);
  }
}

function copyValue(value: unknown, existing?: unknown): unknown {
  if (value instanceof MapSchema) {
    const map = existing instanceof MapSchema ? existing : new MapSchema();
    map.clear();
    for (const [key, item] of value) map.set(key, copyValue(item));
    return map;
  }
  if (value instanceof ArraySchema) {
    const array = existing instanceof ArraySchema ? existing : new ArraySchema();
    array.clear();
    for (const item of value) array.push(copyValue(item));
    return array;
  }
  if (value instanceof SetSchema || value instanceof CollectionSchema) {
    const collection = existing instanceof value.constructor ? existing as SetSchema : new (value.constructor as new () => SetSchema)();
    collection.clear();
    for (const item of value.values()) collection.add(copyValue(item));
    return collection;
  }
  if (value && typeof value === "object" && Symbol.metadata in value.constructor) {
    const copy = new (value.constructor as unknown as new () => Record<string, unknown>)();
    copyFields(copy, value as Schema);
    return copy;
  }
  return value;
}

// ------------------------------------------------------------ restoring

export type RestoreOutcome = "restored" | "taken" | "gone" | "lost";

/** Read a snapshot's bytes; throws on anything that is not one. */
export function decodeSnapshot(bytes: Uint8Array): RoomSnapshot {
  const snapshot = unpack(bytes) as Partial<RoomSnapshot> | undefined;
  if (
    !snapshot || typeof snapshot !== "object" || snapshot.format !== SNAPSHOT_FORMAT || typeof snapshot.type !== "string" ||
    typeof snapshot.roomId !== "string" || typeof snapshot.holder !== "string" || !(snapshot.state instanceof Uint8Array) ||
    !Array.isArray(snapshot.seats) || typeof snapshot.version !== "number"
  ) {
    throw new Error("not a room snapshot this server can read");
  }
  return snapshot as RoomSnapshot;
}

/**
 * Restores durable rooms on this process: on one machine those the last
 * run held, with Redis those of a process the reaper found dead. Exactly one
 * process restores a room: it must win the room's claim in the Store, and
 * Colyseus then lists the room id only once.
 */
export class DurableRestorer {
  readonly #store: Store;
  readonly #types: ReadonlyMap<string, RoomType>;
  readonly #holder: () => string;
  readonly #log = logger.child({ component: "durable" });

  constructor(store: Store, roomTypes: readonly RoomType[], holder: () => string) {
    this.#store = store;
    this.#holder = holder;
    this.#types = new Map(roomTypes.map((type) => [type.name, type]));
  }

  /** A restore pass that could not even list its rooms (the Store is away): logged; the next dead process, or boot, tries again. */
  readonly failed = (error: unknown): void => {
    this.#log.error({ err: error }, "durable rooms not restored: the Store did not answer");
  };

  /**
   * Restore every room `holder` held (a dead process's id, or "local" after a
   * restart). With `restorers` (every survivor runs this, with the same list,
   * lightest first) the k-th room is this process's to restore at once if it
   * is the k-th restorer, round the list; the others' rooms it claims only
   * after RESTORE_HANDOFF_MS, in case their process did not. `held`: the
   * rooms as the survivor that noticed listed them (heldBy), the same for all.
   */
  async restoreHeldBy(holder: string, restorers: readonly string[] = [], held?: readonly string[]): Promise<Map<string, RestoreOutcome>> {
    const outcomes = new Map<string, RestoreOutcome>();
    const roomIds = held ?? (await this.heldBy(holder));
    await Promise.all(roomIds.map(async (roomId, k) => {
      if (restorers.length > 0 && restorers[k % restorers.length] !== matchMaker.processId) {
        await new Promise((resolve) => setTimeout(resolve, RESTORE_HANDOFF_MS));
      }
      outcomes.set(roomId, await this.restore(roomId, holder).catch((error) => {
        this.#log.error({ err: error, roomId }, "room not restored");
        return "lost" as const;
      }));
    }));
    if (roomIds.length > 0) this.#log.info({ holder, outcomes: Object.fromEntries(outcomes) }, "durable rooms restored");
    return outcomes;
  }

  /** The rooms `holder` held, in the order restoreHeldBy shares them out. */
  async heldBy(holder: string): Promise<string[]> {
    return (await this.#store.members(durableKeys.held(holder))).sort();
  }

  /** Restore one room `holder` held, if this process wins its claim. */
  async restore(roomId: string, holder: string): Promise<RestoreOutcome> {
    const claim = await this.#store.claim(durableKeys.claim(roomId), matchMaker.processId, CLAIM_MS);
    if (!claim.won) return "taken";
    try {
      return await this.#restoreClaimed(roomId, holder);
    } finally {
      await this.#store.release(durableKeys.claim(roomId), matchMaker.processId).catch(() => undefined);
    }
  }

  async #restoreClaimed(roomId: string, holder: string): Promise<RestoreOutcome> {
    const document = await this.#store.getDocument(durableKeys.snapshot(roomId));
    if (!document) {
      await this.#store.removeFromSet(durableKeys.held(holder), roomId);
      return "gone";
    }
    let snapshot: RoomSnapshot;
    try {
      snapshot = decodeSnapshot(document.value);
    } catch (error) {
      return await this.#lose(roomId, holder, `Your room could not be restored: its saved copy is damaged (${(error as Error).message}).`);
    }
    // Already restored by another process (which rewrote the snapshot as its own): only the set entry was stale.
    if (snapshot.holder !== holder || (await matchMaker.driver.has(roomId))) {
      await this.#store.removeFromSet(durableKeys.held(holder), roomId);
      return "taken";
    }
    const type = this.#types.get(snapshot.type);
    if (!type?.durable) return await this.#lose(roomId, holder, `Your room could not be restored: this server has no durable "${snapshot.type}" rooms.`);
    if (snapshot.version !== type.durable.version) {
      return await this.#lose(roomId, holder, `Your room could not be restored: it was saved by version ${snapshot.version} of the ${type.title} room, and this server runs version ${type.durable.version}.`);
    }
    restoring.set(roomId, snapshot);
    let listing: { processId: string };
    try {
      listing = await createRoomWithId(snapshot.type, snapshot.createOptions, roomId);
    } catch (error) {
      return await this.#lose(roomId, holder, `Your room could not be restored: ${(error as Error).message}`);
    } finally {
      restoring.delete(roomId);
    }
    if (listing.processId !== matchMaker.processId) return "taken";
    durableOf(matchMaker.getLocalRoomById(roomId))?.begin();
    if (this.#holder() !== holder) await this.#store.removeFromSet(durableKeys.held(holder), roomId);
    this.#log.info({ roomId, roomType: snapshot.type, seats: snapshot.seats.length, clockMs: snapshot.clockMs, takenAt: snapshot.takenAt }, "room restored");
    return "restored";
  }

  async #lose(roomId: string, holder: string, reason: string): Promise<RestoreOutcome> {
    this.#log.warn({ roomId, reason }, "room lost: not restored");
    await this.#store.putDocument(durableKeys.lost(roomId), new TextEncoder().encode(reason), { ttlMs: LOST_REASON_MS });
    await this.#store.deleteDocument(durableKeys.snapshot(roomId));
    await this.#store.removeFromSet(durableKeys.held(holder), roomId);
    return "lost";
  }
}

/** Where a room that is not listed is, for its players' reconnection: being restored, lost with a reason, or unknown. */
export async function whereIsRoom(store: Store, roomId: string): Promise<{ moving: true } | { lost: string } | undefined> {
  const lost = await store.getDocument(durableKeys.lost(roomId));
  if (lost) return { lost: new TextDecoder().decode(lost.value) };
  if (await store.getDocument(durableKeys.snapshot(roomId))) return { moving: true };
  return undefined;
}

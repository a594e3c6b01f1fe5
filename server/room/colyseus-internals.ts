/**
 * Every reach into Colyseus's private fields, in one file. Each is here
 * because Colyseus 0.18 offers no public way to do it; colyseus-internals.test.ts
 * fails loudly when an upgrade renames or removes one, so the fix is made
 * here and nowhere else.
 */
import { matchMaker, RoomInternalState, type Client, type Room } from "@colyseus/core";
import { $changes } from "@colyseus/schema";
import { computePluginLayout, installPluginHookWrappers } from "@colyseus/core/RoomPlugin";

/** The Colyseus version these reaches were written against; the spec compares it with the installed one. */
export const WRITTEN_FOR_COLYSEUS = "0.18.17";

interface RoomInternals {
  /** The step timer Colyseus clears on dispose and on a new setFixedTimestep. */
  _simulationInterval: NodeJS.Timeout | undefined;
  /** defineInput's controller: its options carry the input class and the sub-steps advertised to clients. */
  _inputController?: { options: { ctor: object; subSteps?: number; tickRate?: number } };
  /** The rewind's timeline mode, from which Colyseus derives the stamps on input frames. */
  _timelineMode(): { snapshot?: boolean; reckon?: boolean } | undefined;
  /** Reads one frame from a joined client: Colyseus binds it to the socket's "message" event after onJoin. */
  _onMessage(client: Client, bytes: Uint8Array): void;
  /** The schema serializer: its encoder's shared buffer encodes patches, fullEncodeBuffer the full state. */
  _serializer: { encoder?: { sharedBuffer: Uint8Array }; fullEncodeBuffer?: Uint8Array };
  /** True when the room's code locked it; `locked` is also true while the room is merely full. */
  _lockedExplicitly: boolean;
}

function internals(room: Room): RoomInternals {
  return room as unknown as RoomInternals;
}

/** Whether the room's own code locked it, as opposed to Colyseus locking it while it is full (which it lifts when a seat frees). */
export function lockedExplicitly(room: Room): boolean {
  return room.locked && internals(room)._lockedExplicitly === true;
}

/** The timer Colyseus owns for the room's step: it clears it on dispose. */
export function stepTimerOf(room: Room): NodeJS.Timeout | undefined {
  return internals(room)._simulationInterval;
}

/** Hand Colyseus our step timer, so its dispose (and a later setFixedTimestep) clears it. */
export function setStepTimer(room: Room, timer: NodeJS.Timeout | undefined): void {
  internals(room)._simulationInterval = timer;
}

/** Sub-steps declared with defineInput({ subSteps }), when setFixedTimestep was given none. */
export function declaredSubSteps(room: Room): number | undefined {
  return internals(room)._inputController?.options.subSteps;
}

/**
 * Give this room's state encoder buffers of `bytes` each. Colyseus sizes them
 * from the process-wide Encoder.BUFFER_SIZE when the state is assigned; a
 * room type sizes its own (RoomType.stateBufferBytes). Returns false when the
 * room has no schema state yet (assign state as a class field).
 */
export function resizeStateBuffers(room: Room, bytes: number): boolean {
  const serializer = internals(room)._serializer;
  if (!serializer?.encoder || !serializer.fullEncodeBuffer) return false;
  if (serializer.encoder.sharedBuffer.byteLength !== bytes) serializer.encoder.sharedBuffer = new Uint8Array(bytes);
  if (serializer.fullEncodeBuffer.byteLength !== bytes) {
    const full = new Uint8Array(bytes);
    full[0] = serializer.fullEncodeBuffer[0]; // reset() caches the ROOM_STATE code in the first byte
    serializer.fullEncodeBuffer = full;
  }
  return true;
}

/** The sizes of the room's two state buffers, for the spec. */
export function stateBufferSizes(room: Room): { patches: number; fullState: number } | undefined {
  const serializer = internals(room)._serializer;
  if (!serializer?.encoder || !serializer.fullEncodeBuffer) return undefined;
  return { patches: serializer.encoder.sharedBuffer.byteLength, fullState: serializer.fullEncodeBuffer.byteLength };
}

/**
 * Install a room class's plugin hooks before its first room exists.
 * Colyseus computes a class's plugin layout, and wraps the prototype's
 * lifecycle hooks with its plugins', when the first room is initialised; but
 * a room with onUncaughtException has already bound its own (unwrapped)
 * hooks in its constructor by then, so the first room of every class would
 * run without its pieces' hooks. Doing it up front, once per class, from a
 * throwaway instance's `plugins`, gives every room, the first included, its
 * pieces.
 */
export function installPluginHooksEarly(RoomClass: new () => Room): void {
  const ctor = RoomClass as unknown as { __pluginLayout?: unknown; prototype: object };
  if (Object.prototype.hasOwnProperty.call(ctor, "__pluginLayout")) return;
  const plugins = (new RoomClass() as unknown as { plugins?: Parameters<typeof computePluginLayout>[0] }).plugins;
  if (!plugins) return;
  const layout = computePluginLayout(plugins);
  installPluginHookWrappers(ctor, layout);
  ctor.__pluginLayout = layout;
}

/** What a room takes on its input channel: the class given to defineInput, and whether input frames carry both timelines' stamps. */
export interface DeclaredInput {
  type: object;
  stampsBoth: boolean;
}

/** The room's defineInput declaration, or undefined when it takes no inputs. */
export function declaredInput(room: Room): DeclaredInput | undefined {
  const type = internals(room)._inputController?.options.ctor;
  if (!type) return undefined;
  const timeline = internals(room)._timelineMode();
  return { type, stampsBoth: Boolean(timeline?.snapshot && timeline?.reckon) };
}

const FRAME_CHECK = Symbol("tickforge.frameCheck");

/**
 * Put `check` in front of Colyseus's frame reader for every room of
 * `RoomClass`: a frame reaches Colyseus's decoders only when `check` returns
 * true. Colyseus binds the reader to each joined client's socket after
 * onJoin, so it is wrapped on the class's prototype, before any room exists;
 * a class that inherits a reader with this check is not checked twice. The
 * reader behind the check is looked up per frame, not kept: Colyseus's
 * simulateLatency swaps Room.prototype's reader at run time.
 */
export function checkFramesBeforeDecoding(RoomClass: new (...args: any[]) => Room, check: (room: Room, client: Client, bytes: Uint8Array) => boolean): void {
  const prototype = RoomClass.prototype as unknown as RoomInternals;
  if (typeof prototype._onMessage !== "function") throw new Error("@colyseus/core: Room.prototype._onMessage is gone; update server/room/colyseus-internals.ts.");
  if ((prototype._onMessage as { [FRAME_CHECK]?: unknown })[FRAME_CHECK] === check) return;
  const own = Object.prototype.hasOwnProperty.call(prototype, "_onMessage") ? prototype._onMessage : undefined;
  const parent = Object.getPrototypeOf(prototype) as RoomInternals;
  const checked = function (this: Room, client: Client, bytes: Uint8Array) {
    if (check(this, client, bytes)) (own ?? parent._onMessage).call(this, client, bytes);
  };
  Object.defineProperty(checked, FRAME_CHECK, { value: check });
  prototype._onMessage = checked;
}

/** The parts of a room socket (`ws`'s WebSocket, as Colyseus holds it) that leaveRoomNow uses. */
export interface RoomSocket {
  removeAllListeners(event: string): unknown;
  removeListener(event: string, listener: (...args: any[]) => void): unknown;
}

/**
 * Stop reading `socket` and take its client out of its room now, with
 * `code`, instead of when the close handshake ends (a hostile peer never
 * answers it, and `ws` then waits 30 s). Colyseus does the same for a client
 * that asks to leave; its close handler is the socket's `onleave`.
 */
export function leaveRoomNow(socket: RoomSocket, code: number): void {
  socket.removeAllListeners("message");
  const onleave = (socket as RoomSocket & { onleave?: (code: number) => unknown }).onleave;
  if (onleave) {
    socket.removeListener("close", onleave);
    Promise.resolve(onleave(code)).catch(() => undefined); // as on a close: Colyseus reports its own failures
  }
}

interface SeatInternals {
  /** Seats held by allowReconnection: reconnection token → [sessionId, deferred]. */
  _reconnections: Record<string, [string, unknown] | undefined>;
  /** Reserved seats: sessionId → [joinOptions, auth, consumed, waitingReconnection]. */
  _reservedSeats: Record<string, [unknown, unknown, ...unknown[]] | undefined>;
  /** The room's listing in the matchmaking cache: its `clients` counts connected players and held seats. */
  _listing: Parameters<typeof matchMaker.driver.update>[0] & { clients: number };
  /** Whether the room is being created, running or disposing. */
  _internalState: RoomInternalState;
  /** The room's events: the matchmaker counts this process's ccu on 'join' and 'leave'. */
  _events: { emit(event: "join", client: Client): void };
}

/**
 * The `client.auth` of the seat a reconnection token resumes: a seat held for
 * the reconnection window, or a player still connected (Colyseus's reconnect
 * route closes that socket). Undefined when the room does not know the token.
 */
export function seatAuthOf(room: Room, reconnectionToken: string): unknown {
  const seats = room as unknown as SeatInternals;
  const heldFor = seats._reconnections[reconnectionToken]?.[0];
  if (heldFor !== undefined) return seats._reservedSeats[heldFor]?.[1];
  return room.clients.find((client) => client.reconnectionToken === reconnectionToken)?.auth;
}

type InvokeMethod = typeof matchMaker.controller.invokeMethod;
const UNWRAPPED = Symbol("tickforge.unwrappedInvokeMethod");

/**
 * Run `before` ahead of every matchmaking call the HTTP routes make
 * (POST /matchmake/:method/:roomNameOrId goes through the controller's
 * invokeMethod); a throw refuses the call. Colyseus has no hook there. A
 * second server in the same process (specs) wraps Colyseus's own method
 * again, not the previous wrapper.
 */
export function beforeMatchmakeMethod(before: (...args: Parameters<InvokeMethod>) => Promise<void>): void {
  const controller = matchMaker.controller as typeof matchMaker.controller & { [UNWRAPPED]?: InvokeMethod };
  const invoke = controller[UNWRAPPED] ??= controller.invokeMethod;
  controller.invokeMethod = async function invokeAfterCheck(this: typeof controller, ...args: Parameters<InvokeMethod>) {
    await before(...args);
    return invoke.apply(this, args);
  } as InvokeMethod;
}

/** A seat the room knows: a connected player or one whose seat is held for reconnection. */
export interface KnownSeat {
  sessionId: string;
  reconnectionToken: string;
  auth: unknown;
  userData: unknown;
}

/** Every seat of the room with the token that resumes it: connected players, then seats held by allowReconnection. */
export function seatsOf(room: Room): KnownSeat[] {
  const seats = room as unknown as SeatInternals;
  // Array.from: the room's client list is Colyseus's own array class, whose map() would make another.
  const known: KnownSeat[] = Array.from(room.clients, (client) => ({
    sessionId: client.sessionId, reconnectionToken: client.reconnectionToken, auth: client.auth, userData: client.userData,
  }));
  for (const [reconnectionToken, held] of Object.entries(seats._reconnections)) {
    if (!held || known.some((seat) => seat.sessionId === held[0])) continue;
    known.push({ sessionId: held[0], reconnectionToken, auth: seats._reservedSeats[held[0]]?.[1], userData: undefined });
  }
  return known;
}

/**
 * Hold a seat the room never saw connect (restored from a snapshot) exactly
 * as allowReconnection holds a dropped player's: the owner comes back with
 * `seat.reconnectionToken` and Colyseus calls the room's onReconnect. Colyseus
 * takes the previous client only for its session id, token, auth and user
 * data, so a record of those stands in for it. Resolves on reconnection,
 * rejects when the window ends.
 */
export function holdRestoredSeat(room: Room, seat: KnownSeat, seconds: number): Promise<Client> {
  const previous = { sessionId: seat.sessionId, reconnectionToken: seat.reconnectionToken, auth: seat.auth, userData: seat.userData, view: undefined };
  const seats = room as unknown as SeatInternals;
  // A dropped player's seat is counted in the listing until it is let go; a restored seat is counted from here.
  // During onCreate the listing has no room id yet and is recorded with this count once the room is created.
  if (seats._internalState === RoomInternalState.CREATING) seats._listing.clients++;
  else void matchMaker.driver.update(seats._listing, { $inc: { clients: 1 } });
  const held = room.allowReconnection(previous as unknown as Client, seconds) as unknown as Promise<Client>;
  held.then(
    // Colyseus counts a player into this process's ccu on its first join, which happened on the dead process;
    // the 'join' event is what counts it here, and its leave (which Colyseus reports as for any player) takes it off.
    (client) => seats._events.emit("join", client),
    // A disposing room's listing is gone already: updating it would list it again (the Redis driver writes the whole row).
    () => { if (seats._internalState !== RoomInternalState.DISPOSING) void matchMaker.driver.update(seats._listing, { $inc: { clients: -1 } }); },
  );
  return held;
}

/** The state encoder's root, where it counts reference ids. */
function encoderRootOf(room: Room): { nextUniqueId: number } | undefined {
  const state = room.state as Record<symbol, unknown> | undefined;
  const root = (state?.[$changes] as { root?: unknown } | undefined)?.root as { nextUniqueId?: unknown } | undefined;
  return typeof root?.nextUniqueId === "number" ? (root as { nextUniqueId: number }) : undefined;
}

/** The state encoder's next reference id, so a restored room keeps numbering past the ids its old process handed out. */
export function nextRefIdOf(room: Room): number | undefined {
  return encoderRootOf(room)?.nextUniqueId;
}

export function raiseNextRefId(room: Room, at: number): void {
  const root = encoderRootOf(room);
  if (root && at > root.nextUniqueId) root.nextUniqueId = at;
}

interface EncoderInternals {
  encodeAll(it: { offset: number }, buffer: Uint8Array): Uint8Array;
  encodeFullSync(it: { offset: number }, buffer: Uint8Array, emitFiltered: boolean, view: unknown, initialOffset: number): Uint8Array;
}

/** A view that sees everything: the filtered walk through it emits every `.view()` field and collection item. */
const SEES_EVERYTHING = Object.freeze({ isChangeTreeVisible: () => true, hasTagOnTree: () => true });

/**
 * The room's whole state, every field including those only some views see
 * (`.view()` fields: a hand of cards), encoded as one full sync that a
 * Decoder on a fresh instance of the state's class reads back: Colyseus's
 * full sync of the shared fields, then its walk of the filtered ones without
 * a view (which emits all of them). `bytes` sizes the scratch buffer; the
 * room's own encode buffers are untouched. Returns a copy.
 */
export function encodeWholeState(room: Room, bytes: number): Uint8Array {
  const encoder = (internals(room)._serializer as { encoder?: unknown }).encoder as EncoderInternals | undefined;
  if (!encoder) throw new Error("The room has no schema state to encode.");
  for (let size = bytes; ; size *= 2) {
    const buffer = new Uint8Array(size);
    const it = { offset: 0 };
    const shared = encoder.encodeAll(it, buffer);
    if (shared.buffer !== buffer.buffer) continue; // outgrew the buffer: again with a bigger one
    const whole = encoder.encodeFullSync(it, buffer, true, SEES_EVERYTHING, 0);
    if (whole.buffer !== buffer.buffer) continue;
    return buffer.slice(0, it.offset);
  }
}

/**
 * Create a room of `roomName` under a given id on this process, as Colyseus
 * does for a room another process asked it to create: its cache row is
 * inserted only if no process holds that id, otherwise this room is
 * discarded and the holder's listing returned.
 */
export async function createRoomWithId(roomName: string, options: Record<string, unknown>, roomId: string): Promise<{ roomId: string; processId: string }> {
  return await matchMaker.handleCreateRoom(roomName, options, undefined, roomId);
}

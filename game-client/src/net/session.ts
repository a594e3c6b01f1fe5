/**
 * One player's connection to a room of any type, start to finish: join,
 * the SDK's automatic reconnection, resuming a seat after a reload, moving
 * to a new room of the same type when the server restarts, the link
 * conditioner, the link's round trip (shared/round-trip.ts, installed as the
 * room's clock; the network's part timed off the main thread, ./link-probe.ts),
 * and telling the scenes what is going on.
 * What a room type does with its room (prediction, its own messages) is its
 * client module's (rooms/<type>/client/), which listens to "room".
 *
 * Close codes (shared/protocol.ts) and what the player sees:
 * - 1001/1005/1006/4010 (network): "Reconnecting…" while the seat is
 *   followed (shared/resume.ts): the SDK retries the same address a few
 *   times, then matchmaking is asked where the room is now (its process may
 *   be gone and the room restored on another), and the seat resumed there.
 * - ROOM_MOVING (a restart or deploy moves a durable room): the same, at once.
 * - SEAT_EXPIRED (the server no longer holds the seat): "session expired".
 * - SERVER_SHUTDOWN: "Server restarting, finding you a new room…", then
 *   joinOrCreate of the same type on whichever process answers.
 * - KICKED and PROTOCOL_ERROR (a frame no conforming client sends: a build
 *   mismatch, or tampering): the server's reason, back to the title screen.
 * - SLOW_CONSUMER (the page stopped reading long enough for the server to
 *   give up on the socket: a frozen tab, a stalled network): the seat is
 *   held, so it is resumed as after a reload.
 *
 * Every matchmaking request carries the player's guest identity
 * (./identity.ts): signed in before the first join, kept across reloads,
 * refreshed before it runs out. The server binds a seat to it, so only this
 * player can resume it. The endpoint's scheme picks the socket's: an https
 * page connects with wss://.
 *
 * A drop in the first seconds after joining is resumed like any other: the
 * SDK's `minUptime` guard (no retries within 5 s of joining) exists to stop a
 * reconnect storm against a room that crashes on join, but the retries here
 * are bounded anyway (the server refuses once the seat's window is over, and
 * the search gives up after a minute), and losing a fresh seat to a brief
 * wifi hiccup or a crashed process is exactly what resuming is for. So
 * followSeat sets it to 0.
 */
import { Client, type Room } from "@colyseus/sdk";
import { CloseCode, FrameworkMessage, MatchmakingErrorCode, MAX_NAME_LENGTH, type Announcement, type ShutdownNotice } from "../../../shared/protocol.ts";
import { LinkConditioner } from "../../../shared/link.ts";
import { Emitter } from "./emitter.ts";
import { GuestIdentity } from "./identity.ts";
import { LinkProbe, PROBE_EVERY_MS } from "./link-probe.ts";
import { LobbyListing } from "./lobby.ts";
import type { RemoteDrawing } from "./remotes.ts";
import { afterNextFrame, LinkClock, PING_EVERY_MS, pingThrough, RoundTripEstimate } from "../../../shared/round-trip.ts";
import { forgetSeat, loadName, loadSeat, saveName, saveSeat } from "./seat.ts";
import { followSeat, resumeSeat, type Following } from "../../../shared/resume.ts";

export type ConnectionState =
  | "idle" | "joining" | "connected" | "reconnecting" | "resuming" | "restarting" | "expired" | "kicked" | "failed";

export type { Announcement, ShutdownNotice };

export interface SessionEvents {
  [name: string]: unknown[];
  state: [ConnectionState, string];
  /** A room was joined or resumed (also after a server restart): the room type's module takes it from here. */
  room: [Room<any, any>, string];
  /** The SDK lost the connection; it is trying to get the seat back. */
  drop: [];
  /** The seat is back. */
  reconnect: [];
  announcement: [Announcement];
  shutdown: [ShutdownNotice];
  /** Something brief to show (a rejected message, a failed retry). */
  notice: [string];
}

/** Decodes a room type's state with its shared schema classes, when the type's client module names one. */
export type StateClass = new () => any;

export { MAX_NAME_LENGTH };
/** How long to look for a new room after a server restart before giving up. */
const RESTART_SEARCH_MS = 60_000;

export class GameSession extends Emitter<SessionEvents> {
  readonly client: Client;
  readonly link: LinkConditioner;
  readonly lobby: LobbyListing;
  /** Who this player is: a guest token, kept across reloads and refreshed before it runs out. */
  readonly identity: GuestIdentity;
  room: Room<any, any> | undefined;
  /** The type of the room joined (or last joined). */
  roomType: string | undefined;
  state: ConnectionState = "idle";
  /** Human-readable line for the current state. */
  message = "";
  name = loadName();
  /** The link's round trip (shared/round-trip.ts): what the HUD shows and `room.clock.smoothedRtt()` reads. */
  readonly roundTrip = new RoundTripEstimate();
  /** Times the network's round trip in a Worker, where the page's frames do not hold the answer up. */
  readonly #probe = new LinkProbe((ms) => this.roundTrip.addNetwork(ms));
  /** What draws other entities; "sdk" also keeps the SDK's own clock (the client before shared/round-trip.ts), for comparison. */
  remotes: RemoteDrawing = "buffer";
  #pingsLinkVersion = 0;
  #pingTimer: ReturnType<typeof setInterval> | undefined;
  readonly #stateClassOf: (roomType: string) => StateClass | undefined;
  #createOptions: Record<string, unknown> = {};
  #following: Following | undefined;
  #joinOptions: Record<string, unknown> = {};

  constructor(endpoint: string, link: LinkConditioner = new LinkConditioner(), stateClassOf: (roomType: string) => StateClass | undefined = () => undefined) {
    super();
    this.client = new Client(endpoint);
    this.identity = new GuestIdentity(this.client, endpoint);
    this.link = link;
    this.lobby = new LobbyListing(this.client, () => this.identity.ensure(this.name));
    this.#stateClassOf = stateClassOf;
  }

  get sessionId(): string | undefined {
    return this.room?.sessionId;
  }

  /** Is there a seat from before a reload to resume? */
  hasStoredSeat(): boolean {
    return loadSeat() !== undefined;
  }

  /**
   * Join a room of `roomType`: a given one from the list, or any with room
   * (creating one with `createOptions` if needed). `joinOptions` go with the
   * name (a spectator's, say) and again to the new room after a server restart.
   */
  async play(roomType: string, name: string, options: { roomId?: string; createOptions?: Record<string, unknown>; joinOptions?: Record<string, unknown> } = {}): Promise<void> {
    this.name = name.trim().slice(0, MAX_NAME_LENGTH);
    saveName(this.name);
    this.roomType = roomType;
    this.#createOptions = options.createOptions ?? {};
    this.#joinOptions = options.joinOptions ?? {};
    this.#setState("joining", "Joining…");
    const join = this.#joinWith();
    const State = this.#stateClassOf(roomType);
    try {
      await this.identity.ensure(this.name);
      const room = options.roomId
        ? await this.client.joinById(options.roomId, join, State)
        : await this.client.joinOrCreate(roomType, { ...this.#createOptions, ...join }, State);
      this.#adopt(room, roomType);
    } catch (error) {
      this.#setState("failed", `Could not join: ${(error as Error).message}`);
      throw error;
    }
  }

  /** After a reload: take back the seat kept in sessionStorage, if the server still holds it. */
  async resume(): Promise<boolean> {
    const seat = loadSeat();
    if (!seat) return false;
    this.name = seat.name;
    this.roomType = seat.roomType;
    this.#setState("resuming", "Resuming your seat…");
    try {
      await this.identity.ensure(this.name);
      // Through matchmaking, waiting while the room is restored if its process is gone.
      const room = await resumeSeat(this.client, seat.token, { rootSchema: this.#stateClassOf(seat.roomType) });
      this.#adopt(room, seat.roomType);
      return true;
    } catch (error) {
      console.warn(`Tickforge: could not resume seat ${seat.sessionId}: ${(error as Error).message}`);
      forgetSeat();
      this.#setState("expired", "Your session expired. Play again?");
      return false;
    }
  }

  /** Leave for good (back to the title screen); the seat is not kept. */
  async leave(): Promise<void> {
    const room = this.room;
    this.#drop();
    forgetSeat();
    this.#setState("idle", "");
    if (room) await room.leave(true);
  }

  #adopt(room: Room<any, any>, roomType: string): void {
    this.#drop();
    this.room = room;
    this.roomType = roomType;
    this.identity.room = room;
    this.link.attach(room);
    if (this.remotes === "buffer" && !(room.clock instanceof LinkClock)) room.clock = new LinkClock(this.roundTrip, room.clock.patchInterval?.() ?? 0);
    this.#remember(room);
    this.#following = followSeat(this.client, room, {
      rootSchema: this.#stateClassOf(roomType),
      onSearching: () => { if (room === this.room) this.#setState("reconnecting", "Reconnecting…"); },
      onResumed: (resumed) => {
        if (room !== this.room && this.room !== undefined) { void resumed.leave(true); return; }
        this.#adopt(resumed, roomType);
        this.emit("reconnect");
      },
      onLost: (error) => {
        if (room !== this.room) return;
        this.#drop();
        forgetSeat();
        // A lost room says why (MatchmakingErrorCode.ROOM_LOST); anything else means the seat's window is over.
        this.#setState("expired", error.code === MatchmakingErrorCode.ROOM_LOST ? `${error.message} Play again?` : "Your session expired. Play again?");
      },
    });

    room.onDrop((code) => {
      if (room !== this.room) return;
      this.#setState("reconnecting", `Connection lost (${code}). Reconnecting…`);
      this.emit("drop");
    });
    room.onReconnect(() => {
      if (room !== this.room) return;
      this.#remember(room); // the token changes on every reconnection
      this.#setState("connected", "");
      this.emit("reconnect");
    });
    room.onLeave((code, reason) => this.#left(room, code, reason));
    room.onError((code, message) => {
      // Rejected messages are the server's feedback, not failures of the page.
      console.warn(`Tickforge: the server rejected a message (${code}): ${message ?? ""}`);
      this.emit("notice", message ?? `Error ${code}`);
    });
    room.onMessage(FrameworkMessage.ANNOUNCEMENT, (a: Announcement) => this.emit("announcement", a));
    room.onMessage(FrameworkMessage.SHUTDOWN, (s: ShutdownNotice) => this.emit("shutdown", s));

    clearInterval(this.#pingTimer);
    this.roundTrip.reset();
    const ping = () => {
      const version = this.link.version;
      pingThrough(room, this.link, (total, conditioned, late) => {
        if (version !== this.link.version) return; // sent through a link that has since changed
        if (this.#pingsLinkVersion !== version) {
          this.roundTrip.reset();
          this.#pingsLinkVersion = version;
        }
        this.roundTrip.add(total, conditioned, late);
      });
    };
    let sinceProbe = 0;
    this.#pingTimer = setInterval(() => {
      if (this.state !== "connected") return;
      afterNextFrame(ping);
      sinceProbe += PING_EVERY_MS;
      if (sinceProbe >= PROBE_EVERY_MS) {
        sinceProbe = 0;
        this.#probe.ping(room);
      }
    }, PING_EVERY_MS);
    ping();
    this.#probe.ping(room);

    this.#setState("connected", "");
    this.emit("room", room, roomType);
  }

  #left(room: Room<any, any>, code: number, reason?: string): void {
    if (room !== this.room) return; // an old room's farewell
    if (this.#following?.searching) return; // the seat is being resumed elsewhere: this room object's end is part of the move
    this.#drop();
    switch (code) {
      case CloseCode.CONSENTED:
        forgetSeat();
        this.#setState("idle", "");
        return;
      case CloseCode.SERVER_SHUTDOWN:
        forgetSeat(); // that seat dies with the process
        void this.#findNewRoom();
        return;
      case CloseCode.SLOW_CONSUMER:
        void this.resume();
        return;
      case CloseCode.KICKED:
      case CloseCode.PROTOCOL_ERROR:
        forgetSeat();
        this.#setState("kicked", reason || "You were removed from the room.");
        return;
      default:
        // SEAT_EXPIRED and anything else the SDK gave up on.
        forgetSeat();
        this.#setState("expired", "Your session expired. Play again?");
    }
  }

  async #findNewRoom(): Promise<void> {
    const roomType = this.roomType;
    if (!roomType) return;
    this.#setState("restarting", "Server restarting, finding you a new room…");
    const deadline = Date.now() + RESTART_SEARCH_MS;
    let wait = 500;
    while (this.state === "restarting" && Date.now() < deadline) {
      try {
        await this.identity.ensure(this.name);
        const room = await this.client.joinOrCreate(roomType, { ...this.#createOptions, ...this.#joinWith() }, this.#stateClassOf(roomType));
        if (this.state !== "restarting") { room.leave(); return; }
        this.#adopt(room, roomType);
        return;
      } catch (error) {
        console.warn(`Tickforge: no room yet (${(error as Error).message}); retrying in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, 5000);
      }
    }
    if (this.state === "restarting") this.#setState("failed", "Could not find a new room. Play again?");
  }

  #joinWith(): Record<string, unknown> {
    return this.name ? { ...this.#joinOptions, name: this.name } : { ...this.#joinOptions };
  }

  /** The link's round trip (ms, shared/round-trip.ts). NaN until measured on the current link. */
  get baseRttMs(): number {
    if (this.#pingsLinkVersion !== this.link.version) return Number.NaN;
    return this.roundTrip.estimateMs;
  }

  /** The same, for the HUD: 0 until measured. (With `remotes: "sdk"`, the last ping as it was shown before.) */
  get pingMs(): number {
    if (this.remotes === "sdk") return Number.isFinite(this.roundTrip.lastSampleMs) ? this.roundTrip.lastSampleMs : 0;
    const rtt = this.baseRttMs;
    return Number.isFinite(rtt) ? rtt : 0;
  }

  #remember(room: Room<any, any>): void {
    saveSeat({ token: room.reconnectionToken, name: this.name, sessionId: room.sessionId, roomType: this.roomType ?? "" });
  }

  #drop(): void {
    this.#following?.stop();
    this.#following = undefined;
    clearInterval(this.#pingTimer);
    this.#probe.stop();
    this.room = undefined;
  }

  #setState(state: ConnectionState, message: string): void {
    this.state = state;
    this.message = message;
    this.emit("state", state, message);
  }
}

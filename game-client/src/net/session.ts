/**
 * One player's connection to the arena, start to finish: join, the SDK's
 * automatic reconnection, resuming a seat after a reload, moving to a new
 * arena when the server restarts, and telling the scenes what is going on.
 *
 * Close codes and what the player sees:
 * - 1001/1005/1006/4010 (network): the SDK retries with the same seat;
 *   "Reconnecting…" until it is back (`onReconnect`) or gives up.
 * - 4003 (the server no longer holds the seat): "session expired", play again.
 * - 4001 (server shutting down): "Server restarting, finding you a new
 *   arena…", then joinOrCreate on whichever process answers.
 * - 4002 (kicked): the server's reason, back to the title screen.
 *
 * A drop in the first seconds after joining is resumed like any other: the
 * SDK's `minUptime` guard (no retries within 5 s of joining) exists to stop a
 * reconnect storm against a room that crashes on join, but the retries here
 * are bounded anyway (15 attempts, and the server refuses once the seat's
 * window is over), and losing a fresh seat to a brief wifi hiccup is exactly
 * what reconnection is for. So it is set to 0.
 */
import { Client, CloseCode, type Room } from "@colyseus/sdk";
import { ArenaState, type Player } from "../../../rooms/arena/state.ts";
import { Emitter } from "./emitter.ts";
import { LinkConditioner } from "./link.ts";
import { LobbyListing } from "./lobby.ts";
import { afterNextFrame, LinkClock, PING_EVERY_MS, pingThrough, RoundTripEstimate } from "./round-trip.ts";
import { ArenaPrediction, type RemoteDrawing } from "./prediction.ts";
import { forgetSeat, loadName, loadSeat, saveName, saveSeat } from "./seat.ts";

export type ConnectionState =
  | "idle" | "joining" | "connected" | "reconnecting" | "resuming" | "restarting" | "expired" | "kicked" | "failed";

export interface Announcement { text: string; sentAt: number }
export interface Shutdown { reason: string; disconnectInMs: number }
export interface Killed { victim: string; by: string }
export interface Chat { from: string; name: string; text: string }

export interface SessionEvents {
  [name: string]: unknown[];
  state: [ConnectionState, string];
  room: [Room<any, ArenaState>];
  prediction: [ArenaPrediction];
  announcement: [Announcement];
  shutdown: [Shutdown];
  killed: [Killed];
  chat: [Chat];
  /** Something brief to show (a rejected message, a failed retry). */
  notice: [string];
}

export type ArenaRoom = Room<any, ArenaState>;

/** Names as the server accepts them (JoinOptions in ArenaRoom: at most 16 characters). */
export const MAX_NAME_LENGTH = 16;
/** How long to look for a new arena after a server restart before giving up. */
const RESTART_SEARCH_MS = 60_000;

export class ArenaSession extends Emitter<SessionEvents> {
  readonly client: Client;
  readonly link: LinkConditioner;
  readonly lobby: LobbyListing;
  room: ArenaRoom | undefined;
  prediction: ArenaPrediction | undefined;
  state: ConnectionState = "idle";
  /** Human-readable line for the current state. */
  message = "";
  name = loadName();
  /** The link's round trip (net/round-trip.ts): what the HUD shows and `room.clock.smoothedRtt()` reads. */
  readonly roundTrip = new RoundTripEstimate();
  /** What draws other players; "sdk" also keeps the SDK's own clock (the client before net/round-trip.ts), for comparison. */
  remotes: RemoteDrawing = "buffer";
  #pingsLinkVersion = 0;

  #pingTimer: ReturnType<typeof setInterval> | undefined;

  constructor(endpoint: string, link: LinkConditioner = new LinkConditioner()) {
    super();
    this.client = new Client(endpoint);
    this.link = link;
    this.lobby = new LobbyListing(this.client);
  }

  get sessionId(): string | undefined {
    return this.room?.sessionId;
  }

  get self(): Player | undefined {
    const room = this.room;
    return room ? room.state.players?.get(room.sessionId) : undefined;
  }

  /** Is there a seat from before a reload to resume? */
  hasStoredSeat(): boolean {
    return loadSeat() !== undefined;
  }

  /** Join an arena: a given one from the list, or any with room (creating one if needed). */
  async play(name: string, roomId?: string): Promise<void> {
    this.name = name.trim().slice(0, MAX_NAME_LENGTH);
    saveName(this.name);
    this.#setState("joining", "Joining…");
    const options = this.name ? { name: this.name } : {};
    try {
      const room = roomId
        ? await this.client.joinById(roomId, options, ArenaState)
        : await this.client.joinOrCreate("arena", options, ArenaState);
      this.#adopt(room);
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
    this.#setState("resuming", "Resuming your seat…");
    try {
      const room = await this.client.reconnect(seat.token, ArenaState);
      this.#adopt(room);
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

  /** Send a chat line; the server validates and rate-limits it. */
  chat(text: string): void {
    this.room?.send("chat", { text });
  }

  #adopt(room: ArenaRoom): void {
    this.#drop();
    this.room = room;
    this.link.attach(room);
    if (this.remotes === "buffer" && !(room.clock instanceof LinkClock)) room.clock = new LinkClock(this.roundTrip, room.clock.patchInterval?.() ?? 0);
    room.reconnection.minUptime = 0; // see the header: fresh seats resume too
    this.#remember(room);

    room.onStateChange(() => {
      if (room === this.room && !this.prediction && this.state === "connected") this.#startPrediction(room);
    });
    room.onDrop((code) => {
      if (room !== this.room) return;
      this.#stopPrediction();
      this.#setState("reconnecting", `Connection lost (${code}). Reconnecting…`);
    });
    room.onReconnect(() => {
      if (room !== this.room) return;
      this.#remember(room); // the token changes on every reconnection
      this.#setState("connected", "");
      // The server re-sends the whole state; prediction restarts from it on the next patch.
    });
    room.onLeave((code, reason) => this.#left(room, code, reason));
    room.onError((code, message) => {
      // Rejected messages are the server's feedback, not failures of the page.
      console.warn(`Tickforge: the server rejected a message (${code}): ${message ?? ""}`);
      this.emit("notice", message ?? `Error ${code}`);
    });
    room.onMessage("announcement", (a: Announcement) => this.emit("announcement", a));
    room.onMessage("shutdown", (s: Shutdown) => this.emit("shutdown", s));
    room.onMessage("killed", (k: Killed) => this.emit("killed", k));
    room.onMessage("chat", (c: Chat) => this.emit("chat", c));

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
    this.#pingTimer = setInterval(() => {
      if (this.state === "connected") afterNextFrame(ping);
    }, PING_EVERY_MS);
    ping();

    this.#setState("connected", "");
    this.emit("room", room);
    if (room.state.players?.has(room.sessionId)) this.#startPrediction(room);
  }

  #left(room: ArenaRoom, code: number, reason?: string): void {
    if (room !== this.room) return; // an old room's farewell
    this.#drop();
    switch (code) {
      case CloseCode.CONSENTED:
        forgetSeat();
        this.#setState("idle", "");
        return;
      case CloseCode.SERVER_SHUTDOWN:
        forgetSeat(); // that seat dies with the process
        void this.#findNewArena();
        return;
      case CloseCode.WITH_ERROR:
        forgetSeat();
        this.#setState("kicked", reason || "You were removed from the arena.");
        return;
      default:
        // 4003 (the seat's window is over) and anything else the SDK gave up on.
        forgetSeat();
        this.#setState("expired", "Your session expired. Play again?");
    }
  }

  async #findNewArena(): Promise<void> {
    this.#setState("restarting", "Server restarting, finding you a new arena…");
    const deadline = Date.now() + RESTART_SEARCH_MS;
    let wait = 500;
    while (this.state === "restarting" && Date.now() < deadline) {
      try {
        const options = this.name ? { name: this.name } : {};
        const room = await this.client.joinOrCreate("arena", options, ArenaState);
        if (this.state !== "restarting") { room.leave(); return; }
        this.#adopt(room);
        return;
      } catch (error) {
        console.warn(`Tickforge: no arena yet (${(error as Error).message}); retrying in ${wait} ms`);
        await new Promise((resolve) => setTimeout(resolve, wait));
        wait = Math.min(wait * 2, 5000);
      }
    }
    if (this.state === "restarting") this.#setState("failed", "Could not find a new arena. Play again?");
  }

  /** The link's round trip (ms, net/round-trip.ts). NaN until measured on the current link. */
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

  #remember(room: ArenaRoom): void {
    saveSeat({ token: room.reconnectionToken, name: this.name, sessionId: room.sessionId });
  }

  #startPrediction(room: ArenaRoom): void {
    const self = room.state.players.get(room.sessionId);
    if (!self) return;
    this.prediction = new ArenaPrediction(room, self, () => this.baseRttMs, this.remotes);
    this.emit("prediction", this.prediction);
  }

  #stopPrediction(): void {
    this.prediction?.dispose();
    this.prediction = undefined;
  }

  #drop(): void {
    clearInterval(this.#pingTimer);
    this.#stopPrediction();
    this.room = undefined;
  }

  #setState(state: ConnectionState, message: string): void {
    this.state = state;
    this.message = message;
    this.emit("state", state, message);
  }
}

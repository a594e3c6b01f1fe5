/**
 * The numbers behind the picture, for browser tests and curious players:
 * exposed on `window.__tickforge` by the entry file. Tests read these
 * instead of pixels.
 */
import type { LinkSettings } from "../../../shared/link.ts";
import type { MotionSummary } from "../../../shared/motion-figures.ts";
import type { RoomTypeInfo } from "../../../shared/protocol.ts";
import type { RemoteDrawing, RemoteView } from "../net/remotes.ts";
import type { ConnectionState, GameSession } from "../net/session.ts";

/** What a predicting room type's client reports about its prediction (the arena's PredictionStats): named figures. */
export type PredictionReport = Record<string, any> & { corrections: number };

export interface PlayerSnapshot {
  id: string;
  name: string;
  /** Authoritative position, as last decoded from the server. */
  x: number;
  y: number;
  /** Where it is drawn this frame. */
  drawnX: number;
  drawnY: number;
  alive: boolean;
}

export interface FrameRecord {
  frame: number;
  /** performance.now() at the frame. */
  at: number;
  moveX: number;
  moveY: number;
  drawnX: number;
  drawnY: number;
  /** The server's (authoritative) position of the own player at that frame. */
  serverX: number;
  serverY: number;
}

const TRACE_LENGTH = 240;

/** What specs read of the chat panel's client (rooms/chat/client/chat-client.ts), once it has mounted. */
export interface ChatDebug {
  readonly me: { id: string; name: string } | undefined;
  readonly visible: string | undefined;
  conversations(): { id: string; title: string; unread: number; online: boolean }[];
  timeline(channel: string): { pending: boolean; text: string; from: string }[];
}

export class DebugHook {
  readonly #session: GameSession;
  /** The room types the server offers, once listed. */
  roomTypes: RoomTypeInfo[] = [];
  /** The type the title screen's PLAY would join. */
  selectedRoomType: string | undefined;
  /** Set by a predicting room type's client module while the player is in one of its rooms. */
  prediction: (() => { corrections: number } | undefined) | undefined;
  /**
   * A room type's own figures and actions for tests and the curious (the
   * cards table's legal moves, say), set by its client module while the
   * player is in one of its rooms; undefined otherwise.
   */
  room: Record<string, any> | undefined;
  /** Set by a room type's client module that draws entities from the jitter buffer (net/remotes.ts), while the player is in one of its rooms. */
  remoteView: (() => RemoteView | undefined) | undefined;
  /** The main scene on screen: "Title", or "Game" while a room type's play scene runs. */
  scene = "Boot";
  /** Game frames drawn since the page loaded. */
  frame = 0;
  fps = 0;
  overlayOpen = false;
  /** Projectiles drawn in the last frame. */
  shotsDrawn = 0;
  players: PlayerSnapshot[] = [];
  /** Left and right edges (px) of a HUD's texts, for layout specs. */
  hud: Record<string, { left: number; right: number }> = {};
  /** Centres of the title screen's JOIN and WATCH buttons, by listed room, for specs that click them. */
  roomButtons: { roomId: string; join: { x: number; y: number }; watch?: { x: number; y: number } }[] = [];
  /** The chat panel's client, once mounted over the scenes. */
  chat: ChatDebug | undefined;
  /** The banner text last shown (announcements, server notices). */
  banner = "";
  /** Connection states in the order they happened (the last 20). */
  readonly states: string[] = [];
  readonly #trace: FrameRecord[] = [];

  constructor(session: GameSession) {
    this.#session = session;
    session.on("state", (state) => {
      this.states.push(state);
      if (this.states.length > 20) this.states.shift();
    });
  }

  get connection(): ConnectionState {
    return this.#session.state;
  }

  get message(): string {
    return this.#session.message;
  }

  get sessionId(): string | undefined {
    return this.#session.sessionId;
  }

  /** The guest identity the page plays as (game-client/src/net/identity.ts). */
  get userId(): string | undefined {
    return this.#session.identity.userId;
  }

  get roomId(): string | undefined {
    return this.#session.room?.roomId;
  }

  /** The title screen's live list of open rooms, of every type. */
  get rooms(): { roomId: string; roomType: string; clients: number; maxClients: number }[] {
    return this.#session.lobby.rooms.map(({ roomId, roomType, clients, maxClients }) => ({ roomId, roomType, clients, maxClients }));
  }

  /** Whether the title screen has joined the lobby, which carries the list above and the operator's announcements (after signing in). */
  get lobbyJoined(): boolean {
    return this.#session.lobby.connected;
  }

  /** The type of the room the player is in (or was last in). */
  get roomType(): string | undefined {
    return this.#session.roomType;
  }

  get phase(): string | undefined {
    return this.#session.room?.state.phase;
  }

  get stats(): PredictionReport | undefined {
    const stats = this.prediction?.();
    return stats ? { ...stats } as PredictionReport : undefined;
  }

  /** What draws other entities (`?remotes=sdk` for the SDK's lerp). */
  get remotes(): RemoteDrawing {
    return this.#session.remotes;
  }

  /** How smoothly other entities were drawn since the last `resetMotion()` (shared/motion-figures.ts). */
  get motion(): MotionSummary | undefined {
    return this.remoteView?.()?.motion.summary();
  }

  resetMotion(): void {
    this.remoteView?.()?.motion.reset();
  }

  /** The jitter buffer's playback clock: its delay behind the newest patch, its target and the target's bound, the arrival jitter (p95 lateness behind the fastest patch), its rate, frames drawn past the newest patch and stopped at the extrapolation bound. */
  get playback(): { delayMs: number; targetDelayMs: number; maxDelayMs: number; jitterMs: number; rate: number; underruns: number; stopped: number; frames: number } | undefined {
    const playback = this.remoteView?.()?.timeline.playback;
    if (!playback) return undefined;
    const { delayMs, targetDelayMs, maxDelayMs, rate, underruns, stopped, frames } = playback;
    return { delayMs, targetDelayMs, maxDelayMs, jitterMs: playback.jitter.quantileMs(0.95), rate, underruns, stopped, frames };
  }

  get corrections(): number {
    return this.prediction?.()?.corrections ?? 0;
  }

  get ping(): number {
    return this.#session.pingMs;
  }

  /** Pings behind `ping` and `rtt` on the current link (the estimate keeps the last 16). */
  get pingSamples(): number {
    return this.#session.roundTrip.samples;
  }

  /** Those pings less what the link conditioner added and how late the page ran it, ms. */
  get pingRest(): number[] {
    return this.#session.roundTrip.unconditioned;
  }

  /** The network's round trips timed off the page's main thread (net/link-probe.ts) on the current link, ms. */
  get pingProbes(): number[] {
    return this.#session.roundTrip.network;
  }

  get rtt(): number {
    return this.#session.room?.clock.smoothedRtt() ?? 0;
  }

  get jitter(): number {
    return this.#session.room?.clock.jitter() ?? 0;
  }

  get self(): PlayerSnapshot | undefined {
    const id = this.#session.sessionId;
    return this.players.find((p) => p.id === id);
  }

  get link(): LinkSettings {
    return { ...this.#session.link.settings };
  }

  /** Change the link conditioner (latencyMs, jitterMs, lossPercent); throws on out-of-range values. */
  setLink(settings: Partial<LinkSettings>): LinkSettings {
    return this.#session.link.set(settings);
  }

  record(entry: FrameRecord): void {
    this.#trace.push(entry);
    if (this.#trace.length > TRACE_LENGTH) this.#trace.shift();
  }

  /** The last frames (up to 240), oldest first. */
  trace(): FrameRecord[] {
    return this.#trace.map((r) => ({ ...r }));
  }
}

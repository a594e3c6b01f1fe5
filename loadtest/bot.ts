/**
 * One bot: a player's whole session against a room of any type. It joins
 * through the SDK like the browser does, lets its room type's behaviour
 * (rooms/<type>/bots.ts) play, and follows a session pattern: stay, churn
 * (leave and join again), or storm (lose the network abruptly and let the
 * SDK win the seat back).
 */
import { CloseCode, type Room } from "@colyseus/sdk";
import { MAX_NAME_LENGTH } from "../shared/protocol.ts";
import type { LinkSettings } from "../shared/link.ts";
import { seededRng, type Behaviour, type BotPlayer, type Rng } from "./behaviour.ts";
import { recordMs } from "./histogram.ts";
import { pingThrough, RoundTripEstimate } from "../shared/round-trip.ts";
import type { Meter } from "./meter.ts";
import { ProbedClient, SocketProbe } from "./socket-probe.ts";
import { botFetch } from "./bot-http.ts";
import { IdentityRequestError, requestGuestToken, type IssuedToken } from "../shared/guest-api.ts";

export type { Behaviour, SessionPattern } from "./behaviour.ts";

export interface BotOptions {
  index: number;
  endpoint: string;
  roomName: string;
  behaviour: Behaviour;
  link: LinkSettings;
  meter: Meter;
  /** Seconds between the storm's waves of dropped sockets. */
  stormEverySeconds: number;
  /** performance.now() at which the run started: storm waves are aligned to it across workers. */
  runStartedAt: number;
  /** Told the fixed step (ms) the room advertises, once this bot has joined a predicted room. */
  onStepRate?: (stepMs: number) => void;
}

/** How often a bot pings, ms: less often than a browser (shared/round-trip.ts), so a large fleet's pings stay a small part of its traffic. */
const PING_EVERY_MS = 2000;
/** A bot asks for a new guest token when its own has less than this left. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

/** The SDK refuses to reconnect a room younger than this (its `minUptime`), ms. */
const SDK_MIN_UPTIME_MS = 5000;

export class Bot {
  private options: BotOptions;
  private rng: Rng;
  private room: Room | undefined;
  private player: BotPlayer | undefined;
  private probe: SocketProbe;
  private stopped = false;
  private joinedAt = 0;
  private droppedAt = 0;
  /** When this bot lost its socket without asking (0: it has not, or is playing again). */
  private lostAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private live = false;
  /** The link's round trip as the browser estimates it (shared/round-trip.ts). */
  private roundTrip = new RoundTripEstimate();
  private pinger: ReturnType<typeof setInterval> | undefined;
  private guest: IssuedToken | undefined;
  private serverHasNoIdentity = false;

  constructor(options: BotOptions) {
    this.options = options;
    this.rng = seededRng(0x9e3779b1 ^ (options.index * 2654435761));
    this.probe = new SocketProbe({ meter: options.meter, link: options.link, decodePatches: options.behaviour.decodesPatches });
  }

  /** Called by the worker's ticker once per fixed step. */
  step(): void {
    if (this.live && this.player?.step && this.room?.connection.isOpen) this.player.step();
  }

  async start(): Promise<void> {
    await this.join();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.player?.stop?.();
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    const room = this.room;
    if (room && this.live) {
      await Promise.race([room.leave(true), new Promise((r) => setTimeout(r, 3000))]);
    }
  }

  /**
   * A bot signs in as a guest once, as a player does when the page loads, and
   * again only when its token is nearly spent. A server without the identity
   * routes (an older commit under `npm run compare`) answers 404: the bot then
   * plays without a token, as players of that server did.
   */
  private async identityToken(): Promise<string | undefined> {
    if (this.serverHasNoIdentity) return undefined;
    if (!this.guest || this.guest.expiresAt - Date.now() < TOKEN_RENEW_MARGIN_MS) {
      try {
        this.guest = await requestGuestToken(this.options.endpoint, `bot ${this.options.index}`.slice(0, MAX_NAME_LENGTH), botFetch as never);
      } catch (error) {
        if (!(error instanceof IdentityRequestError && error.code === 404)) throw error;
        this.serverHasNoIdentity = true;
        return undefined;
      }
    }
    return this.guest.token;
  }

  private async join(): Promise<void> {
    if (this.stopped) return;
    const { meter, endpoint, roomName, index } = this.options;
    const client = new ProbedClient(endpoint, this.probe);
    let room: Room;
    let started = 0;
    try {
      const token = await this.identityToken();
      if (token) client.auth.token = token;
      started = performance.now(); // the sign-in happens before Play, as in the browser: not part of the join
      room = await client.joinOrCreate(roomName, { ...this.options.behaviour.joinOptions, name: `bot ${index}`.slice(0, MAX_NAME_LENGTH) });
    } catch (error) {
      meter.joinFailed(error);
      // A refused player tries again a little later, as a person would.
      this.later(1000 + this.rng() * 2000, () => this.join());
      return;
    }
    recordMs(meter.join, performance.now() - started);
    meter.joinsOk++;
    if (this.lostAt > 0) { recordMs(meter.interruption, performance.now() - this.lostAt); this.lostAt = 0; }
    if (this.stopped) { void room.leave(true); return; }
    this.room = room;
    this.joinedAt = performance.now();
    this.live = true;
    meter.setConnected(+1);
    // Broadcasts are part of the traffic a player receives; a behaviour reads the ones it needs.
    room.onMessage("*", () => {});
    this.player?.stop?.();
    this.player = this.options.behaviour.play({
      room,
      rng: this.rng,
      rtt: () => this.roundTrip.estimateMs,
      acknowledged: (ms) => { recordMs(meter.ack, ms); meter.inputsSent++; meter.inputsAcked++; },
    });
    // Like the browser, keep the link's round trip for the input-queue rule.
    this.roundTrip.reset();
    const ping = () => pingThrough(room, this.probe.conditioner, (total, conditioned, late) => this.roundTrip.add(total, conditioned, late));
    ping();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = setInterval(ping, PING_EVERY_MS);
    const input = this.player.input;
    if (input) {
      this.probe.watchInput(input);
      if (input.stepMs) this.options.onStepRate?.(input.stepMs);
    }
    room.onDrop((code) => {
      meter.closed(code);
      if (this.live) { this.live = false; meter.setConnected(-1); }
      this.droppedAt = performance.now();
      this.lostAt ||= this.droppedAt;
    });
    room.onReconnect(() => {
      const now = performance.now();
      meter.reconnectsOk++;
      if (this.droppedAt > 0) recordMs(meter.reconnect, now - this.droppedAt);
      this.droppedAt = 0;
      if (this.lostAt > 0) {
        meter.resumesOk++;
        recordMs(meter.resume, now - this.lostAt);
        recordMs(meter.interruption, now - this.lostAt);
        this.lostAt = 0;
      }
      this.live = true;
      meter.setConnected(+1);
    });
    room.onLeave((code) => {
      if (this.droppedAt > 0) meter.reconnectsFailed++;
      this.droppedAt = 0;
      // Any leave the bot did not ask for costs its seat, also the drops the SDK does not even retry (a room under its minUptime).
      if (!this.stopped && code !== CloseCode.CONSENTED) {
        meter.resumesFailed++;
        this.lostAt ||= performance.now();
      }
      if (this.live) { this.live = false; meter.setConnected(-1); }
      // A drop already counted its code; the leave that ends a failed reconnection is its own code.
      meter.closed(code);
      this.room = undefined;
      this.player?.stop?.();
      this.player = undefined;
      if (this.pinger) { clearInterval(this.pinger); this.pinger = undefined; }
      if (!this.stopped && code !== CloseCode.CONSENTED) this.later(1000, () => this.join());
    });
    this.planSession();
  }

  private planSession(): void {
    const { session } = this.options.behaviour;
    if (session === "churn") {
      this.later(2000 + this.rng() * 6000, async () => {
        if (!this.room || !this.live) return;
        const room = this.room;
        await room.leave(true);
        this.later(200 + this.rng() * 800, () => this.join());
      });
    } else if (session === "storm") {
      this.scheduleStorm();
    }
  }

  /** Drop on the next wave that finds this seat old enough for the SDK to reconnect. */
  private scheduleStorm(): void {
    const every = this.options.stormEverySeconds * 1000;
    const now = performance.now();
    const sinceStart = now - this.options.runStartedAt;
    let wave = (Math.floor(sinceStart / every) + 1) * every;
    while (this.options.runStartedAt + wave - this.joinedAt < SDK_MIN_UPTIME_MS + 500) wave += every;
    const at = this.options.runStartedAt + wave + this.rng() * 250;
    this.later(at - now, () => {
      if (this.room && this.live) {
        this.probe.dropSocket();
        this.joinedAt = performance.now(); // the next wave waits for the reconnected seat to age too
      }
      this.scheduleStorm();
    });
  }

  private later(ms: number, fn: () => unknown): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => { this.timer = undefined; if (!this.stopped) void fn(); }, Math.max(0, ms));
  }
}

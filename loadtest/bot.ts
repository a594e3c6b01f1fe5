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
import { seededRng, type Behaviour, type BotPlayer, type BotSeat, type Rng } from "./behaviour.ts";
import { recordMs } from "./histogram.ts";
import { pingThrough, RoundTripEstimate } from "../shared/round-trip.ts";
import type { Meter } from "./meter.ts";
import { ProbedClient, SocketProbe } from "./socket-probe.ts";
import { botFetch } from "./bot-http.ts";
import { IdentityRequestError, requestGuestToken, type IssuedToken } from "../shared/guest-api.ts";
import { resumeSeat, unanswered } from "../shared/resume.ts";

export type { Behaviour, SessionPattern } from "./behaviour.ts";

export interface BotOptions {
  index: number;
  /** The addresses this bot knows, its own first: it joins through the first that answers and, when one stops answering, goes on to the next. */
  endpoints: readonly string[];
  roomName: string;
  behaviour: Behaviour;
  link: LinkSettings;
  meter: Meter;
  /** Bots per room, for behaviours that choose their room (BotSeat). */
  perRoom: number;
  /** This run's id, the same in every worker. */
  run: string;
  /** Seconds between the storm's waves of dropped sockets. */
  stormEverySeconds: number;
  /** The share of storm bots whose socket each wave drops, 0–1. */
  stormFraction: number;
  /** Bots at the top of the ramp (BotSeat). */
  size: number;
  /** The run's room-type parameters (`--param key=value`). */
  params: Readonly<Record<string, string>>;
  /** Another bot's user id, once it has signed in. */
  userOf(bot: number): string | undefined;
  /** Told this bot's user id once it has signed in. */
  onIdentity?(userId: string): void;
  /** performance.now() at which the run started: storm waves are aligned to it across workers. */
  runStartedAt: number;
  /** Told the fixed step (ms) the room advertises, once this bot has joined a predicted room. */
  onStepRate?: (stepMs: number) => void;
}

/** How often a bot pings, ms: less often than a browser (shared/round-trip.ts), so a large fleet's pings stay a small part of its traffic. */
const PING_EVERY_MS = 2000;
/** A bot asks for a new guest token when its own has less than this left. */
const TOKEN_RENEW_MARGIN_MS = 60_000;

/** How long a bot that is between rooms at the end of the run is waited for, ms. */
const SEATED_WAIT_MS = 15_000;

/** A storm drops only seats at least this old, ms: the SDK's `minUptime`, below which a browser's own retry would not even try. */
const SDK_MIN_UPTIME_MS = 5000;
/** A bot gives up resuming its seat after this long, ms, and joins anew: longer than a room takes to move between processes. */
const RESUME_WITHIN_MS = 30_000;

export class Bot {
  private options: BotOptions;
  private rng: Rng;
  private room: Room | undefined;
  /** The SDK client of the current seat: a resume uses it, with the identity it joined with. */
  private client: ProbedClient | undefined;
  private player: BotPlayer | undefined;
  private probe: SocketProbe;
  private stopped = false;
  /** The run is ending: no more storms or churn. */
  private quieting = false;
  private joinedAt = 0;
  /** When this bot lost its socket without asking (0: it has not, or is playing again). */
  private lostAt = 0;
  /** Between losing a seat and getting it back or giving up. */
  private resuming = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private live = false;
  /** The link's round trip as the browser estimates it (shared/round-trip.ts). */
  private roundTrip = new RoundTripEstimate();
  private pinger: ReturnType<typeof setInterval> | undefined;
  private guest: IssuedToken | undefined;
  private userId: string | undefined;
  private serverHasNoIdentity = false;
  /** Which of `options.endpoints` this bot goes through now. */
  private via = 0;

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

  /**
   * The run is ending: no more storms or churn (a bot whose socket just
   * dropped still resumes or joins again, to settle); the behaviour sends nothing new
   * and settles what it sent.
   */
  async quiet(): Promise<void> {
    this.quieting = true;
    // Only a behaviour that accounts at the end needs its bot back in a room first.
    if (!this.options.behaviour.reconcile) return;
    await (await this.seated())?.quiet?.();
  }

  /** What the behaviour reports for the fleet's reconciliation, once every bot is quiet. */
  async account(): Promise<unknown> {
    if (!this.options.behaviour.reconcile) return undefined;
    return (await this.seated())?.account?.();
  }

  /** The player once this bot is in a room again (a dropped bot resumes or rejoins within seconds); undefined if it never is. */
  private async seated(): Promise<BotPlayer | undefined> {
    for (let waited = 0; !this.stopped && !(this.player && this.live) && waited < SEATED_WAIT_MS; waited += 200) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return this.player;
  }

  /** The run ends: a seat still being resumed did not come back in time, and counts as lost. */
  settle(): void {
    if (this.resuming) this.options.meter.resumesFailed++;
    this.stopped = true;
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
        this.guest = await requestGuestToken(this.endpoint(), `bot ${this.options.index}`.slice(0, MAX_NAME_LENGTH), botFetch as never);
        if (this.guest.user.id !== this.userId) {
          this.userId = this.guest.user.id;
          this.options.onIdentity?.(this.userId);
        }
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
    const { meter, roomName, index } = this.options;
    const client = new ProbedClient(this.endpoint(), this.probe);
    let room: Room;
    let started = 0;
    try {
      const token = await this.identityToken();
      if (token) client.auth.token = token;
      started = performance.now(); // the sign-in happens before Play, as in the browser: not part of the join
      const { joinOptions } = this.options.behaviour;
      const options = typeof joinOptions === "function" ? joinOptions(this.seat()) : joinOptions;
      room = await client.joinOrCreate(roomName, { ...options, name: `bot ${index}`.slice(0, MAX_NAME_LENGTH) });
    } catch (error) {
      meter.joinFailed(error);
      if (unanswered(error)) this.nextEndpoint(); // that address is down
      // A refused player tries again a little later, as a person would.
      this.later(1000 + this.rng() * 2000, () => this.join());
      return;
    }
    recordMs(meter.join, performance.now() - started);
    meter.joinsOk++;
    if (this.stopped) { void room.leave(true); return; }
    if (this.lostAt > 0) { recordMs(meter.interruption, performance.now() - this.lostAt); this.lostAt = 0; }
    this.client = client;
    this.enter(room);
    this.planSession();
  }

  /** Play in `room`, just joined or resumed. */
  private enter(room: Room): void {
    const { meter } = this.options;
    // The SDK's own retry goes back to the socket's old address, gone with its process: resumeSeat asks matchmaking instead.
    room.reconnection.enabled = false;
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
      seat: this.seat(),
      userId: this.guest?.user.id ?? "",
      userOf: this.options.userOf,
      acknowledged: (ms) => { recordMs(meter.ack, ms); meter.inputsSent++; meter.inputsAcked++; },
      time: (name, ms) => meter.time(name, ms),
      count: (name, amount) => meter.count(name, amount),
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
    room.onLeave((code) => this.left(room, code));
  }

  /** Out of `room`: on purpose (4000) the session plan decides what next; otherwise the bot resumes its seat, or joins anew when it cannot. */
  private left(room: Room, code: number): void {
    if (this.room !== room) return;
    const { meter } = this.options;
    if (this.live) { this.live = false; meter.setConnected(-1); }
    meter.closed(code);
    this.room = undefined;
    this.player?.stop?.();
    this.player = undefined;
    if (this.pinger) { clearInterval(this.pinger); this.pinger = undefined; }
    if (this.stopped || code === CloseCode.CONSENTED) return;
    this.lostAt ||= performance.now();
    void this.resume(room.reconnectionToken);
  }

  /** Back into the same seat wherever its room is now (shared/resume.ts); a seat that is gone costs a new join. */
  private async resume(reconnectionToken: string): Promise<void> {
    const { meter } = this.options;
    let room: Room;
    this.resuming = true;
    try {
      room = await resumeSeat(this.client!, reconnectionToken, {
        withinMs: RESUME_WITHIN_MS,
        cancelled: () => this.stopped,
        nextClient: (unanswered) => {
          this.nextEndpoint();
          const client = new ProbedClient(this.endpoint(), this.probe);
          if (unanswered.auth.token) client.auth.token = unanswered.auth.token;
          return (this.client = client);
        },
      });
    } catch {
      if (this.stopped) return;
      this.resuming = false;
      meter.resumesFailed++;
      this.later(0, () => this.join());
      return;
    }
    if (this.stopped) { void room.leave(true); return; }
    this.resuming = false;
    const now = performance.now();
    meter.resumesOk++;
    recordMs(meter.resume, now - this.lostAt);
    recordMs(meter.interruption, now - this.lostAt);
    this.lostAt = 0;
    this.enter(room);
  }

  private endpoint(): string {
    return this.options.endpoints[this.via % this.options.endpoints.length];
  }

  private nextEndpoint(): void {
    this.via++;
  }

  private seat(): BotSeat {
    const { index, size, perRoom, run, params } = this.options;
    return { bot: index, size, room: Math.floor(index / perRoom), perRoom, run, params };
  }

  private planSession(): void {
    const { session } = this.options.behaviour;
    if (session === "churn") {
      this.later(2000 + this.rng() * 6000, async () => {
        if (!this.room || !this.live || this.quieting) return;
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
      if (this.quieting) return;
      if (this.room && this.live && this.rng() < this.options.stormFraction) {
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

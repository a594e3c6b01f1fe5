/**
 * One bot: a player's whole session against a room. It joins through the
 * SDK like the browser does, plays one input per fixed step, and follows a
 * session pattern: stay, churn (leave and join again), or storm (lose the
 * network abruptly and let the SDK win the seat back).
 */
import { CloseCode, type Room } from "@colyseus/sdk";
import { ArenaInput } from "../rooms/arena/state.ts";
import { fighter, mover, seededRng, type ArenaPlayer, type InputPort, type NetworkRtt, type Rng } from "./arena-players.ts";
import { recordMs } from "./histogram.ts";
import { pingThrough, RoundTripEstimate } from "../game-client/src/net/round-trip.ts";
import type { LinkSettings } from "../game-client/src/net/link.ts";
import type { Meter } from "./meter.ts";
import { ProbedClient, SocketProbe } from "./socket-probe.ts";

export type SessionPattern = "stay" | "churn" | "storm";

/** A behaviour: how a bot plays a room type, and how its session goes. */
export interface Behaviour {
  /** Build the player that decides each step's input. */
  play(room: Room, rng: Rng, rtt: NetworkRtt): ArenaPlayer;
  session: SessionPattern;
  /** Does this behaviour read the state beyond the first full snapshot? */
  decodesPatches: boolean;
}

function arenaInput(room: Room): InputPort {
  // The browser's own input schema, passed explicitly: bots and browser cannot drift apart.
  return room.input({ type: ArenaInput }) as unknown as InputPort;
}

/** Behaviours by room type, then by name. */
export const BEHAVIOURS: Record<string, Record<string, Behaviour>> = {
  arena: {
    /** Moving, aiming, shooting, dying, respawning. */
    play: { session: "stay", decodesPatches: true, play: (room, rng, rtt) => fighter(arenaInput(room), room, rng, rtt) },
    /** Moving every step, direction re-rolled about once a second; reads no patches. */
    move: { session: "stay", decodesPatches: false, play: (room, rng, rtt) => mover(arenaInput(room), room, rng, rtt) },
    /** Plays for 2–8 s, leaves, comes back. */
    churn: { session: "churn", decodesPatches: true, play: (room, rng, rtt) => fighter(arenaInput(room), room, rng, rtt) },
    /** Plays, and every few seconds loses its connection without a close frame. */
    storm: { session: "storm", decodesPatches: true, play: (room, rng, rtt) => fighter(arenaInput(room), room, rng, rtt) },
  },
};

export function behaviourFor(roomName: string, name: string): Behaviour {
  const byName = BEHAVIOURS[roomName];
  if (!byName) throw new Error(`No bot behaviours for room type "${roomName}". Known room types: ${Object.keys(BEHAVIOURS).join(", ")}.`);
  const behaviour = byName[name];
  if (!behaviour) throw new Error(`No behaviour "${name}" for room type "${roomName}". Known: ${Object.keys(byName).join(", ")}.`);
  return behaviour;
}

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
}


/** How often a bot pings, ms: less often than a browser (net/round-trip.ts), so a large fleet's pings stay a small part of its traffic. */
const PING_EVERY_MS = 2000;

/** The SDK refuses to reconnect a room younger than this (its `minUptime`), ms. */
const SDK_MIN_UPTIME_MS = 5000;

export class Bot {
  private options: BotOptions;
  private rng: Rng;
  private room: Room | undefined;
  private player: ArenaPlayer | undefined;
  private probe: SocketProbe;
  private stopped = false;
  private joinedAt = 0;
  private droppedAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private live = false;
  /** The link's round trip as the browser estimates it (game-client/src/net/round-trip.ts). */
  private roundTrip = new RoundTripEstimate();
  private pinger: ReturnType<typeof setInterval> | undefined;

  constructor(options: BotOptions) {
    this.options = options;
    this.rng = seededRng(0x9e3779b1 ^ (options.index * 2654435761));
    this.probe = new SocketProbe({ meter: options.meter, link: options.link, decodePatches: options.behaviour.decodesPatches });
  }

  /** Called by the worker's ticker once per fixed step. */
  step(): void {
    if (this.live && this.player && this.room?.connection.isOpen) this.player.step();
  }

  async start(): Promise<void> {
    await this.join();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    const room = this.room;
    if (room && this.live) {
      await Promise.race([room.leave(true), new Promise((r) => setTimeout(r, 3000))]);
    }
  }

  private async join(): Promise<void> {
    if (this.stopped) return;
    const { meter, endpoint, roomName, index } = this.options;
    const client = new ProbedClient(endpoint, this.probe);
    const started = performance.now();
    let room: Room;
    try {
      room = await client.joinOrCreate(roomName, { name: `bot ${index}`.slice(0, 16) });
    } catch (error) {
      meter.joinFailed(error);
      // A refused player tries again a little later, as a person would.
      this.later(1000 + this.rng() * 2000, () => this.join());
      return;
    }
    recordMs(meter.join, performance.now() - started);
    meter.joinsOk++;
    if (this.stopped) { void room.leave(true); return; }
    this.room = room;
    this.joinedAt = performance.now();
    this.live = true;
    meter.setConnected(+1);
    // Broadcasts ("killed", "chat") are part of the traffic a player receives; a bot just doesn't read them.
    room.onMessage("*", () => {});
    this.player = this.options.behaviour.play(room, this.rng, () => this.roundTrip.estimateMs);
    // Like the browser, keep the link's round trip for the input-queue rule.
    this.roundTrip.reset();
    const ping = () => pingThrough(room, this.probe.conditioner, (total, conditioned, late) => this.roundTrip.add(total, conditioned, late));
    ping();
    if (this.pinger) clearInterval(this.pinger);
    this.pinger = setInterval(ping, PING_EVERY_MS);
    this.probe.watchInput(room.input());
    room.onDrop((code) => {
      meter.closed(code);
      if (this.live) { this.live = false; meter.setConnected(-1); }
      this.droppedAt = performance.now();
    });
    room.onReconnect(() => {
      meter.reconnectsOk++;
      if (this.droppedAt > 0) recordMs(meter.reconnect, performance.now() - this.droppedAt);
      this.droppedAt = 0;
      this.live = true;
      meter.setConnected(+1);
    });
    room.onLeave((code) => {
      if (this.droppedAt > 0) meter.reconnectsFailed++;
      if (this.live) { this.live = false; meter.setConnected(-1); }
      // A drop already counted its code; the leave that ends a failed reconnection is its own code.
      meter.closed(code);
      this.room = undefined;
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

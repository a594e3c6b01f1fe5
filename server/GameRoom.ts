/**
 * The base every Tickforge room extends: a Colyseus Room plus the message
 * hygiene a public game server needs.
 *
 * Colyseus already bounds frames (4 KB), caps messages per second
 * (`maxMessagesPerSecond`, close 4002) and validates with a standard schema,
 * but a failed validation or an unknown type closes the socket with no reason.
 * Here a bad message instead gets its sender a typed error it can show
 * (`room.onError(code, message)`), and only a sender that keeps misbehaving is
 * kicked, with a reason in the close frame. Nothing a client sends reaches a
 * handler unvalidated, and nothing it sends can throw out of a handler.
 *
 * It also does what operating many rooms needs: logs with room and session
 * ids, step timing for metrics and placement, server-wide announcements, the
 * bounded drain on shutdown. Who may join (identity, and a clear refusal
 * while Redis is down) is server/identity/admission.ts, for every room type.
 */
import { CloseCode, Room, type Client } from "@colyseus/core";
import type { z } from "zod";
import { ANNOUNCEMENT_MESSAGE, type Announcement } from "./announcements.ts";
import { ClientErrorCode, KickCode, SHUTDOWN_CLOSE_CODE } from "./errors.ts";
import { DEFAULT_ADMISSION, type Admission } from "./identity/admission.ts";
import { ownerOfReconnection } from "./identity/seats.ts";
import { limitRoomCreation } from "./edge/room-creation.ts";
import { logger, type Logger } from "./logger.ts";
import { reconnects, rejectedMessages, tickDuration } from "./metrics.ts";
import { recordTickTime } from "./placement.ts";
import { liveRooms } from "./live-rooms.ts";
import { currentDrain, type DrainPlan } from "./shutdown.ts";

/** Misbehaviours within STRIKE_WINDOW_MS that get a client kicked. */
const STRIKES_TO_KICK = 5;
const STRIKE_WINDOW_MS = 10_000;

/** Steps run back to back to catch up after a stall; beyond that they are dropped, as in Colyseus. */
const MAX_CATCHUP_STEPS = 5;

/** Per-client budget for room messages (chat, emotes…); inputs have their own bounded buffer. */
const MESSAGE_BURST = 10;
const MESSAGES_PER_SECOND = 5;

const REJECTION_REASON: Record<number, string> = {
  [ClientErrorCode.INVALID_MESSAGE]: "invalid",
  [ClientErrorCode.UNKNOWN_MESSAGE]: "unknown_type",
  [ClientErrorCode.RATE_LIMITED]: "rate_limited",
};

interface Conduct { strikes: number[]; tokens: number; refilledAt: number }

export abstract class GameRoom<T extends Record<string, any> = any> extends Room<T> {
  protected log: Logger = logger;
  #conduct = new Map<string, Conduct>();

  constructor() {
    super();
    // Unknown types earn a strike instead of Colyseus's silent production kick.
    this.onMessage("*", (client, type) => {
      this.strike(client, ClientErrorCode.UNKNOWN_MESSAGE, `Unknown message type "${String(type)}".`);
    });
    this.wrapLifecycle();
  }

  /**
   * What this room type accepts (server/identity/admission.ts checks it in
   * the framework's onAuth, before a seat is reserved). Override to refuse guests.
   */
  static admits: Admission = DEFAULT_ADMISSION;

  /** Who owns the seat a reconnection token resumes; asked across processes by the reconnect route (server/identity/seats.ts). */
  ownerOfReconnection(reconnectionToken: string): string | undefined {
    return ownerOfReconnection(this as unknown as Room, reconnectionToken);
  }

  /**
   * Graceful shutdown (server/shutdown.ts): warn the players, keep playing for
   * the drain time, then close with 4001 so clients join a room elsewhere.
   * Outside a drain (tests, dev) this is Colyseus's immediate disconnect.
   */
  override onBeforeShutdown(): void {
    const drain = currentDrain();
    if (drain) this.beginDrain(drain);
    else super.onBeforeShutdown();
  }

  #draining = false;
  beginDrain(drain: DrainPlan): void {
    if (this.#draining) return;
    this.#draining = true;
    this.lock().catch(() => { /* the listing update needs Redis; locally the room is locked */ });
    if (drain.drainMs <= 0 || this.clients.length === 0) {
      this.disconnect(SHUTDOWN_CLOSE_CODE).catch(() => { /* already disposing */ });
      return;
    }
    this.log.info({ players: this.clients.length, drainMs: drain.drainMs }, "room draining");
    this.announceToAll("shutdown", { reason: drain.reason, disconnectInMs: drain.drainMs });
    setTimeout(() => {
      this.disconnect(SHUTDOWN_CLOSE_CODE).catch(() => { /* already disposing */ });
    }, drain.drainMs).unref();
  }

  /** A server-wide announcement (server/announcements.ts) reaches every client here. */
  showAnnouncement(announcement: Announcement): void {
    this.announceToAll(ANNOUNCEMENT_MESSAGE, announcement);
  }

  /** Framework messages every GameRoom sends, whatever message types its subclass declares. */
  private announceToAll(type: "shutdown" | "announcement", payload: object) {
    (this as unknown as Room).broadcast(type, payload);
  }

  /**
   * Rooms implement onCreate/onJoin/onReconnect/onLeave without calling super,
   * so the base wraps whichever the subclass defines: logs carry the room and
   * session ids, every room follows announcements and can be drained,
   * reconnects are counted. Join, reconnect and leave hooks are wrapped only
   * if they exist: Colyseus treats a missing one differently.
   */
  private wrapLifecycle() {
    const self = this as unknown as Record<string, ((...args: any[]) => any) | undefined>;
    const onCreate = self.onCreate;
    self.onCreate = (options: unknown) => {
      limitRoomCreation(this.roomName);
      this.log = logger.child({ roomId: this.roomId, roomType: this.roomName });
      liveRooms.add(this);
      return onCreate?.call(this, options);
    };
    const onDispose = self.onDispose;
    self.onDispose = async () => {
      liveRooms.delete(this);
      return onDispose?.call(this);
    };
    const onJoin = self.onJoin;
    if (onJoin) {
      self.onJoin = async (client: Client, ...rest: unknown[]) => {
        const result = await onJoin.call(this, client, ...rest);
        this.log.info({ sessionId: client.sessionId, players: this.clients.length }, "player joined");
        return result;
      };
    }
    const onReconnect = self.onReconnect;
    if (onReconnect) {
      self.onReconnect = async (client: Client, ...rest: unknown[]) => {
        const result = await onReconnect.call(this, client, ...rest);
        reconnects.labels(this.roomName).inc();
        this.log.info({ sessionId: client.sessionId }, "player reconnected");
        return result;
      };
    }
    const onLeave = self.onLeave;
    if (onLeave) {
      self.onLeave = async (client: Client, code?: number, ...rest: unknown[]) => {
        this.log.info({ sessionId: client.sessionId, code }, "player left");
        return onLeave.call(this, client, code, ...rest);
      };
    }
  }

  /**
   * Colyseus's fixed step, on a steadier clock, and timed into
   * tickforge_tick_duration_seconds{room_type}.
   *
   * Colyseus paces the step with setInterval(1000 / tickRate). Node restarts an
   * interval from when its callback ran and at whole milliseconds, so 33.3 ms
   * becomes about 34: the accumulator then runs two steps in one callback every
   * second or two. A client sending one input per 33.3 ms sees its input wait a
   * whole extra step each time, the queue the pacing later drains. Here each
   * step is scheduled for its own deadline (start + n steps), so steps stay
   * evenly spaced, and ctx.tick is that n: after a stall it jumps over the
   * steps that were dropped. Colyseus's setup (the tick rate advertised to
   * clients, the sub-steps) is kept and only its timer is replaced.
   */
  override setFixedTimestep(step: Parameters<Room["setFixedTimestep"]>[0], tickRate = 60, opts?: { subSteps?: number }): void {
    const durations = tickDuration.labels(this.roomName);
    const timedStep: typeof step = (ctx) => {
      const started = performance.now();
      try {
        step(ctx);
      } catch (error) {
        this.onUncaughtException(error as Error, "setFixedTimestep");
      } finally {
        const seconds = (performance.now() - started) / 1000;
        durations.observe(seconds);
        recordTickTime(seconds); // the placement signal: how busy this process's steps keep it
      }
    };
    super.setFixedTimestep(timedStep, tickRate, opts);
    clearInterval(this["_simulationInterval"]);

    const stepMs = 1000 / tickRate;
    const subSteps = opts?.subSteps ?? this["_inputController"]?.options.subSteps ?? 1;
    const ctx = { dt: 1 / tickRate, dtMs: stepMs, tick: 0, subSteps, subDt: 1 / tickRate / subSteps, subDtMs: stepMs / subSteps };
    // Tick n is due at start + n steps. A stall longer than the catch-up skips
    // ticks, as Colyseus does, but ctx.tick keeps counting real time, so a room
    // sees the gap (the arena lets its players make those steps up).
    const start = performance.now() + stepMs;
    let tick = 0;
    let timer: NodeJS.Timeout;
    const schedule = () => {
      timer = setTimeout(run, start + tick * stepMs - performance.now());
      this["_simulationInterval"] = timer; // what Colyseus clears on dispose
    };
    const run = () => {
      this.clock.tick();
      let ran = 0;
      while (performance.now() >= start + tick * stepMs && ran < MAX_CATCHUP_STEPS) {
        ctx.tick = tick++;
        timedStep(ctx);
        ran++;
      }
      const behind = performance.now() - (start + tick * stepMs);
      if (behind >= 0) tick += Math.floor(behind / stepMs) + 1; // a hitch: skip the backlog, don't spiral
      if (this["_simulationInterval"] === timer) schedule(); // else the room was disposed or given a new step
    };
    schedule();
  }

  /**
   * Colyseus wraps every hook, timer and step in try/catch when this exists:
   * a bug in one room is logged with its ids and never takes the process down.
   */
  onUncaughtException(error: Error, methodName: string): void {
    this.log.error({ err: error, roomId: this.roomId, roomName: this.roomName, method: methodName }, "uncaught exception in room");
  }

  /**
   * Register a handler for a client message whose payload must match `shape`.
   * An invalid payload or one over the sender's rate budget never reaches
   * `handler`; the sender gets an error instead.
   */
  protected handle<S extends z.ZodType>(
    type: string,
    shape: S,
    handler: (client: Client, message: z.output<S>) => void,
  ): void {
    this.onMessage(type, (client, payload) => {
      if (!this.withinRate(client)) {
        this.strike(client, ClientErrorCode.RATE_LIMITED, `Too many "${type}" messages; at most ${MESSAGES_PER_SECOND} a second.`);
        return;
      }
      const parsed = shape.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? ` at "${issue.path.join(".")}"` : "";
        this.strike(client, ClientErrorCode.INVALID_MESSAGE, `Invalid "${type}" message${where}: ${issue.message}`);
        return;
      }
      try {
        handler(client, parsed.data);
      } catch (error) {
        // A bug in a handler costs that message only, never the room.
        this.log.error({ err: error, roomId: this.roomId, sessionId: client.sessionId, type }, "message handler failed");
      }
    });
  }

  /** Tell a client what it did wrong; repeat offenders are kicked. */
  protected strike(client: Client, code: number, message: string): void {
    this.log.warn({ roomId: this.roomId, sessionId: client.sessionId, code }, message);
    rejectedMessages.labels(this.roomName, REJECTION_REASON[code] ?? String(code)).inc();
    client.error(code, message);
    const conduct = this.conductOf(client);
    const now = Date.now();
    conduct.strikes = conduct.strikes.filter((t) => now - t < STRIKE_WINDOW_MS);
    conduct.strikes.push(now);
    if (conduct.strikes.length >= STRIKES_TO_KICK) {
      this.kick(client, `Kicked: ${STRIKES_TO_KICK} rejected messages in ${STRIKE_WINDOW_MS / 1000} s. Last: ${message}`);
    }
  }

  /** Close a client's connection with a reason it can show; its seat is not held. */
  protected kick(client: Client, reason: string): void {
    this.log.warn({ roomId: this.roomId, sessionId: client.sessionId }, reason);
    client.leave(KickCode.ABUSE, reason);
  }

  /** Was this drop a kick (no seat to hold) rather than a network failure? */
  protected wasKicked(code: number | undefined): boolean {
    return code === KickCode.ABUSE || code === CloseCode.CONSENTED;
  }

  /** Forget a client's conduct record once it has left for good. */
  protected forgetConduct(sessionId: string): void {
    this.#conduct.delete(sessionId);
  }

  private withinRate(client: Client): boolean {
    const conduct = this.conductOf(client);
    const now = Date.now();
    conduct.tokens = Math.min(MESSAGE_BURST, conduct.tokens + ((now - conduct.refilledAt) / 1000) * MESSAGES_PER_SECOND);
    conduct.refilledAt = now;
    if (conduct.tokens < 1) return false;
    conduct.tokens -= 1;
    return true;
  }

  private conductOf(client: Client): Conduct {
    let conduct = this.#conduct.get(client.sessionId);
    if (!conduct) {
      conduct = { strikes: [], tokens: MESSAGE_BURST, refilledAt: Date.now() };
      this.#conduct.set(client.sessionId, conduct);
    }
    return conduct;
  }
}

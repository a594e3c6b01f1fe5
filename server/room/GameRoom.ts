/**
 * The base every Tickforge room extends: a Colyseus Room that composes the
 * framework's pieces (Colyseus RoomPlugins) and gets its settings from its
 * room type. A room lists its pieces:
 *
 *   plugins = definePlugins([...framework({ budget: { perSecond: 5, burst: 10 } }), new SeatHolding()]);
 *
 * `framework()` is the lifecycle piece (settings, logs), conduct (validated
 * messages, strikes, kicks), drain/announcements and live notifications
 * (server/room/notifications.ts); seat holding and
 * anything else a type needs are added beside them. Nothing here wraps or
 * patches the room's own lifecycle methods: Colyseus runs the pieces' hooks
 * around them.
 *
 * Who may join is the framework's onAuth (server/room/admission.ts), which
 * createGameServer installs on every registered room type. Besides, the base logs any bug in
 * a hook or step with the room's ids instead of crashing, runs the fixed
 * step on deadlines and times it into metrics and placement.
 */
import { Room } from "@colyseus/core";
import { logger, type Logger } from "../logger.ts";
import { tickDuration } from "../ops/metrics.ts";
import { recordTickTime } from "../ops/placement.ts";
import { currentDrain } from "../ops/shutdown.ts";
import { Conduct, type ConductOptions } from "./conduct.ts";
import { DrainAndAnnounce, drainOf, type DrainOptions } from "./drain.ts";
import { DurableRoom } from "./durable.ts";
import { runOnDeadlines, type StepContext } from "./fixed-step.ts";
import { RoomLifecycle, type RoomSetup } from "./lifecycle.ts";
import { LiveNotifications } from "./notifications.ts";
import type { Notifier } from "../ops/notifications.ts";
import { expectReconnection, seatOwner } from "./seats.ts";
import type { Store } from "../storage/store.ts";
import type { FrameworkSettings } from "./room-type.ts";

/** The pieces every room composes, in the order their hooks run. The durable piece acts only for a type whose descriptor says `durable`. */
export function framework(options: ConductOptions & DrainOptions = {}) {
  return [new RoomLifecycle(), new Conduct(options), new DrainAndAnnounce(options), new LiveNotifications(), new DurableRoom()] as const;
}

export abstract class GameRoom<
  T extends Record<string, any> = any,
  S extends Record<string, unknown> = Record<string, unknown>,
> extends Room<T> {
  /** The server's settings for every room, and this room type's own (defaults, then its namespaced env). */
  settings!: Readonly<FrameworkSettings & S>;
  /** Logs carrying this room's id and type. */
  protected log: Logger = logger;
  /** The room type's name, as registered. */
  roomType = "";
  /** The process's Store (history, documents, cursors, sets, locks), shared by every room; the server closes it. */
  store!: Store;
  /** Live notifications to any user, wherever they are connected: `this.notifier.notify(userId, { kind, text })`. */
  notifier!: Notifier;
  readonly #stepObservers = new Set<(tick: number, seconds: number) => void>();

  /** Call `observer` after every fixed step with its tick and wall time (s), for specs and probes; returns the unsubscribe. */
  observeSteps(observer: (tick: number, seconds: number) => void): () => void {
    this.#stepObservers.add(observer);
    return () => this.#stepObservers.delete(observer);
  }

  /** Called by the lifecycle piece before the room's own onCreate. */
  adoptSetup(setup: RoomSetup, log: Logger): void {
    this.settings = Object.freeze({ ...setup.settings, ...setup.framework }) as Readonly<FrameworkSettings & S>;
    this.roomType = setup.type;
    this.store = setup.store;
    this.notifier = setup.notifier;
    this.log = log;
  }

  /**
   * Who owns the seat a reconnection token resumes (server/room/seats.ts).
   * The reconnect route asks the room's process by remote room call, so it
   * is a method of the room (server/identity/reconnection.ts).
   */
  ownerOfReconnection(reconnectionToken: string): string | undefined {
    return seatOwner(this, reconnectionToken);
  }

  /** The reconnect route, once the identity is the owner's: a socket of that seat still open here is being replaced, not kicked. */
  expectReconnection(reconnectionToken: string): void {
    expectReconnection(this, reconnectionToken);
  }

  /**
   * Graceful shutdown (server/ops/shutdown.ts): the drain piece warns the
   * players and keeps the room playing for the drain time (a durable room
   * then moves instead of ending, server/room/durable.ts). Outside a drain
   * (tests, dev) this is Colyseus's immediate disconnect.
   */
  override onBeforeShutdown(): void {
    const drain = currentDrain();
    const piece = drainOf(this);
    if (drain && piece) piece.beginDrain(drain);
    else super.onBeforeShutdown();
  }

  /**
   * Colyseus wraps every hook, timer and step in try/catch when this exists:
   * a bug in one room is logged with its ids and never takes the process down.
   */
  onUncaughtException(error: Error, methodName: string): void {
    this.log.error({ err: error, roomId: this.roomId, roomName: this.roomName, method: methodName }, "uncaught exception in room");
  }

  /**
   * Colyseus's fixed step (the tick rate it advertises to clients, its
   * sub-steps), run on deadlines (server/room/fixed-step.ts) and timed into
   * tickforge_tick_duration_seconds{room_type} and the placement signal.
   * The tick rate defaults to the server's TICK_RATE.
   */
  override setFixedTimestep(step: (ctx: StepContext) => void, tickRate: number = this.settings.tickRate, opts?: { subSteps?: number }): void {
    const durations = tickDuration().labels(this.roomName);
    const timedStep = (ctx: StepContext) => {
      const started = performance.now();
      try {
        step(ctx);
      } catch (error) {
        this.onUncaughtException(error as Error, "setFixedTimestep");
      } finally {
        const seconds = (performance.now() - started) / 1000;
        durations.observe(seconds);
        recordTickTime(seconds); // the placement signal: how busy this process's steps keep it
        for (const observer of this.#stepObservers) observer(ctx.tick, seconds);
      }
    };
    super.setFixedTimestep(timedStep, tickRate, opts);
    runOnDeadlines(this, timedStep, tickRate, opts?.subSteps);
  }
}

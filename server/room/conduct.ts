/**
 * Conduct: what a room does about what its clients send. Every message type
 * a room handles goes through `handle(type, schema, handler)`: over the
 * type's rate budget or of the wrong shape, it never reaches the handler and
 * its sender gets a typed error (shared/protocol.ts) it can show. Unknown
 * types get one too, instead of Colyseus's silent production kick. Each
 * rejection is a strike; a sender with STRIKES_TO_KICK within the window is
 * kicked with the reason in the close frame. What a client can make it log
 * is bounded (server/log-limit.ts).
 */
import { RoomPlugin, type Client, type MessageContext, type Room } from "@colyseus/core";
import type { z } from "zod";
import { ClientErrorCode, CloseCode } from "../../shared/protocol.ts";
import { closeReason } from "../errors.ts";
import { clientLogs, clip } from "../log-limit.ts";
import { logger } from "../logger.ts";
import { rejectedMessages } from "../ops/metrics.ts";
import { removeForMisbehaviour } from "./misbehaviour.ts";

/**
 * What a refused request rejects with (the SDK's error from `room.request()`
 * carries it as `.reason`); a refused message arrives as `room.onError(code, message)`.
 */
export interface Refusal { code: number; message: string }

/** A token bucket: `perSecond` messages a second on average, `burst` at once. */
export interface MessageBudget { perSecond: number; burst: number }

export interface ConductOptions {
  /** The room type's budget for its messages (not inputs, which have their own buffer). Default 5/s, burst 10. */
  budget?: MessageBudget;
  /** Rejections within `strikeWindowMs` that get a client kicked. Default 5 in 10 s. */
  strikesToKick?: number;
  strikeWindowMs?: number;
}

const REJECTION_REASON: Record<number, string> = {
  [ClientErrorCode.INVALID_MESSAGE]: "invalid",
  [ClientErrorCode.UNKNOWN_MESSAGE]: "unknown_type",
  [ClientErrorCode.RATE_LIMITED]: "rate_limited",
  [ClientErrorCode.MOVE_REJECTED]: "move_rejected",
};

interface Record_ { strikes: number[]; tokens: number; refilledAt: number }

export class Conduct extends RoomPlugin<Room> {
  readonly pluginName = "conduct" as const;
  readonly budget: MessageBudget;
  readonly strikesToKick: number;
  readonly strikeWindowMs: number;
  #records = new Map<string, Record_>();

  constructor(options: ConductOptions = {}) {
    super();
    this.budget = options.budget ?? { perSecond: 5, burst: 10 };
    this.strikesToKick = options.strikesToKick ?? 5;
    this.strikeWindowMs = options.strikeWindowMs ?? 10_000;
  }

  protected override messages = {
    // Colyseus's fallback for types nobody handles ("_" in a messages table).
    _: (client: Client, type: unknown) => {
      this.strike(client, ClientErrorCode.UNKNOWN_MESSAGE, `Unknown message type "${String(type)}".`);
    },
  };

  /**
   * Handle messages of `type` whose payload must match `shape`. What the
   * handler returns answers a `room.request()`; `reply` is Colyseus's
   * MessageContext, for a handler that refuses (`conduct.refuse(client, code,
   * message, reply)`). A bug in a handler costs that one message, never the room.
   */
  handle<S extends z.ZodType, R>(type: string, shape: S, handler: (client: Client, message: z.output<S>, reply: MessageContext) => R): void {
    this.room.onMessage(type, (client: Client, payload: unknown, reply: MessageContext) => {
      if (!this.withinBudget(client)) {
        this.strike(client, ClientErrorCode.RATE_LIMITED, `Too many "${type}" messages; at most ${this.budget.perSecond} a second.`, reply);
        return undefined;
      }
      const parsed = shape.safeParse(payload);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? ` at "${issue.path.join(".")}"` : "";
        this.strike(client, ClientErrorCode.INVALID_MESSAGE, `Invalid "${type}" message${where}: ${issue.message}`, reply);
        return undefined;
      }
      try {
        return handler(client, parsed.data, reply);
      } catch (error) {
        if (clientLogs.allow(client.sessionId)) logger.error({ err: error, roomId: this.room.roomId, sessionId: client.sessionId, type }, "message handler failed");
        reply?.reject({ code: ClientErrorCode.INVALID_MESSAGE, message: `The room could not handle this "${type}".` } satisfies Refusal);
        return undefined;
      }
    });
  }

  /**
   * Refuse something a client asked for with a typed error, to it alone and
   * without a strike (a move the rules forbid, say). Given the request's
   * `reply`, the client's `room.request()` rejects with `{ code, message }`
   * too; `room.onError` hears it either way.
   */
  refuse(client: Client, code: number, message: string, reply?: MessageContext): void {
    rejectedMessages.labels(this.room.roomName, REJECTION_REASON[code] ?? String(code)).inc();
    client.error(code, message);
    if (reply?.id !== undefined) reply.reject({ code, message } satisfies Refusal);
  }

  /** Tell a client what it did wrong; repeat offenders are kicked. */
  strike(client: Client, code: number, message: string, reply?: MessageContext): void {
    if (clientLogs.allow(client.sessionId)) logger.warn({ roomId: this.room.roomId, sessionId: client.sessionId, code }, clip(message));
    this.refuse(client, code, message, reply);
    const record = this.recordOf(client.sessionId);
    const now = Date.now();
    record.strikes = record.strikes.filter((t) => now - t < this.strikeWindowMs);
    record.strikes.push(now);
    if (record.strikes.length >= this.strikesToKick) {
      this.kick(client, `Kicked: ${this.strikesToKick} rejected messages in ${this.strikeWindowMs / 1000} s. Last: ${message}`);
    }
  }

  /**
   * Close a client's connection with a reason it can show. It leaves the room
   * now, its seat not held and nothing more it sent handled, whatever it
   * answers the close with.
   */
  kick(client: Client, reason: string): void {
    if (clientLogs.allow(client.sessionId)) logger.warn({ roomId: this.room.roomId, sessionId: client.sessionId }, clip(reason));
    removeForMisbehaviour(client, CloseCode.KICKED, closeReason(reason));
  }

  protected override onLeave(client: Client): void {
    this.#records.delete(client.sessionId);
  }

  private withinBudget(client: Client): boolean {
    const record = this.recordOf(client.sessionId);
    const now = Date.now();
    record.tokens = Math.min(this.budget.burst, record.tokens + ((now - record.refilledAt) / 1000) * this.budget.perSecond);
    record.refilledAt = now;
    if (record.tokens < 1) return false;
    record.tokens -= 1;
    return true;
  }

  private recordOf(sessionId: string): Record_ {
    let record = this.#records.get(sessionId);
    if (!record) {
      record = { strikes: [], tokens: this.budget.burst, refilledAt: Date.now() };
      this.#records.set(sessionId, record);
    }
    return record;
  }
}

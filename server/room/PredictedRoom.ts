/**
 * The base for rooms whose clients predict: a fixed step that applies each
 * player's inputs one step at a time. The room declares its input once
 * (`predictedInput(Input, ranges)` at module level) and implements
 * `applyInput` (one input of one player: the shared simulation) and
 * `afterInputs` (the rest of the step). The base brings:
 * - the input class on its server-side fast path (withPlainSnapshots) and
 *   the range checks Colyseus's `sanitize` applies (clampToRanges);
 * - the step allowance: one input per player per step, plus the steps its
 *   input missed or a stall dropped (StepAllowance), so sending more never
 *   moves anyone faster;
 * - the deadline clock at the server's TICK_RATE, advertised to clients.
 */
import type { Client } from "@colyseus/core";
import { GameRoom } from "./GameRoom.ts";
import type { StepContext } from "./fixed-step.ts";
import { clampToRanges, type Ranges } from "./input-ranges.ts";
import { withPlainSnapshots } from "./input-snapshots.ts";
import { StepAllowance } from "./step-allowance.ts";

/** How often the allowance forgets players who have left, in steps. */
const PRUNE_EVERY_STEPS = 1024;

type InputClass = new (...args: any[]) => object;

/**
 * A room type's input, prepared once for every room of the type (one class
 * keeps the decode path monomorphic). Pass both to defineInput:
 * `inputs = this.defineInput(INPUT.type, { bufferMaxSize: 32, sanitize: INPUT.sanitize })`.
 */
export interface PredictedInput<C extends InputClass> {
  /** The input class on the server's fast path: same fields and wire format, plain buffered copies. */
  readonly type: C;
  /** Range checks for its numeric fields: out of range → the nearest bound, NaN → the minimum. */
  readonly sanitize: (input: InstanceType<C>) => void;
}

/** `predictedInput(ArenaInput, { moveX: [-1, 1] })`: call at module level, once per input type. */
export function predictedInput<C extends InputClass>(type: C, ranges: Ranges<InstanceType<C>>): PredictedInput<C> {
  return Object.freeze({ type: withPlainSnapshots(type), sanitize: clampToRanges<InstanceType<C>>(ranges) });
}

/** The buffered input stream of one client, as Colyseus hands it out. */
interface InputStream<I> { next(): I | undefined; readonly consumedCount: number }

export abstract class PredictedRoom<
  T extends { state: any; input: object; metadata?: any },
  S extends Record<string, unknown> = Record<string, unknown>,
> extends GameRoom<T, S> {
  readonly #allowance = new StepAllowance();
  #stepsSincePrune = 0;

  /** Apply one input of one player: `inputNumber` is its sequence, the count of inputs consumed from that client. */
  protected abstract applyInput(client: Client, input: T["input"], inputNumber: number, ctx: StepContext): void;

  /** Everything in a step that is not a player's input (projectiles, timers, rules). */
  protected abstract afterInputs(ctx: StepContext): void;

  /** Start the fixed step, by default at the server's TICK_RATE. */
  protected startSimulation(tickRate: number = this.settings.tickRate): void {
    this.setFixedTimestep((ctx) => this.#step(ctx), tickRate);
  }

  #step(ctx: StepContext): void {
    const allowance = this.#allowance;
    allowance.startStep(ctx.tick);
    for (const client of this.clients) {
      const stream = (this as unknown as { inputs: { get(id: string): InputStream<T["input"]> } }).inputs.get(client.sessionId);
      const allowed = allowance.forStep(client.sessionId);
      let applied = 0;
      for (; applied < allowed; applied++) {
        const input = stream.next();
        if (!input) break;
        this.applyInput(client, input, stream.consumedCount, ctx);
      }
      allowance.settle(client.sessionId, allowed, applied);
    }
    this.afterInputs(ctx);
    if (++this.#stepsSincePrune >= PRUNE_EVERY_STEPS) {
      this.#stepsSincePrune = 0;
      allowance.retainOnly(new Set(this.clients.map((client) => client.sessionId)));
    }
  }
}

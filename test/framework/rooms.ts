/**
 * Small inline room types the framework is specified with: each composes
 * the pieces under test and nothing else, so a spec shows the piece, not a
 * game.
 */
import { definePlugins, type Client } from "@colyseus/core";
import { schema, t, type SchemaType } from "@colyseus/schema";
import { z } from "zod";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import type { StepContext } from "../../server/room/fixed-step.ts";
import { predictedInput, PredictedRoom } from "../../server/room/PredictedRoom.ts";
import { defineRoomType } from "../../server/room/room-type.ts";
import { ClientErrorCode } from "../../shared/protocol.ts";
import { SeatHolding } from "../../server/room/seats.ts";

export const Seat = schema({ name: t.string().default(""), connected: t.boolean().default(true), x: t.float64().default(0) }, "Seat");
export type Seat = SchemaType<typeof Seat>;
export const Table = schema({ seats: t.map(Seat) }, "Table");
export type Table = SchemaType<typeof Table>;

/** An echo room whose "say" messages have a budget of 2 a second, burst 3. */
export class EchoRoom extends GameRoom<{ state: Table }> {
  state = new Table();
  plugins = definePlugins([...framework({ budget: { perSecond: 2, burst: 3 }, strikesToKick: 4 })]);

  onCreate() {
    this.plugins.conduct.handle("say", z.object({ text: z.string().max(20) }), (client, { text }) => {
      client.send("said", { text });
      return text.length; // answers a request
    });
    // A move the rules may refuse: even numbers only.
    this.plugins.conduct.handle("play", z.object({ card: z.number().int() }), (client, { card }, reply) => {
      if (card % 2 !== 0) return this.plugins.conduct.refuse(client, ClientErrorCode.MOVE_REJECTED, `${card} is odd: play an even card.`, reply);
      return { played: card };
    });
  }

  onJoin(client: Client) {
    this.state.seats.set(client.sessionId, new Seat());
  }
}
export const echo = defineRoomType({ name: "echo", title: "Echo", summary: "Says back what it hears.", room: EchoRoom });

/** A room that holds a dropped player's seat for RECONNECT_SECONDS. */
export class HoldRoom extends GameRoom<{ state: Table }> {
  state = new Table();
  plugins = definePlugins([...framework(), new SeatHolding()]);

  onJoin(client: Client) {
    this.state.seats.set(client.sessionId, new Seat());
  }

  onDrop(client: Client, code?: number) {
    const seat = this.state.seats.get(client.sessionId);
    if (seat && this.plugins.seats.hold(client, code)) seat.connected = false;
  }

  onReconnect(client: Client) {
    const seat = this.state.seats.get(client.sessionId);
    if (seat) seat.connected = true;
  }

  onLeave(client: Client) {
    this.state.seats.delete(client.sessionId);
  }
}
export const hold = defineRoomType({ name: "hold", title: "Hold", summary: "Keeps seats.", room: HoldRoom });

/** A room whose type words its own drain notice. */
export class QuietRoom extends GameRoom<{ state: Table }> {
  state = new Table();
  plugins = definePlugins([...framework()]);
}
export const quiet = defineRoomType({
  name: "quiet", title: "Quiet", summary: "Drains politely.", room: QuietRoom,
  drainNotice: "The library closes soon: finish your page.",
});

/** The smallest predicted room: one field of input, `push`, moves the player's x by push × dt. */
export const Push = schema({ push: t.int8().default(0) }, "Push");
export type Push = SchemaType<typeof Push>;
const PUSH = predictedInput(Push, { push: [-1, 1] });

export class SlideRoom extends PredictedRoom<{ state: Table; input: Push }> {
  state = new Table();
  plugins = definePlugins([...framework()]);
  inputs = this.defineInput(PUSH.type, { bufferMaxSize: 8, sanitize: PUSH.sanitize });
  /** Inputs applied, by session, with the step's tick. */
  applied: { sessionId: string; push: number; tick: number }[] = [];

  onCreate() {
    this.startSimulation();
  }

  onJoin(client: Client) {
    this.state.seats.set(client.sessionId, new Seat());
  }

  protected applyInput(client: Client, input: Push, _inputNumber: number, ctx: StepContext) {
    this.applied.push({ sessionId: client.sessionId, push: input.push, tick: ctx.tick });
    const seat = this.state.seats.get(client.sessionId)!;
    seat.x += input.push * ctx.dt;
  }

  protected afterInputs(_ctx: StepContext) {}
}
export const slide = defineRoomType({ name: "slide", title: "Slide", summary: "Pushes a seat along.", room: SlideRoom });

/** How fast the drift room's own entity moves, units per second. */
export const DRIFT_SPEED = 60;
/** The key of that entity in the drift room's seats. */
export const DRIFTER = "drifter";

/** A slide room whose server also moves an entity of its own, steadily along x every step: motion no client sends. */
export class DriftRoom extends SlideRoom {
  override onCreate() {
    super.onCreate();
    this.state.seats.set(DRIFTER, new Seat());
  }

  protected override afterInputs(ctx: StepContext) {
    this.state.seats.get(DRIFTER)!.x += DRIFT_SPEED * ctx.dt;
  }
}
export const drift = defineRoomType({ name: "drift", title: "Drift", summary: "Moves a seat along by itself.", room: DriftRoom });

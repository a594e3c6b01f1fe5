/**
 * The cards table's side of one room the player is in: what this seat can
 * see (playerViewOf), its legal moves (the very rules the server judges
 * with), the table's events and refusals, and the turn clock. Made by the
 * module's `attach` for every cards room; the scene reaches it with
 * `cardsOf(scene)`, tests through `window.__tickforge.room`.
 */
import type { Room } from "@colyseus/sdk";
import type * as Phaser from "phaser";
import { Emitter, type DebugHook, type GameSession } from "../../../game-client/src/kit.ts";
import { MESSAGES, type ClockSync, type Move, type Rejection, type TableEvent } from "../protocol.ts";
import { legalMovesIn, type PlayerView } from "../rules.ts";
import { playerViewOf, seatIndexOf, type CardsSeat, type CardsState } from "../state.ts";

export type CardsRoomClient = Room<any, CardsState>;

export const CARDS_KEY = "cards";

export class CardsPlay extends Emitter<{ event: [TableEvent]; rejected: [Rejection]; change: [] }> {
  readonly session: GameSession;
  readonly room: CardsRoomClient;
  /** Room clock minus performance.now(), from the room's ClockSync; NaN until it arrives. */
  #clockOffset = Number.NaN;
  readonly #offs: (() => void)[] = [];
  /** The last refusals, newest last, for the debug hook. */
  readonly refusals: Rejection[] = [];
  eventsSeen = 0;

  constructor(session: GameSession, room: CardsRoomClient, debug: DebugHook) {
    super();
    this.session = session;
    this.room = room;
    this.#offs.push(
      room.onMessage(MESSAGES.event, (event: TableEvent) => { this.eventsSeen++; this.emit("event", event); }),
      room.onMessage(MESSAGES.rejected, (refusal: Rejection) => {
        this.refusals.push(refusal);
        if (this.refusals.length > 10) this.refusals.shift();
        this.emit("rejected", refusal);
      }),
      session.on("reconnect", () => this.#syncClock()),
    );
    this.#syncClock();
    const onChange = () => this.emit("change");
    room.onStateChange(onChange);
    this.#offs.push(() => room.onStateChange.remove(onChange));
    debug.room = this.#debugSurface();
    this.#offs.push(() => { if (debug.room?.play === this) debug.room = undefined; });
  }

  get sessionId(): string {
    return this.room.sessionId;
  }

  get table(): CardsState | undefined {
    const state = this.room.state;
    return state?.seats ? state : undefined;
  }

  /** This client's seat index, -1 for a spectator (or before the first state). */
  get seatIndex(): number {
    const table = this.table;
    return table ? seatIndexOf(table, this.sessionId) : -1;
  }

  get seat(): CardsSeat | undefined {
    return this.table?.seats[this.seatIndex];
  }

  get spectating(): boolean {
    return this.table !== undefined && this.seatIndex < 0;
  }

  /** What this seat can know; null while the table waits for players. */
  view(): PlayerView | null {
    const table = this.table;
    return table ? playerViewOf(table, this.sessionId) : null;
  }

  legalMoves(): Move[] {
    const view = this.view();
    return view ? legalMovesIn(view) : [];
  }

  /** The turn timer's time left, ms; NaN when no turn is running or the room's clock is not known yet. */
  turnMsLeft(): number {
    const table = this.table;
    if (!table || table.phase !== "playing" || table.turnEndsAt === 0 || Number.isNaN(this.#clockOffset)) return Number.NaN;
    return Math.max(0, table.turnEndsAt - (performance.now() + this.#clockOffset));
  }

  /** Ask the table for a move; the answer is the next state, or a refusal (the "rejected" event). */
  move(move: Move): void {
    this.room.send(MESSAGES.move, move);
  }

  rematch(): void {
    this.room.send(MESSAGES.rematch, {});
  }

  /** Ask the room its clock; its answer is taken as read halfway through the round trip. */
  #syncClock(): void {
    const sentAt = performance.now();
    this.room.request(MESSAGES.clock, {}).then(({ now }: ClockSync) => {
      const receivedAt = performance.now();
      this.#clockOffset = now - (sentAt + receivedAt) / 2;
    }, (error: Error) => console.warn(`Tickforge: the table's clock is unknown (${error.message}); the turn timer stays hidden.`));
  }

  dispose(): void {
    for (const off of this.#offs) off();
  }

  #debugSurface(): Record<string, any> {
    const self = this;
    return {
      play: this,
      type: "cards",
      get seat() { return self.seatIndex; },
      get spectating() { return self.spectating; },
      get phase() { return self.table?.phase; },
      get round() { return self.table?.round ?? 0; },
      get turn() { return self.table?.turn ?? -1; },
      get hand() { return self.view()?.hand ?? []; },
      get legalMoves() { return self.legalMoves(); },
      get turnMsLeft() { return self.turnMsLeft(); },
      get refusals() { return self.refusals.slice(); },
      get eventsSeen() { return self.eventsSeen; },
      get wantsRematch() { return self.seat?.wantsRematch ?? false; },
      move: (move: Move) => self.move(move),
      rematch: () => self.rematch(),
    };
  }
}

/** The cards play of the room the player is in; undefined outside one. */
export function cardsOf(scene: Phaser.Scene): CardsPlay | undefined {
  return scene.registry.get(CARDS_KEY) as CardsPlay | undefined;
}

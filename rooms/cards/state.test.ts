import { Encoder, Reflection, StateView, encode, type Decoder } from "@colyseus/schema";
import { describe, expect, it } from "vitest";
import { chooseMove } from "./bots.ts";
import { DECK, type Card } from "./protocol.ts";
import { seededRng } from "./random.ts";
import { applyMove, deal, nextRound, viewOf, withdraw, type Game } from "./rules.ts";
import { CardsSeat, CardsState, STATE_BUFFER_BYTES, playerViewOf, seatIndexOf, showOwnHand, writeGame } from "./state.ts";

const ALICE = "alice";
const BOB = "bob";
const CAROL = "carol";

/** One client of the table, served the way Colyseus's SchemaSerializer serves it. */
interface Receiver {
  /** The sessionId it plays as; a spectator's is in no seat. */
  id: string;
  /** The client's StateView; undefined for a client the room gave none. */
  view?: StateView;
  decoder: Decoder<CardsState>;
  /** The bytes of its latest frame, as its socket would receive them. */
  lastFrame: Uint8Array;
}

/**
 * A room's encoder without the room: full state on join (shared part, then
 * the client's view), one patch per change (shared part, then each view's).
 * Each client decodes with the types it learnt from the reflection, as the SDK does.
 */
class Wire {
  readonly encoder: Encoder<CardsState>;
  readonly receivers: Receiver[] = [];

  constructor(table: CardsState) {
    this.encoder = new Encoder(table);
  }

  join(id: string, view?: StateView): Receiver {
    const decoder = Reflection.decode<CardsState>(Reflection.encode(this.encoder));
    const receiver: Receiver = { id, view, decoder, lastFrame: new Uint8Array() };
    this.receivers.push(receiver);
    this.sendFullState(receiver);
    return receiver;
  }

  /** What a joining or reconnecting client gets first. */
  sendFullState(receiver: Receiver): void {
    const it = { offset: 0 };
    const shared = this.encoder.encodeAll(it).slice();
    const frame = receiver.view ? this.encoder.encodeAllView(receiver.view, it.offset, it).slice() : shared;
    this.deliver(receiver, frame);
  }

  patch(): void {
    const it = { offset: 0 };
    const shared = this.encoder.encode(it).slice();
    const sharedOffset = it.offset;
    for (const receiver of this.receivers) {
      this.deliver(receiver, receiver.view ? this.encoder.encodeView(receiver.view, sharedOffset, it).slice() : shared);
    }
    this.encoder.discardChanges();
  }

  private deliver(receiver: Receiver, frame: Uint8Array): void {
    receiver.lastFrame = frame;
    receiver.decoder.decode(frame);
  }
}

/** The bytes a card code takes on the wire (a schema string), to look for in a frame. */
function wireBytes(card: Card): Uint8Array {
  const bytes = new Uint8Array(8);
  const it = { offset: 0 };
  encode.string(bytes, card, it);
  return bytes.subarray(0, it.offset);
}

function contains(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Cards that a frame received by `receiver` may name: its own hand and the top of the discard pile. */
function cardsLeakedTo(receiver: Receiver, game: Game): Card[] {
  const seat = game.players.indexOf(receiver.id);
  const visible = new Set<Card>(seat >= 0 ? game.hands[seat] : []);
  visible.add(game.discardPile[game.discardPile.length - 1]);
  return DECK.filter((card) => !visible.has(card) && contains(receiver.lastFrame, wireBytes(card)));
}

function seatTable(players: string[]): CardsState {
  const table = new CardsState();
  for (const id of players) {
    const seat = new CardsSeat();
    seat.playerId = id;
    seat.name = id;
    table.seats.push(seat);
  }
  return table;
}

/** Three players and two spectators (one with an empty StateView, one with none) at a synced table. */
function threeSeatedAndTwoWatching() {
  const players = [ALICE, BOB, CAROL];
  const table = seatTable(players);
  const wire = new Wire(table);
  const seated = players.map((id) => {
    const view = new StateView();
    expect(showOwnHand(view, table, id)).toBe(true);
    return wire.join(id, view);
  });
  const emptyView = new StateView();
  expect(showOwnHand(emptyView, table, "watcher")).toBe(false);
  const watchers = [wire.join("watcher", emptyView), wire.join("viewless")];
  return { players, table, wire, seated, watchers, everyone: [...seated, ...watchers] };
}

type Table = ReturnType<typeof threeSeatedAndTwoWatching>;

/**
 * Play `rounds` rounds at a synced table; every move is the one a bot makes
 * from its own decoded state. `check` runs after every patch.
 */
function playRounds(rounds: number, seed: number, check: (game: Game, table: Table) => void) {
  const table = threeSeatedAndTwoWatching();
  const rng = seededRng(seed);
  let game = deal(table.players, seed).game;
  let patches = 0;
  const sync = () => {
    writeGame(table.table, game);
    table.wire.patch();
    patches++;
    check(game, table);
  };
  sync();
  for (let round = 1; round <= rounds; round++) {
    while (game.phase === "playing") {
      const player = table.seated[game.turn];
      const move = chooseMove(playerViewOf(player.decoder.state, player.id)!, rng)!;
      const result = applyMove(game, player.id, move);
      if (!result.ok) throw new Error(`the bot's move was refused: ${result.rejection.code}`);
      game = result.game;
      sync();
    }
    if (round < rounds) {
      game = nextRound(game, seed + round).game;
      sync();
    }
  }
  return { ...table, game, patches };
}

function handOf(receiver: Receiver, seat: number): string[] {
  return Array.from(receiver.decoder.state.seats[seat].hand ?? []);
}

describe("cards state on the wire", () => {
  it("gives each seated player their own hand, and no other, in their decoded state after every patch", () => {
    const { patches } = playRounds(3, 11, (game, { seated }) => {
      for (const receiver of seated) {
        const own = game.players.indexOf(receiver.id);
        game.players.forEach((_, seat) => {
          const decoded = receiver.decoder.state.seats[seat];
          expect(decoded.handCount).toBe(game.hands[seat].length);
          if (seat === own) {
            expect(handOf(receiver, seat)).toEqual(game.hands[seat]);
          } else {
            expect(handOf(receiver, seat)).toEqual([]);
            expect(decoded.drawnCard ?? "").toBe("");
          }
        });
      }
    });
    expect(patches).toBeGreaterThan(30); // three whole rounds went over the wire
  });

  it("never puts another hand's card or a draw-pile card in the bytes a client receives", () => {
    playRounds(3, 12, (game, { everyone }) => {
      for (const receiver of everyone) expect({ id: receiver.id, leaked: cardsLeakedTo(receiver, game) }).toEqual({ id: receiver.id, leaked: [] });
    });
  });

  it("would see a leak in those bytes if a client's view held another seat", () => {
    const { table, wire, seated } = threeSeatedAndTwoWatching();
    const game = deal([ALICE, BOB, CAROL], 13).game;
    seated[1].view!.add(table.seats[0]); // bob's view wrongly given alice's seat
    writeGame(table, game);
    wire.patch();
    expect(cardsLeakedTo(seated[1], game).sort()).toEqual([...game.hands[0]].sort());
    expect(handOf(seated[1], 0)).toEqual(game.hands[0]);
  });

  it("shows spectators, with an empty StateView or none, every seat's card count and no card", () => {
    playRounds(2, 14, (game, { watchers }) => {
      for (const watcher of watchers) {
        const state = watcher.decoder.state;
        expect(Array.from(state.seats, (seat) => seat.handCount)).toEqual(game.hands.map((hand) => hand.length));
        for (let seat = 0; seat < game.players.length; seat++) expect(handOf(watcher, seat)).toEqual([]);
        expect(state.drawPileCount).toBe(game.drawPile.length);
        expect(playerViewOf(state, watcher.id)).toEqual(viewOf(game, watcher.id));
      }
    });
  });

  it("reads back from a client's decoded state exactly the view the rules give that player", () => {
    playRounds(2, 15, (game, { seated }) => {
      for (const receiver of seated) expect(playerViewOf(receiver.decoder.state, receiver.id)).toEqual(viewOf(game, receiver.id));
    });
  });

  it("re-sends a returning player their own hand in the full state, and a late spectator none", () => {
    const { table, wire, seated } = threeSeatedAndTwoWatching();
    let game = deal([ALICE, BOB, CAROL], 16).game;
    const rng = seededRng(16);
    for (let i = 0; i < 12 && game.phase === "playing"; i++) {
      const player = game.players[game.turn];
      const result = applyMove(game, player, chooseMove(viewOf(game, player), rng)!);
      if (result.ok) game = result.game;
      writeGame(table, game);
      wire.patch();
    }
    // A reconnection keeps the seat's StateView and starts a fresh decoder from the full state.
    const returning = wire.join(BOB, seated[1].view);
    expect(handOf(returning, 1)).toEqual(game.hands[1]);
    expect(handOf(returning, 0)).toEqual([]);
    expect(cardsLeakedTo(returning, game)).toEqual([]);
    const late = wire.join("late", new StateView());
    expect([0, 1, 2].map((seat) => handOf(late, seat))).toEqual([[], [], []]);
    expect(cardsLeakedTo(late, game)).toEqual([]);
  });
});

describe("cards state when players come and go between rounds", () => {
  it("keeps each remaining player's view on their own hand after a seat is removed and one is added", () => {
    const { table, wire, seated, watchers } = threeSeatedAndTwoWatching();
    const rng = seededRng(21);
    let game = deal([ALICE, BOB, CAROL], 21).game;
    game = withdraw(game, BOB)!.game;
    while (game.phase === "playing") {
      const player = game.players[game.turn];
      const result = applyMove(game, player, chooseMove(viewOf(game, player), rng)!);
      if (!result.ok) throw new Error(result.rejection.message);
      game = result.game;
    }
    writeGame(table, game);
    wire.patch();
    // Between rounds the room drops the leaver's seat and seats a newcomer, then deals to the seats.
    table.seats.splice(1, 1);
    const dave = new CardsSeat();
    dave.playerId = "dave";
    table.seats.push(dave);
    const daveView = new StateView();
    showOwnHand(daveView, table, "dave");
    const daveClient = wire.join("dave", daveView);
    game = nextRound(game, 22, Array.from(table.seats, (seat) => seat.playerId)).game;
    writeGame(table, game);
    wire.patch();
    const clients = [seated[0], seated[2], daveClient];
    expect(game.players).toEqual([ALICE, CAROL, "dave"]);
    clients.forEach((client, seat) => {
      expect(handOf(client, seat)).toEqual(game.hands[seat]);
      for (const other of [0, 1, 2].filter((s) => s !== seat)) expect(handOf(client, other)).toEqual([]);
    });
    for (const client of [...clients, ...watchers]) expect(cardsLeakedTo(client, game)).toEqual([]);
    expect(Array.from(watchers[0].decoder.state.seats, (seat) => seat.playerId)).toEqual([ALICE, CAROL, "dave"]);
  });
});

describe("cards state size", () => {
  it("encodes a table at its fullest, with its largest hand in view, within the state buffer and room to spare", () => {
    const ids = ["session-a", "session-b", "session-c", "session-d"];
    const table = seatTable(ids);
    const base = deal(ids, 4).game;
    const [top, ...rest] = DECK.filter((card) => !card.startsWith("8"));
    const eights = DECK.filter((card) => card.startsWith("8"));
    const hands: Card[][] = [[...rest.slice(3), ...eights], [rest[0]], [rest[1]], [rest[2]]];
    writeGame(table, { ...base, hands, drawPile: [], discardPile: [top], suit: "H", scores: [4e9, 4e9, 4e9, 4e9] });
    table.seats.forEach((seat) => { seat.name = "漢".repeat(16); }); // 16 characters, 3 bytes each in UTF-8
    const encoder = new Encoder(table);
    const view = new StateView();
    showOwnHand(view, table, ids[0]);
    const it = { offset: 0 };
    encoder.encodeAll(it);
    const bytes = encoder.encodeAllView(view, it.offset, it).length;
    expect(hands[0]).toHaveLength(48);
    expect(bytes).toBeGreaterThan(300); // the hand really is in it
    expect(bytes).toBeLessThan(STATE_BUFFER_BYTES * 0.75);
  });
});

describe("cards state mapping", () => {
  it("finds a player's seat, and none for a spectator", () => {
    const table = seatTable([ALICE, BOB]);
    expect(seatIndexOf(table, BOB)).toBe(1);
    expect(seatIndexOf(table, "watcher")).toBe(-1);
  });

  it("has no player view before the first deal", () => {
    expect(playerViewOf(seatTable([ALICE, BOB]), ALICE)).toBeNull();
  });

  it("refuses to write a game whose players are not the table's first seats, in order", () => {
    const game = deal([ALICE, BOB], 1).game;
    expect(() => writeGame(seatTable([BOB, ALICE]), game)).toThrow(/first seats, in seat order/);
    expect(() => writeGame(seatTable([ALICE]), game)).toThrow(/first seats, in seat order/);
  });

  it("shows a player who sat down after the deal with no cards, waiting for the next one", () => {
    const table = seatTable([ALICE, BOB, CAROL]);
    const game = deal([ALICE, BOB], 1).game;
    writeGame(table, game);
    expect(Array.from(table.seats, (seat) => [seat.dealtIn, seat.handCount, seat.hand.length])).toEqual([[true, 7, 7], [true, 7, 7], [false, 0, 0]]);
    expect(playerViewOf(table, CAROL)).toEqual(viewOf(game, CAROL));
    expect(playerViewOf(table, ALICE)).toEqual(viewOf(game, ALICE));
  });

  it("marks the seat of a player who left the round, and the turn moves past it", () => {
    const table = seatTable([ALICE, BOB, CAROL]);
    const game = withdraw(deal([ALICE, BOB, CAROL], 3).game, ALICE)!.game;
    writeGame(table, game);
    expect(Array.from(table.seats, (seat) => seat.withdrawn)).toEqual([true, false, false]);
    expect(table.turn).toBe(1);
  });

  it("writes the round's outcome: winner, points and running scores", () => {
    const table = seatTable([ALICE, BOB]);
    const base = deal([ALICE, BOB], 2).game;
    const game: Game = { ...base, hands: [["3H"], ["KD", "2C"]], discardPile: ["9H"], suit: "H", turn: 0, scores: [4, 9] };
    const result = applyMove(game, ALICE, { type: "play", card: "3H" });
    if (!result.ok) throw new Error(result.rejection.message);
    writeGame(table, result.game);
    expect(table.toJSON()).toMatchObject({ phase: "roundOver", turn: -1, winner: 0, blocked: false, topCard: "3H" });
    expect(Array.from(table.seats, (seat) => [seat.score, seat.roundPoints, seat.handCount])).toEqual([[16, 12, 0], [9, 0, 2]]);
  });
});

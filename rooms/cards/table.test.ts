/**
 * The cards table against a real server and real SDK clients: moves are
 * judged by the rules with typed refusals to the sender alone, hands stay
 * hidden on the wire, seats survive drops, spectators see no hand, and a
 * table that agrees to a rematch is dealt again.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cards } from "./index.ts";
import { startServer, type TestServer } from "../../tools/server.ts";
import { nextSignal, waitForState } from "../../tools/wait.ts";
import { chooseMove } from "./bots.ts";
import { DECK, MESSAGES, rankOf, type Card, type Move, type Rejection } from "./protocol.ts";
import { seededRng } from "./random.ts";
import { matches } from "./rules.ts";
import { CardsState, playerViewOf } from "./state.ts";
import {
  dealtView, drained, framesContain, listen, reload, serverSnapshot, serverTableOf, sitDown, wireBytesOf, type TableClient,
} from "./testing.ts";

let ts: TestServer;
beforeAll(async () => { ts = await startServer({ CARDS_DEAL_DELAY_SECONDS: "0", RECONNECT_SECONDS: "5" }, [cards]); });
afterAll(async () => { await ts?.close(); });

/** Two players dealt in; `onTurn` is the one whose turn it is. */
async function dealtPair(spectators = 0) {
  const table = await sitDown(ts, ["Ann", "Ben"], spectators);
  const views = await Promise.all(table.players.map(dealtView));
  const turn = views[0].turn;
  const onTurn = table.players[turn];
  const waiting = table.players[1 - turn];
  return { ...table, onTurn, waiting, views };
}

/** Send `move`, and resolve with the refusal the sender gets. */
function refusalOf(room: TableClient, move: unknown): Promise<Rejection> {
  const refused = new Promise<Rejection>((resolve) => {
    const off = room.onMessage(MESSAGES.rejected, (r: Rejection) => { off(); resolve(r); });
  });
  room.send(MESSAGES.move, move);
  return refused;
}

/** Play out one turn with a bot's brain for whoever is on it; resolves once the turn moves on or the round ends. */
async function playOneTurn(players: TableClient[], rng: () => number) {
  const server = serverTableOf(players[0]).state;
  const onTurn = players[server.turn];
  for (;;) {
    const truth = JSON.stringify(playerViewOf(server, onTurn.sessionId));
    const view = await waitForState(onTurn, (s) => JSON.stringify(playerViewOf(s, onTurn.sessionId)) === truth && playerViewOf(s, onTurn.sessionId)!, 10_000, "the table in sync");
    const move = chooseMove(view, rng)!;
    const before = `${onTurn.state.turn}|${onTurn.state.turnHasDrawn}|${onTurn.state.phase}`;
    let off = () => {};
    const refused = new Promise<Rejection>((resolve) => { off = onTurn.onMessage(MESSAGES.rejected, resolve); });
    onTurn.send(MESSAGES.move, move);
    const landed = waitForState(onTurn, (s) => `${s.turn}|${s.turnHasDrawn}|${s.phase}` !== before, 10_000, "the move to land");
    const outcome = await Promise.race([landed, refused.then((r) => ({ refused: r }))]).finally(off);
    if (typeof outcome === "object" && outcome && "refused" in outcome) {
      throw new Error(`${JSON.stringify(move)} refused: ${outcome.refused.code}, view ${JSON.stringify(view)}`);
    }
    if (onTurn.state.phase !== "playing" || onTurn.state.turn !== view.seat) return;
  }
}

async function leaveAll(...rooms: TableClient[]) {
  await Promise.all(rooms.map((room) => room.leave().catch(() => undefined)));
}

describe("cards table: moves", () => {
  it("refuses a move out of turn with NOT_YOUR_TURN to its sender only, and changes nothing", async () => {
    const { onTurn, waiting, spectators } = await dealtPair(1);
    const othersHeard: unknown[] = [];
    onTurn.onMessage(MESSAGES.rejected, (r) => othersHeard.push(r));
    spectators[0].onMessage(MESSAGES.rejected, (r) => othersHeard.push(r));
    const before = serverSnapshot(waiting);

    const refusal = await refusalOf(waiting, { type: "draw" });

    expect(refusal).toEqual({ code: "NOT_YOUR_TURN", message: expect.stringMatching(/wait for your turn/i) });
    expect(serverSnapshot(waiting)).toEqual(before);
    await Promise.all([drained(onTurn), drained(spectators[0])]);
    expect(othersHeard).toEqual([]);
    await leaveAll(onTurn, waiting, ...spectators);
  });

  it("refuses a card that matches neither suit nor rank with DOES_NOT_MATCH, and changes nothing", async () => {
    // Seven cards nearly always hold one that cannot follow; deal again in the rare hand that has none.
    let table = await dealtPair();
    let unfit: Card | undefined;
    for (let deal = 0; ; deal++) {
      const view = playerViewOf(table.onTurn.state, table.onTurn.sessionId)!;
      unfit = view.hand.find((card) => !matches(card, view));
      if (unfit || deal === 5) break;
      await leaveAll(table.onTurn, table.waiting);
      table = await dealtPair();
    }
    const { onTurn, waiting } = table;
    expect(unfit).toBeDefined();
    const before = serverSnapshot(onTurn);
    const othersHeard: unknown[] = [];
    waiting.onMessage(MESSAGES.rejected, (r) => othersHeard.push(r));

    const refusal = await refusalOf(onTurn, { type: "play", card: unfit });

    expect(refusal.code).toBe("DOES_NOT_MATCH");
    expect(serverSnapshot(onTurn)).toEqual(before);
    await drained(waiting);
    expect(othersHeard).toEqual([]);
    await leaveAll(onTurn, waiting);
  });

  it("refuses a card the player does not hold with CARD_NOT_IN_HAND", async () => {
    const { onTurn, waiting } = await dealtPair();
    const held = new Set(playerViewOf(onTurn.state, onTurn.sessionId)!.hand);
    const notHeld = DECK.find((card) => !held.has(card) && rankOf(card) !== "8")!;
    const before = serverSnapshot(onTurn);
    expect((await refusalOf(onTurn, { type: "play", card: notHeld })).code).toBe("CARD_NOT_IN_HAND");
    expect(serverSnapshot(onTurn)).toEqual(before);
    await leaveAll(onTurn, waiting);
  });

  it("answers a payload that is not a move with MALFORMED_MOVE and keeps the player seated", async () => {
    const { onTurn, waiting } = await dealtPair();
    const before = serverSnapshot(onTurn);
    expect((await refusalOf(onTurn, { type: "play", card: "1Z" })).code).toBe("MALFORMED_MOVE");
    expect((await refusalOf(onTurn, "draw")).code).toBe("MALFORMED_MOVE");
    expect(serverSnapshot(onTurn)).toEqual(before);
    expect(onTurn.connection.isOpen).toBe(true);
    await leaveAll(onTurn, waiting);
  });

  it("applies a legal move: a draw gives the player a card only it can see", async () => {
    const { onTurn, waiting } = await dealtPair();
    const seat = onTurn.state.turn;
    const count = onTurn.state.seats[seat].handCount;
    onTurn.send(MESSAGES.move, { type: "draw" } satisfies Move);
    const drawn = await waitForState(onTurn, (s) => s.seats[seat].drawnCard || undefined, 10_000, "the drawn card");
    await waitForState(waiting, (s) => s.seats[seat].handCount === count + 1, 10_000, "the other player to see one more card");
    expect(waiting.state.seats[seat].drawnCard ?? "").toBe("");
    const drewSeenByOther = waiting.events.find((e) => e.type === "drew");
    expect(drewSeenByOther).toEqual({ type: "drew", seat });
    expect(onTurn.events.find((e) => e.type === "drew")).toEqual({ type: "drew", seat, card: drawn });
    await leaveAll(onTurn, waiting);
  });
});

describe("cards table: hidden hands", () => {
  it("never lets a client decode or receive another player's card, over a whole round", async () => {
    // Cy sits down after the deal: a seat waiting for the next round, who must see no more than a spectator.
    const table = await sitDown(ts, ["Ann", "Ben", "Cy"], 1);
    const players = table.players;
    await Promise.all(players.slice(0, 2).map(dealtView));
    const server = serverTableOf(players[0]);
    const rng = seededRng(7);
    // Every card that was ever face up: the starter and every card played. Those may be on anyone's wire.
    const faceUp = new Set<string>([players[0].state.topCard]);
    const heldBy = new Map<string, Set<string>>(players.map((p) => [p.sessionId, new Set<string>()]));
    const checkDecoded = () => {
      for (const client of [...players, ...table.spectators]) {
        client.state.seats.forEach((seat: any) => {
          if (seat.playerId === client.sessionId) return;
          expect(Array.from(seat.hand ?? [])).toEqual([]);
          expect(seat.drawnCard ?? "").toBe("");
        });
      }
    };
    while (server.state.phase === "playing") {
      server.state.seats.forEach((seat) => { for (const card of seat.hand) heldBy.get(seat.playerId)!.add(card); });
      faceUp.add(server.state.topCard);
      checkDecoded();
      await playOneTurn(players, rng);
    }
    faceUp.add(server.state.topCard);
    await Promise.all([...players, ...table.spectators].map(drained));
    checkDecoded();

    for (const client of [...players, ...table.spectators]) {
      const others = [...heldBy].filter(([id]) => id !== client.sessionId).flatMap(([, cards]) => [...cards]);
      const secret = others.filter((card) => !faceUp.has(card));
      const seen = secret.filter((card) => framesContain(client.frames, wireBytesOf(card as Card)));
      expect(seen, `cards of other players on ${client.sessionId}'s socket`).toEqual([]);
    }
    // The check can fail: the cards a player still holds, never shown face up, did reach its own socket.
    const loser = server.state.seats.find((seat) => seat.hand.length > 0)!;
    const ownClient = players.find((p) => p.sessionId === loser.playerId)!;
    expect(Array.from(loser.hand).every((card) => framesContain(ownClient.frames, wireBytesOf(card as Card)))).toBe(true);
    await leaveAll(...players, ...table.spectators);
  });

  it("shows a spectator the table, counts and all, and no hand", async () => {
    const { onTurn, waiting, spectators } = await dealtPair(1);
    const watcher = spectators[0];
    const table = await waitForState(watcher, (s: CardsState) => s.phase === "playing" && s.topCard !== "" && s, 10_000, "the table");
    expect(table.seats.length).toBe(2);
    expect(Array.from(table.seats, (s: any) => s.handCount)).toEqual([7, 7]);
    for (const seat of table.seats as any) {
      expect(Array.from(seat.hand ?? [])).toEqual([]);
      expect(seat.drawnCard ?? "").toBe("");
    }
    const view = playerViewOf(watcher.state, watcher.sessionId)!;
    expect(view.seat).toBe(-1);
    expect(view.hand).toEqual([]);
    expect(view.drawPileCount).toBe(52 - 14 - 1);
    expect((await refusalOf(watcher, { type: "draw" })).code).toBe("NOT_SEATED");
    await leaveAll(onTurn, waiting, watcher);
  });
});

describe("cards table: seats", () => {
  it("keeps a dropped player's seat, and a reload takes it back with the same hand", async () => {
    const { players } = await sitDown(ts, ["Ann", "Ben"]);
    const [ann, ben] = players;
    const before = await dealtView(ann);
    const token = ann.reconnectionToken;
    const server = serverTableOf(ann);
    const gone = nextSignal(ann.onLeave, 10_000, "the page to go away");
    // A reload: the page's socket goes away without a goodbye.
    (server.clients.find((c) => c.sessionId === ann.sessionId)!.ref as any).terminate();
    await gone.catch(() => undefined);
    await waitForState(ben, (s) => s.seats[before.seat].connected === false, 10_000, "the seat held");

    const back = await reload(ts, ann, token);
    const after = await dealtView(back);
    expect(back.sessionId).toBe(ann.sessionId);
    expect(after.seat).toBe(before.seat);
    expect([...after.hand].sort()).toEqual([...before.hand].sort());
    await waitForState(ben, (s) => s.seats[before.seat].connected === true, 10_000, "the seat taken back");
    await leaveAll(back, ben);
  });

  it("withdraws a player who leaves mid-round: with two at the table the other wins the round", async () => {
    const { onTurn, waiting } = await dealtPair();
    const leaverSeat = onTurn.state.turn;
    await onTurn.leave();
    const over = await waitForState(waiting, (s) => s.phase === "roundOver" && s, 10_000, "the round to end");
    expect(over.winner).toBe(1 - leaverSeat);
    expect(over.seats[leaverSeat].withdrawn).toBe(true);
    expect(waiting.events.map((e) => e.type)).toEqual(expect.arrayContaining(["withdrew", "roundOver"]));
    await leaveAll(waiting);
  });
});

describe("cards table: chairs", () => {
  it("keeps the chair of a player who left mid-round until the next deal, then deals in the players who stayed and came", async () => {
    const { players } = await sitDown(ts, ["Ann", "Ben", "Cy", "Dee"]);
    const [ann, ben, cy, dee] = players;
    await Promise.all([ann, ben].map(dealtView));
    await ben.leave(); // two were dealt in: Ann wins the round, Ben's chair stays until the next deal
    await waitForState(ann, (s) => s.phase === "roundOver", 10_000, "the round to end");
    await expect(ts.client().joinById(ann.roomId, { name: "Eve" })).rejects.toThrow(/full|locked/i);

    for (const player of [ann, cy, dee]) player.send(MESSAGES.rematch, {});
    const next = await waitForState(ann, (s) => s.round === 2 && s.phase === "playing" && s, 10_000, "the next deal");
    expect(Array.from(next.seats, (seat: any) => seat.name)).toEqual(["Ann", "Cy", "Dee"]);
    expect(Array.from(next.seats, (seat: any) => seat.dealtIn)).toEqual([true, true, true]);
    const eveClient = ts.client("Eve");
    const eve = listen(await eveClient.joinById(ann.roomId, { name: "Eve" }), eveClient.identity.then((issued) => issued.token));
    await waitForState(ann, (s) => s.seats.length === 4, 10_000, "Eve's chair");
    await leaveAll(ann, cy, dee, eve);
  });
});

describe("cards table: rematch", () => {
  it("deals the next round once every seated player asks, carrying the scores", async () => {
    const { players } = await sitDown(ts, ["Ann", "Ben"]);
    await Promise.all(players.map(dealtView));
    const rng = seededRng(3);
    while (serverTableOf(players[0]).state.phase === "playing") await playOneTurn(players, rng);
    await Promise.all(players.map((p) => waitForState(p, (s) => s.phase === "roundOver", 10_000, "round over")));
    const scores = Array.from(players[0].state.seats, (s: any) => s.score);
    const firstRound = players[0].state.round;

    expect((await refusalOf(players[0], { type: "draw" })).code).toBe("ROUND_OVER");
    players[0].send(MESSAGES.rematch, {});
    await waitForState(players[1], (s) => s.seats[0].wantsRematch, 10_000, "the first request on show");
    expect(players[1].state.phase).toBe("roundOver");
    players[1].send(MESSAGES.rematch, {});

    const next = await waitForState(players[0], (s) => s.phase === "playing" && s.round === firstRound + 1 && s, 10_000, "the next deal");
    expect(Array.from(next.seats, (s: any) => s.score)).toEqual(scores);
    expect(next.turn).toBe(1); // each round starts one seat further round the table
    await leaveAll(...players);
  });

  it("refuses a rematch while the round is being played with NOT_OVER", async () => {
    const { onTurn, waiting } = await dealtPair();
    const refused = new Promise<Rejection>((resolve) => waiting.onMessage(MESSAGES.rejected, resolve));
    waiting.send(MESSAGES.rematch, {});
    expect((await refused).code).toBe("NOT_OVER");
    expect(waiting.state.phase).toBe("playing");
    await leaveAll(onTurn, waiting);
  });
});

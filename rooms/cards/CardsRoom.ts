/**
 * The cards table: the authority over one game of Crazy Eights (RULES.md).
 * The rules are pure (rules.ts); this room seats players, deals, checks
 * every move against the rules, runs the turn timer, holds a dropped
 * player's seat with the hand intact, and deals again on a rematch.
 *
 * Hidden information: each client gets its own StateView, holding its own
 * seat alone, so a hand reaches only its player's socket (state.ts).
 * Spectators' views stay empty.
 */
import { definePlugins, ServerError, type Client, type Delayed } from "@colyseus/core";
import { StateView } from "@colyseus/schema";
import { z } from "zod";
import { ClientErrorCode } from "../../shared/protocol.ts";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { SeatHolding } from "../../server/room/seats.ts";
import { MatchChat } from "../chat/match.ts";
import {
  ClockRequest, JoinOptions, LIMITS, MAX_PLAYERS, MESSAGES, MIN_PLAYERS, Move, RematchRequest, eventSeenBy, rejection,
  type ClockSync, type Rejection, type TableEvent,
} from "./protocol.ts";
import { secureSeed } from "./random.ts";
import type { CardsSettings } from "./settings.ts";
import { applyMove, deal, nextRound, playTimedOutTurn, withdraw, type Game } from "./rules.ts";
import { CardsSeat, CardsState, seatIndexOf, showOwnHand, writeGame } from "./state.ts";

/** The room's own fields in a snapshot. */
interface CardsFields {
  game: Game | null;
  spectators: string[];
  gone: string[];
  joinCount: number;
  dealPlanned: boolean;
}

export class CardsRoom extends GameRoom<{ state: CardsState }, CardsSettings> {
  /** Chairs free or taken, plus the spectators present (updateCapacity): watching never takes a player's chair. */
  maxClients = MAX_PLAYERS;
  state = new CardsState();
  plugins = definePlugins([
    ...framework({ budget: { perSecond: LIMITS.messagesPerSecond, burst: LIMITS.messagesPerSecond } }),
    new SeatHolding(),
    new MatchChat(),
  ]);

  /** The whole round, hidden cards included: it never leaves this room. */
  private game: Game | null = null;
  private spectators = new Set<string>();
  /** Players who left for good while their seat still mattered (dealt into the round, or its results on show). */
  private gone = new Set<string>();
  private turnTimer: Delayed | undefined;
  private dealTimer: Delayed | undefined;
  private joinCount = 0;

  onCreate() {
    this.state.turnSeconds = this.settings.turnSeconds;
    // Any payload reaches onMove, which answers a malformed one in the table's words (MALFORMED_MOVE).
    this.plugins.conduct.handle(MESSAGES.move, z.unknown(), (client, payload) => this.onMove(client, payload));
    this.plugins.conduct.handle(MESSAGES.rematch, RematchRequest, (client) => this.onRematch(client));
    this.plugins.conduct.handle(MESSAGES.clock, ClockRequest, (): ClockSync => ({ now: Math.floor(this.clock.elapsedTime) }));
  }

  onJoin(client: Client, options: unknown) {
    const join = JoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(ClientErrorCode.INVALID_MESSAGE, join.error.issues[0].message);
    client.view = new StateView();
    this.joinCount++;
    if (join.data.spectate) {
      if (this.spectators.size >= LIMITS.spectators) {
        throw new ServerError(ClientErrorCode.INVALID_MESSAGE, `This table already has ${LIMITS.spectators} spectators.`);
      }
      this.spectators.add(client.sessionId);
      this.updateCapacity();
      return;
    }
    const seat = new CardsSeat();
    seat.playerId = client.sessionId;
    seat.name = join.data.name || `Player ${this.joinCount}`;
    this.state.seats.push(seat);
    showOwnHand(client.view, this.state, client.sessionId);
    if (this.state.phase === "waiting") this.planDeal();
  }

  onDrop(client: Client, code?: number) {
    const seat = this.seatOf(client.sessionId);
    // Held: the seat, its hand and its view survive a network drop or a reload; onLeave follows otherwise.
    if (this.plugins.seats.hold(client, code) && seat) seat.connected = false;
  }

  onReconnect(client: Client) {
    const seat = this.seatOf(client.sessionId);
    if (seat) seat.connected = true;
    // A seat restored on another process comes back without a view: give it its own hand again.
    if (!client.view) {
      client.view = new StateView();
      showOwnHand(client.view, this.state, client.sessionId);
    }
  }

  /** What a snapshot keeps besides the state (server/room/durable.ts): the whole round with its hidden cards, and the timers as time left. */
  snapshot(): CardsFields {
    return {
      game: this.game,
      spectators: [...this.spectators],
      gone: [...this.gone],
      joinCount: this.joinCount,
      dealPlanned: this.dealTimer !== undefined,
    };
  }

  /** Back from a snapshot, after the state and the clock: timers run again from the time they had left; every seat is away until its owner resumes it. */
  restore(fields: CardsFields) {
    this.game = fields.game;
    this.spectators = new Set(fields.spectators);
    this.gone = new Set(fields.gone);
    this.joinCount = fields.joinCount;
    for (const seat of this.state.seats) seat.connected = false;
    this.updateCapacity();
    if (this.game?.phase === "playing" && this.state.turnEndsAt > 0) {
      const left = Math.max(0, this.state.turnEndsAt - this.clock.elapsedTime);
      this.turnTimer = this.clock.setTimeout(() => this.onTurnTimedOut(), left);
    }
    if (fields.dealPlanned) this.planDeal();
  }

  onLeave(client: Client) {
    const id = client.sessionId;
    if (this.spectators.delete(id)) {
      this.updateCapacity();
      return;
    }
    const index = seatIndexOf(this.state, id);
    if (index < 0) return;
    const seat = this.state.seats[index];
    const dealtIn = this.game !== null && this.game.players.includes(id);
    if (!dealtIn) {
      this.state.seats.splice(index, 1);
    } else {
      // The seat stays until the next deal: the round (or its results) still counts its cards.
      seat.connected = false;
      this.gone.add(id);
      this.updateCapacity();
      if (this.game!.phase === "playing") {
        const left = withdraw(this.game!, id);
        if (left) this.advance(left.game, left.events);
      }
    }
    if (this.state.phase === "waiting") this.planDeal();
    else if (this.state.phase === "roundOver") this.dealIfAllAsked();
  }

  onDispose() {
    this.turnTimer?.clear();
    this.dealTimer?.clear();
  }

  private onMove(client: Client, payload: unknown) {
    const move = Move.safeParse(payload);
    if (!move.success) return this.refuse(client, rejection("MALFORMED_MOVE"));
    if (!this.game) return this.refuse(client, rejection("NOT_STARTED"));
    const result = applyMove(this.game, client.sessionId, move.data);
    if (!result.ok) return this.refuse(client, result.rejection);
    this.advance(result.game, result.events);
  }

  private onRematch(client: Client) {
    const seat = this.seatOf(client.sessionId);
    if (!seat) return this.refuse(client, rejection("NOT_SEATED"));
    if (this.state.phase === "waiting") return this.refuse(client, rejection("NOT_STARTED"));
    if (this.state.phase !== "roundOver") return this.refuse(client, rejection("NOT_OVER"));
    seat.wantsRematch = true;
    this.dealIfAllAsked();
  }

  /** A refused move changes nothing; only its sender hears why. */
  private refuse(client: Client, refusal: Rejection) {
    client.send(MESSAGES.rejected, refusal);
  }

  /** Take the rules' next game: sync the table, tell everyone what happened as they may see it, and run the turn timer. */
  private advance(next: Game, events: TableEvent[]) {
    const previous = this.game;
    this.game = next;
    writeGame(this.state, next);
    for (const client of this.clients) {
      const seat = next.players.indexOf(client.sessionId);
      for (const event of events) client.send(MESSAGES.event, eventSeenBy(event, seat));
    }
    const newTurn = !previous || previous.phase !== "playing" || previous.round !== next.round || previous.turn !== next.turn;
    if (next.phase !== "playing") {
      this.stopTurnTimer();
      for (const seat of this.state.seats) seat.wantsRematch = false;
    } else if (newTurn) {
      this.startTurnTimer();
    }
  }

  private startTurnTimer() {
    this.turnTimer?.clear();
    const ms = this.settings.turnSeconds * 1000;
    this.state.turnEndsAt = Math.floor(this.clock.elapsedTime + ms);
    this.turnTimer = this.clock.setTimeout(() => this.onTurnTimedOut(), ms);
  }

  private stopTurnTimer() {
    this.turnTimer?.clear();
    this.turnTimer = undefined;
    this.state.turnEndsAt = 0;
  }

  /** The table plays for a player who ran out of time (or is away): draw, then pass. */
  private onTurnTimedOut() {
    this.turnTimer = undefined;
    const game = this.game;
    if (!game || game.phase !== "playing") return;
    const played = playTimedOutTurn(game, game.players[game.turn]);
    if (played) this.advance(played.game, played.events);
  }

  /** Deal once two players sit down, after a moment for others to join (at once when the table is full). */
  private planDeal() {
    const seated = this.state.seats.length;
    if (seated < MIN_PLAYERS) {
      this.dealTimer?.clear();
      this.dealTimer = undefined;
      return;
    }
    if (seated >= MAX_PLAYERS || this.settings.dealDelaySeconds === 0) return this.dealNewTable();
    this.dealTimer ??= this.clock.setTimeout(() => {
      this.dealTimer = undefined;
      if (this.state.phase === "waiting" && this.state.seats.length >= MIN_PLAYERS) this.dealNewTable();
    }, this.settings.dealDelaySeconds * 1000);
  }

  private dealNewTable() {
    this.dealTimer?.clear();
    this.dealTimer = undefined;
    const dealt = deal(this.seatedPlayers(), secureSeed());
    this.advance(dealt.game, dealt.events);
  }

  /** Deal the next round when every seated player has asked; players who left give up their seats now. */
  private dealIfAllAsked() {
    const seats = this.state.seats.filter((seat) => !this.gone.has(seat.playerId));
    if (seats.length > 0 && !seats.every((seat) => seat.wantsRematch)) return;
    this.removeGoneSeats();
    const players = this.seatedPlayers();
    if (players.length < MIN_PLAYERS) return this.backToWaiting();
    const dealt = nextRound(this.game!, secureSeed(), players);
    this.advance(dealt.game, dealt.events);
  }

  private removeGoneSeats() {
    for (let i = this.state.seats.length - 1; i >= 0; i--) {
      if (this.gone.has(this.state.seats[i].playerId)) this.state.seats.splice(i, 1);
    }
    this.gone.clear();
    this.updateCapacity();
  }

  /** Too few players for a round: clear the table and wait for someone to sit down. */
  private backToWaiting() {
    this.game = null;
    this.stopTurnTimer();
    this.state.phase = "waiting";
    this.state.turn = -1;
    this.state.topCard = "";
    this.state.suit = "";
    this.state.drawPileCount = 0;
    this.state.discardCount = 0;
    this.state.turnHasDrawn = false;
    this.state.winner = -1;
    this.state.blocked = false;
    for (const seat of this.state.seats) {
      seat.hand.clear();
      seat.drawnCard = "";
      seat.handCount = 0;
      seat.dealtIn = false;
      seat.withdrawn = false;
      seat.wantsRematch = false;
      seat.score = 0;
      seat.roundPoints = 0;
    }
    this.planDeal();
  }

  /** A chair whose player left stays taken until the next deal; each spectator adds a place of its own. */
  private updateCapacity() {
    this.maxClients = MAX_PLAYERS - this.gone.size + this.spectators.size;
  }

  private seatedPlayers(): string[] {
    return Array.from(this.state.seats, (seat) => seat.playerId);
  }

  private seatOf(playerId: string): CardsSeat | undefined {
    return this.state.seats[seatIndexOf(this.state, playerId)];
  }
}

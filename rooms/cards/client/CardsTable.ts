/**
 * The card table: the felt, the draw pile and the discard, the player's
 * hand at the bottom (cards it may not play greyed out, by the same rules
 * the server judges with), the other seats round the table with their card
 * counts, whose turn it is and its timer, a suit picker for eights, a toast
 * when the table refuses a move, and the round's scores with a rematch
 * button. A spectator sees the same table with no hand.
 */
import * as Phaser from "phaser";
import {
  CENTER_X, COLORS, css, debugOf, FONT, HEIGHT, HUD_BAR, PAD, sessionOf, textStyle, WIDTH, button,
  type Button, type ConnectionState, type GameSession,
} from "../../../game-client/src/kit.ts";
import { MAX_PLAYERS, SUITS, isWild, rankOf, suitOf, type Card, type Move, type Suit, type TableEvent } from "../protocol.ts";
import { RANKS } from "../protocol.ts";
import type { CardsSeat, CardsState } from "../state.ts";
import { CARD_H, CARD_W, SUIT_COLOR, SUIT_NAME, SUIT_SYMBOL, cardBack, cardFace } from "./CardSprite.ts";
import { cardsOf, type CardsPlay } from "./play.ts";

const LEAVING: ConnectionState[] = ["expired", "kicked", "failed", "idle"];

const FELT = 0x0f5a3a;
const FELT_LIGHT = 0x1a7a50;
const RIM = 0x4a2c17;
const GOLD = 0xe0b341;

const DRAW_PILE = { x: CENTER_X - 90, y: 372 };
const DISCARD = { x: CENTER_X + 90, y: 372 };
const HAND_Y = HEIGHT - 96;
const HAND_WIDTH = 700;
/** Where each seat sits, by its place counted from the bottom (the viewer) round the table. */
const PLACES = {
  bottom: { x: 150, y: HEIGHT - 96 },
  left: { x: 150, y: 360 },
  top: { x: CENTER_X, y: HUD_BAR + 112 },
  right: { x: WIDTH - 150, y: 360 },
};
type Place = keyof typeof PLACES;
const PLACES_BY_COUNT: Record<number, Place[]> = {
  1: ["bottom"],
  2: ["bottom", "top"],
  3: ["bottom", "left", "right"],
  4: ["bottom", "left", "top", "right"],
};
const FLY_MS = 380;
const PLATE_W = 196;
const PLATE_H = 62;
const TOAST_MS = 2600;
/** Between the piles and the hand, clear of the suit picker and the scores panel. */
const TOAST_Y = 566;

interface SeatPlate {
  root: Phaser.GameObjects.Container;
  frame: Phaser.GameObjects.Graphics;
  name: Phaser.GameObjects.Text;
  detail: Phaser.GameObjects.Text;
  backs: Phaser.GameObjects.Container;
  shownCount: number;
}

/** Cards in hand in a readable order: by suit, then rank, eights last. */
function handOrder(a: Card, b: Card): number {
  const wa = isWild(a) ? 1 : 0, wb = isWild(b) ? 1 : 0;
  if (wa !== wb) return wa - wb;
  const sa = SUITS.indexOf(suitOf(a)), sb = SUITS.indexOf(suitOf(b));
  if (sa !== sb) return sa - sb;
  return RANKS.indexOf(rankOf(a)) - RANKS.indexOf(rankOf(b));
}

export class CardsTable extends Phaser.Scene {
  #session!: GameSession;
  #play: CardsPlay | undefined;
  #offs: (() => void)[] = [];
  #dirty = true;
  #hand = new Map<Card, Phaser.GameObjects.Container>();
  /** Where each card of the hand rests once its tween is over. */
  #handAt = new Map<Card, { x: number; y: number }>();
  #handLegal = new Map<Card, Move[]>();
  #plates = new Map<string, SeatPlate>();
  #drawPile!: Phaser.GameObjects.Container;
  /** The edges of the cards under the top of each pile, thicker the more cards it holds. */
  #pileEdges!: Phaser.GameObjects.Graphics;
  #pileCount!: Phaser.GameObjects.Text;
  #discard: Phaser.GameObjects.Container | undefined;
  #discardShown: Card | "" = "";
  #flights = 0;
  #suitBadge!: Phaser.GameObjects.Text;
  #turnBanner!: Phaser.GameObjects.Text;
  #timerText!: Phaser.GameObjects.Text;
  #timerRing!: Phaser.GameObjects.Graphics;
  #status!: Phaser.GameObjects.Text;
  #roundLabel!: Phaser.GameObjects.Text;
  #passButton!: Button;
  #drawButton!: Button;
  #toast!: Phaser.GameObjects.Container;
  #toastText!: Phaser.GameObjects.Text;
  #toastBg!: Phaser.GameObjects.Graphics;
  #picker: Phaser.GameObjects.Container | undefined;
  #results: Phaser.GameObjects.Container | undefined;
  #resultsRound = -1;
  #rematchButton: Button | undefined;
  #rematchNote: Phaser.GameObjects.Text | undefined;
  #waiting!: Phaser.GameObjects.Text;

  constructor() {
    super("CardsTable");
  }

  create(): void {
    this.#session = sessionOf(this);
    this.#play = cardsOf(this);
    const debug = debugOf(this);
    debug.scene = "Game";
    debug.players = [];
    this.#hand = new Map();
    this.#plates = new Map();
    this.#discard = undefined;
    this.#discardShown = "";
    this.#flights = 0;
    this.#picker = undefined;
    this.#results = undefined;
    this.#resultsRound = -1;
    this.#dirty = true;

    this.cameras.main.setBackgroundColor(0x0a1a14);
    this.#drawFelt();
    this.#drawHudBar();
    this.#pileEdges = this.add.graphics().setDepth(4);
    this.#drawPile = cardBack(this, DRAW_PILE.x, DRAW_PILE.y).setDepth(5);
    this.#drawPile.setInteractive({ useHandCursor: true }).on("pointerup", () => this.#tryMove({ type: "draw" }));
    this.#pileCount = this.add.text(DRAW_PILE.x, DRAW_PILE.y + CARD_H / 2 + 16, "", textStyle(FONT.small, 0xd8efe2)).setOrigin(0.5).setDepth(5);
    this.#suitBadge = this.add.text(DISCARD.x, DISCARD.y + CARD_H / 2 + 16, "", textStyle(FONT.small, 0xd8efe2)).setOrigin(0.5).setDepth(5);
    this.#turnBanner = this.add.text(CENTER_X, 236, "", { ...textStyle(FONT.title, COLORS.text), fontStyle: "bold" }).setOrigin(0.5).setDepth(6)
      .setShadow(0, 2, "#000000", 6, true, true);
    this.#timerText = this.add.text(CENTER_X, 276, "", textStyle(FONT.body, 0xd8efe2)).setOrigin(0.5).setDepth(6);
    this.#timerRing = this.add.graphics().setDepth(7);
    this.#waiting = this.add.text(CENTER_X, 372, "", { ...textStyle(Math.round(FONT.body * 1.2), COLORS.text), align: "center", lineSpacing: 10 }).setOrigin(0.5).setDepth(6);
    this.#drawButton = button(this, WIDTH - 150, HEIGHT - 132, "DRAW", () => this.#tryMove({ type: "draw" }), { width: 180, height: 48, color: GOLD });
    this.#passButton = button(this, WIDTH - 150, HEIGHT - 72, "PASS", () => this.#tryMove({ type: "pass" }), { width: 180, height: 48, color: GOLD });
    this.#drawButton.container.setDepth(8);
    this.#passButton.container.setDepth(8);
    this.#makeToast();

    this.input.keyboard!.on("keydown-ESC", () => {
      if (this.#picker) this.#closePicker();
      else void this.#session.leave();
    });
    this.input.keyboard!.on("keydown-D", () => this.#tryMove({ type: "draw" }));
    this.input.keyboard!.on("keydown-P", () => this.#tryMove({ type: "pass" }));

    const play = this.#play;
    this.#offs = [
      this.#session.on("state", (state, message) => {
        if (LEAVING.includes(state)) this.scene.start("Title", { notice: message });
        this.#dirty = true;
      }),
      this.#session.on("room", () => this.scene.restart()),
      this.#session.on("notice", (text) => this.#showToast(text, COLORS.bad)),
      ...(play ? [
        play.on("change", () => { this.#dirty = true; }),
        play.on("event", (event) => this.#onEvent(event)),
        play.on("rejected", (refusal) => this.#showToast(refusal.message, COLORS.bad)),
      ] : []),
    ];
    this.events.once("shutdown", () => {
      for (const off of this.#offs) off();
      this.#offs = [];
      this.tweens.killAll();
    });
    if (!play) this.scene.start("Title", { notice: this.#session.message });
  }

  update(): void {
    const debug = debugOf(this);
    debug.frame++;
    debug.fps = this.game.loop.actualFps;
    const table = this.#play?.table;
    if (!table) return;
    if (this.#dirty) {
      this.#dirty = false;
      this.#render(table);
    }
    this.#drawTimer(table);
  }

  // ---- drawing the table from the state -------------------------------------------------

  #render(table: CardsState): void {
    const play = this.#play!;
    const view = play.view();
    const waiting = table.phase === "waiting";
    this.#roundLabel.setText(waiting ? "CRAZY EIGHTS" : `CRAZY EIGHTS  ·  ROUND ${table.round}`);
    this.#status.setText(this.#statusLine());
    this.#waiting.setText(waiting ? this.#waitingLine(table) : "");
    this.#drawPile.setVisible(!waiting && table.drawPileCount > 0);
    this.#pileCount.setText(waiting ? "" : `${table.drawPileCount} to draw`);
    this.#drawPileEdges(waiting ? 0 : table.drawPileCount, waiting ? 0 : table.discardCount);
    if (this.#flights === 0) this.#showDiscard(table.topCard as Card | "");
    this.#suitBadge.setText(waiting || !table.suit ? "" : `Suit: ${SUIT_SYMBOL[table.suit as Suit]} ${SUIT_NAME[table.suit as Suit]}`);
    this.#suitBadge.setColor(table.suit && table.topCard && suitOf(table.topCard as Card) !== table.suit ? css(GOLD) : "#d8efe2");

    this.#renderSeats(table);
    this.#renderHand(view?.hand ?? [], play);

    const legal = play.legalMoves();
    const myTurn = legal.length > 0;
    const playing = table.phase === "playing";
    this.#drawButton.container.setVisible(!play.spectating && playing);
    this.#passButton.container.setVisible(!play.spectating && playing);
    this.#drawButton.setEnabled(legal.some((m) => m.type === "draw"));
    this.#passButton.setEnabled(legal.some((m) => m.type === "pass"));
    this.#turnBanner.setText(this.#turnLine(table, myTurn));
    this.#turnBanner.setColor(css(myTurn ? GOLD : COLORS.text));
    this.#renderResults(table);
    this.#report(myTurn);
  }

  /** What is on screen, for the debug hook (window.__tickforge.room): where to click, what is greyed. */
  #report(myTurn: boolean): void {
    const surface = debugOf(this).room;
    if (!surface) return;
    surface.cardsOnScreen = [...this.#handAt].map(([card, at]) => ({ card, x: at.x, y: at.y, greyed: myTurn && !this.#handLegal.has(card) }));
    surface.drawPileAt = { x: DRAW_PILE.x, y: DRAW_PILE.y };
    surface.resultsShown = this.#results !== undefined;
    surface.rematchAt = this.#rematchButton ? { x: this.#results!.x + this.#rematchButton.container.x, y: this.#results!.y + this.#rematchButton.container.y } : undefined;
    surface.timerText = this.#timerText.text;
  }

  #statusLine(): string {
    const play = this.#play!;
    const state = this.#session.state;
    if (state !== "connected") return this.#session.message || state;
    return play.spectating ? "Spectating: you see the table, not the hands" : "Esc leaves the table";
  }

  #waitingLine(table: CardsState): string {
    const seated = table.seats.length;
    if (seated < 2) return `Waiting for players  (${seated}/${MAX_PLAYERS})\nThe cards are dealt when a second player sits down.`;
    return `Dealing…  (${seated}/${MAX_PLAYERS} seated)`;
  }

  #turnLine(table: CardsState, myTurn: boolean): string {
    if (table.phase !== "playing" || table.turn < 0) return "";
    if (myTurn) return this.#play!.view()?.drawn ? "Your turn: play the card you drew, or pass" : "Your turn";
    const seat = table.seats[table.turn];
    return seat ? `${seat.name}'s turn` : "";
  }

  /** Seats in their places round the table, the viewer's own at the bottom (a spectator's reference is seat 0). */
  #renderSeats(table: CardsState): void {
    const play = this.#play!;
    const seats = Array.from(table.seats);
    const me = Math.max(0, play.seatIndex);
    const places = PLACES_BY_COUNT[Math.min(Math.max(seats.length, 1), MAX_PLAYERS)];
    const seen = new Set<string>();
    seats.forEach((seat, index) => {
      seen.add(seat.playerId);
      const place = places[(index - me + seats.length) % seats.length] ?? "top";
      const own = seat.playerId === play.sessionId;
      let plate = this.#plates.get(seat.playerId);
      if (!plate) {
        plate = this.#makePlate();
        this.#plates.set(seat.playerId, plate);
      }
      const at = PLACES[place];
      plate.root.setPosition(own ? 112 : at.x, own ? HEIGHT - 172 : at.y);
      this.#drawPlate(plate, seat, index, table, own);
    });
    for (const [id, plate] of this.#plates) {
      if (!seen.has(id)) {
        plate.root.destroy();
        this.#plates.delete(id);
      }
    }
  }

  #makePlate(): SeatPlate {
    const frame = this.add.graphics();
    const name = this.add.text(0, -14, "", { ...textStyle(FONT.body, COLORS.text), fontStyle: "bold" }).setOrigin(0.5);
    const detail = this.add.text(0, 14, "", textStyle(FONT.small, 0xc8dccf)).setOrigin(0.5);
    const backs = this.add.container(0, 0);
    const root = this.add.container(0, 0, [backs, frame, name, detail]).setDepth(4);
    return { root, frame, name, detail, backs, shownCount: -1 };
  }

  #drawPlate(plate: SeatPlate, seat: CardsSeat, index: number, table: CardsState, own: boolean): void {
    const onTurn = table.phase === "playing" && table.turn === index;
    const w = PLATE_W, h = PLATE_H;
    plate.frame.clear();
    plate.frame.fillStyle(0x06140e, 0.85).fillRoundedRect(-w / 2, -h / 2, w, h, 14);
    plate.frame.lineStyle(onTurn ? 3 : 1.5, onTurn ? GOLD : 0x5f8f76, onTurn ? 1 : 0.8).strokeRoundedRect(-w / 2, -h / 2, w, h, 14);
    plate.name.setText(`${seat.name}${own ? " (you)" : ""}`);
    plate.name.setColor(css(onTurn ? GOLD : COLORS.text));
    const notes: string[] = [];
    if (!seat.dealtIn && table.phase !== "waiting") notes.push("joins next round");
    else if (table.phase !== "waiting") notes.push(`${seat.handCount} card${seat.handCount === 1 ? "" : "s"}`);
    notes.push(`${seat.score} pts`);
    if (seat.withdrawn) notes.push("left");
    else if (!seat.connected) notes.push("away");
    if (table.phase === "roundOver" && seat.wantsRematch) notes.push("✓ rematch");
    plate.detail.setText(notes.join("  ·  "));
    plate.root.setAlpha(seat.withdrawn || !seat.connected ? 0.55 : 1);
    // Others' hands as a fan of backs beside the plate: the count is all anyone may know.
    const count = own ? 0 : seat.handCount;
    if (count !== plate.shownCount) {
      plate.shownCount = count;
      plate.backs.removeAll(true);
      const shown = Math.min(count, 12);
      const spread = Math.min(16, 150 / Math.max(shown, 1));
      for (let i = 0; i < shown; i++) {
        const back = cardBack(this, (i - (shown - 1) / 2) * spread, -h / 2 - 36, 0.42);
        back.setAngle((i - (shown - 1) / 2) * 3);
        plate.backs.add(back);
      }
    }
  }

  #renderHand(cards: readonly Card[], play: CardsPlay): void {
    const legal = play.legalMoves();
    const myTurn = legal.length > 0;
    this.#handLegal = new Map();
    for (const move of legal) {
      if (move.type !== "play") continue;
      this.#handLegal.set(move.card, [...(this.#handLegal.get(move.card) ?? []), move]);
    }
    const sorted = [...cards].sort(handOrder);
    const step = Math.min(CARD_W + 10, (HAND_WIDTH - CARD_W) / Math.max(sorted.length - 1, 1));
    const left = CENTER_X - (step * (sorted.length - 1)) / 2;
    const keep = new Set(sorted);
    this.#handAt = new Map();
    for (const [card, sprite] of this.#hand) {
      if (!keep.has(card)) {
        sprite.destroy();
        this.#hand.delete(card);
      }
    }
    let arriving = 0;
    sorted.forEach((card, i) => {
      const playable = this.#handLegal.has(card);
      const x = left + i * step;
      const y = HAND_Y - (playable ? 18 : 0);
      this.#handAt.set(card, { x, y });
      let sprite = this.#hand.get(card);
      if (!sprite) {
        // New cards come from the draw pile: the deal, and every draw.
        sprite = cardFace(this, card, DRAW_PILE.x, DRAW_PILE.y, 0.8).setDepth(20 + i);
        const shade = this.add.graphics().fillStyle(0x0b1a12, 0.55).fillRoundedRect(-CARD_W / 2, -CARD_H / 2, CARD_W, CARD_H, 9);
        sprite.add(shade.setName("shade").setVisible(false));
        sprite.setInteractive({ useHandCursor: true });
        sprite.on("pointerup", () => this.#clickCard(card));
        sprite.on("pointerover", () => { if (this.#handLegal.has(card)) sprite!.y = HAND_Y - 30; });
        sprite.on("pointerout", () => { sprite!.y = HAND_Y - (this.#handLegal.has(card) ? 18 : 0); });
        this.#hand.set(card, sprite);
        this.tweens.add({ targets: sprite, x, y, scale: 1, duration: FLY_MS, delay: arriving++ * 70, ease: "Cubic.Out" });
      } else {
        // A newer layout wins over a card's arrival or last move still under way.
        this.tweens.killTweensOf(sprite);
        this.tweens.add({ targets: sprite, x, y, scale: 1, duration: 180, ease: "Sine.Out" });
      }
      sprite.setDepth(20 + i);
      // Greyed: a card the rules would refuse now. Off turn nothing is playable, and nothing is greyed.
      (sprite.getByName("shade") as Phaser.GameObjects.Graphics | null)?.setVisible(myTurn && !playable);
    });
  }

  #drawPileEdges(drawCount: number, discardCount: number): void {
    const g = this.#pileEdges;
    g.clear();
    const edges = (at: { x: number; y: number }, cards: number, color: number) => {
      const layers = Math.min(5, Math.ceil(cards / 8));
      for (let i = layers; i >= 1; i--) {
        g.fillStyle(color, 1).fillRoundedRect(at.x - CARD_W / 2 + i * 1.5, at.y - CARD_H / 2 + i * 2, CARD_W, CARD_H, 9);
        g.lineStyle(1, 0x8c8576, 1).strokeRoundedRect(at.x - CARD_W / 2 + i * 1.5, at.y - CARD_H / 2 + i * 2, CARD_W, CARD_H, 9);
      }
    };
    if (drawCount > 1) edges(DRAW_PILE, drawCount - 1, 0xe9e4d8);
    if (discardCount > 1) edges(DISCARD, discardCount - 1, 0xf3efe6);
  }

  #showDiscard(card: Card | ""): void {
    if (card === this.#discardShown) return;
    this.#discardShown = card;
    this.#discard?.destroy();
    this.#discard = card ? cardFace(this, card, DISCARD.x, DISCARD.y).setDepth(6) : undefined;
  }

  #drawTimer(table: CardsState): void {
    const g = this.#timerRing;
    g.clear();
    const play = this.#play!;
    const left = play.turnMsLeft();
    if (table.phase !== "playing" || Number.isNaN(left)) {
      this.#timerText.setText("");
      return;
    }
    const total = Math.max(1, table.turnSeconds) * 1000;
    const fraction = Math.min(1, left / total);
    const seconds = Math.ceil(left / 1000);
    const color = seconds <= 5 ? COLORS.bad : seconds <= 10 ? COLORS.warn : GOLD;
    this.#timerText.setText(`${seconds}s left`).setColor(css(color));
    // A bar under the banner, shrinking from both ends.
    const barW = 260;
    g.fillStyle(0x06140e, 0.7).fillRoundedRect(CENTER_X - barW / 2, 296, barW, 8, 4);
    g.fillStyle(color, 1).fillRoundedRect(CENTER_X - (barW * fraction) / 2, 296, barW * fraction, 8, 4);
    // The same clock along the bottom edge of the seat on turn.
    const seat = table.seats[table.turn];
    const plate = seat && this.#plates.get(seat.playerId);
    if (plate) {
      const { x, y } = plate.root;
      const w = PLATE_W - 28;
      g.fillStyle(color, 1).fillRoundedRect(x - w / 2, y + PLATE_H / 2 - 7, w * fraction, 4, 2);
    }
  }

  // ---- what happened: animations and notes ------------------------------------------------

  #onEvent(event: TableEvent): void {
    const table = this.#play?.table;
    if (!table) return;
    switch (event.type) {
      case "played": {
        const from = this.#seatPoint(event.seat);
        const own = table.seats[event.seat]?.playerId === this.#play!.sessionId;
        const inHand = own ? this.#hand.get(event.card) : undefined;
        const start = inHand ? { x: inHand.x, y: inHand.y } : from;
        this.#fly(cardFace(this, event.card, start.x, start.y, inHand ? 1 : 0.5), DISCARD, 1, () => this.#showDiscard(event.card));
        if (isWild(event.card)) this.#showToast(`${table.seats[event.seat]?.name ?? "?"} names ${SUIT_NAME[event.suit]} ${SUIT_SYMBOL[event.suit]}`, GOLD);
        break;
      }
      case "drew": {
        const own = table.seats[event.seat]?.playerId === this.#play!.sessionId;
        if (!own) this.#fly(cardBack(this, DRAW_PILE.x, DRAW_PILE.y), this.#seatPoint(event.seat), 0.42);
        break;
      }
      case "dealt": {
        this.#showDiscard("");
        table.seats.forEach((seat, index) => {
          if (seat.playerId === this.#play!.sessionId || !seat.dealtIn) return;
          for (let i = 0; i < event.handSize; i++) {
            this.time.delayedCall(i * 90 + index * 30, () => this.#fly(cardBack(this, DRAW_PILE.x, DRAW_PILE.y), this.#seatPoint(index), 0.42));
          }
        });
        this.time.delayedCall(event.handSize * 90 + 200, () => { this.#dirty = true; this.#showDiscard(event.topCard); });
        this.#closeResults();
        break;
      }
      case "timedOut":
        this.#showToast(`${this.#nameOf(event.seat)} ran out of time: the table drew and passed`, COLORS.warn);
        break;
      case "reshuffled":
        this.#showToast(`The discards were shuffled into a new draw pile (${event.cards} cards)`, 0xd8efe2);
        break;
      case "withdrew":
        this.#showToast(`${this.#nameOf(event.seat)} left the round`, COLORS.warn);
        break;
      case "passed":
      case "roundOver":
        break;
    }
    this.#dirty = true;
  }

  #nameOf(seat: number): string {
    return this.#play?.table?.seats[seat]?.name ?? "A player";
  }

  /** Where a seat's cards go to and come from. */
  #seatPoint(index: number): { x: number; y: number } {
    const seat = this.#play?.table?.seats[index];
    const plate = seat && this.#plates.get(seat.playerId);
    if (seat?.playerId === this.#play?.sessionId) return { x: CENTER_X, y: HAND_Y };
    return plate ? { x: plate.root.x, y: plate.root.y - 60 } : { x: CENTER_X, y: HUD_BAR + 60 };
  }

  #fly(card: Phaser.GameObjects.Container, to: { x: number; y: number }, scale: number, landed?: () => void): void {
    this.#flights++;
    card.setDepth(50);
    this.tweens.add({
      targets: card, x: to.x, y: to.y, scale, angle: { from: -8, to: 0 }, duration: FLY_MS, ease: "Cubic.InOut",
      onComplete: () => {
        this.#flights--;
        card.destroy();
        landed?.();
        this.#dirty = true;
      },
    });
  }

  // ---- input -----------------------------------------------------------------------------

  #clickCard(card: Card): void {
    if (this.#picker) return;
    if (isWild(card) && this.#handLegal.has(card)) return this.#openPicker(card);
    // A card the rules forbid is still sent: the table answers why, and the toast shows it.
    this.#tryMove(isWild(card) ? { type: "play", card, suit: suitOf(card) } : { type: "play", card });
  }

  #tryMove(move: Move): void {
    const play = this.#play;
    if (!play || play.spectating || this.#picker) return;
    play.move(move);
  }

  /** An eight was chosen: which suit must the next player follow? */
  #openPicker(card: Card): void {
    const items: Phaser.GameObjects.GameObject[] = [];
    const w = 520, h = 210;
    const bg = this.add.graphics();
    bg.fillStyle(0x000000, 0.45).fillRect(-WIDTH / 2, -HEIGHT / 2, WIDTH, HEIGHT);
    bg.fillStyle(0x06140e, 0.96).fillRoundedRect(-w / 2, -h / 2, w, h, 18);
    bg.lineStyle(2, GOLD, 1).strokeRoundedRect(-w / 2, -h / 2, w, h, 18);
    items.push(bg, this.add.text(0, -h / 2 + 30, "Eights are wild: name the next suit", textStyle(FONT.body, COLORS.text)).setOrigin(0.5));
    SUITS.forEach((suit, i) => {
      const x = (i - 1.5) * 112;
      const chip = this.add.graphics();
      chip.fillStyle(0xfbf8f1, 1).fillRoundedRect(x - 46, -30, 92, 104, 12);
      chip.lineStyle(2, GOLD, 1).strokeRoundedRect(x - 46, -30, 92, 104, 12);
      const symbol = this.add.text(x, 12, SUIT_SYMBOL[suit], { fontFamily: "Georgia, serif", fontSize: "56px", color: css(SUIT_COLOR[suit]) }).setOrigin(0.5);
      const label = this.add.text(x, 58, SUIT_NAME[suit], textStyle(14, 0x333333)).setOrigin(0.5);
      const zone = this.add.zone(x, 22, 92, 104).setInteractive({ useHandCursor: true });
      zone.on("pointerup", () => {
        this.#closePicker();
        this.#play?.move({ type: "play", card, suit });
      });
      items.push(chip, symbol, label, zone);
    });
    this.#picker = this.add.container(CENTER_X, HEIGHT / 2, items).setDepth(80);
  }

  #closePicker(): void {
    this.#picker?.destroy();
    this.#picker = undefined;
  }

  // ---- the round's end ---------------------------------------------------------------------

  #renderResults(table: CardsState): void {
    if (table.phase !== "roundOver") return this.#closeResults();
    if (this.#resultsRound !== table.round) {
      this.#closeResults();
      this.#resultsRound = table.round;
      this.#openResults(table);
    }
    const play = this.#play!;
    const seated = play.seat;
    this.#rematchButton?.setEnabled(Boolean(seated && !seated.wantsRematch));
    const waitingFor = table.seats.filter((s) => s.connected && !s.wantsRematch).length;
    this.#rematchNote?.setText(!seated ? "Players choose whether to play again." : seated.wantsRematch
      ? `Waiting for ${waitingFor} more player${waitingFor === 1 ? "" : "s"}…`
      : "Everyone at the table must ask for the rematch.");
  }

  #openResults(table: CardsState): void {
    const w = 620;
    const rows = Array.from(table.seats).filter((s) => s.dealtIn);
    const h = 230 + rows.length * 40;
    const items: Phaser.GameObjects.GameObject[] = [];
    const bg = this.add.graphics();
    bg.fillStyle(0x06140e, 1).fillRoundedRect(-w / 2, -h / 2, w, h, 18);
    bg.lineStyle(2, GOLD, 1).strokeRoundedRect(-w / 2, -h / 2, w, h, 18);
    const winner = table.winner >= 0 ? table.seats[table.winner] : undefined;
    const headline = winner
      ? `${winner.playerId === this.#play!.sessionId ? "You win" : `${winner.name} wins`} the round${table.blocked ? " (blocked)" : "!"}`
      : "Blocked round: a tie, nobody wins";
    items.push(bg, this.add.text(0, -h / 2 + 36, headline, { ...textStyle(FONT.title, GOLD), fontStyle: "bold" }).setOrigin(0.5));
    const top = -h / 2 + 84;
    const columns = [-w / 2 + 40, 60, 170];
    items.push(
      this.add.text(columns[0], top, "PLAYER", textStyle(FONT.small, COLORS.dim)),
      this.add.text(columns[1], top, "ROUND", textStyle(FONT.small, COLORS.dim)),
      this.add.text(columns[2], top, "TOTAL", textStyle(FONT.small, COLORS.dim)),
    );
    rows.forEach((seat, i) => {
      const y = top + 34 + i * 40;
      const color = seat === winner ? GOLD : COLORS.text;
      items.push(
        this.add.text(columns[0], y, `${seat.name}${seat.playerId === this.#play!.sessionId ? " (you)" : ""}`, textStyle(FONT.body, color)),
        this.add.text(columns[1], y, `+${seat.roundPoints}`, textStyle(FONT.body, color)),
        this.add.text(columns[2], y, `${seat.score}`, { ...textStyle(FONT.body, color), fontStyle: "bold" }),
      );
    });
    this.#rematchNote = this.add.text(0, h / 2 - 92, "", textStyle(FONT.small, 0xc8dccf)).setOrigin(0.5);
    items.push(this.#rematchNote);
    const panel = this.add.container(CENTER_X, HEIGHT / 2 - 20, items).setDepth(70);
    if (!this.#play!.spectating) {
      this.#rematchButton = button(this, 0, h / 2 - 48, "REMATCH", () => this.#play?.rematch(), { width: 220, height: 50, color: GOLD });
      panel.add(this.#rematchButton.container);
    }
    panel.setScale(0.9).setAlpha(0);
    this.tweens.add({ targets: panel, scale: 1, alpha: 1, duration: 260, ease: "Back.Out" });
    this.#results = panel;
  }

  #closeResults(): void {
    this.#results?.destroy();
    this.#results = undefined;
    this.#rematchButton = undefined;
    this.#rematchNote = undefined;
    this.#resultsRound = -1;
  }

  // ---- furniture -------------------------------------------------------------------------

  #drawFelt(): void {
    const g = this.add.graphics().setDepth(0);
    const cy = 386;
    const smooth = 160;
    g.fillStyle(0x000000, 0.4).fillEllipse(CENTER_X, cy + 10, 1220, 660, smooth);
    g.fillStyle(RIM, 1).fillEllipse(CENTER_X, cy, 1210, 650, smooth);
    g.lineStyle(3, 0x7a5230, 1).strokeEllipse(CENTER_X, cy, 1190, 632, smooth);
    g.fillStyle(FELT, 1).fillEllipse(CENTER_X, cy, 1160, 604, smooth);
    // A soft light over the middle of the felt.
    for (let i = 6; i >= 1; i--) g.fillStyle(FELT_LIGHT, 0.07).fillEllipse(CENTER_X, cy, 160 * i, 86 * i, smooth);
    g.lineStyle(2, 0xe0b341, 0.25).strokeEllipse(CENTER_X, cy, 760, 380, smooth);
    this.add.text(CENTER_X, cy + 122, "CRAZY EIGHTS", { fontFamily: "Georgia, serif", fontSize: "26px", color: "#2f8f63", fontStyle: "bold" })
      .setOrigin(0.5).setAlpha(0.8).setDepth(1);
  }

  #drawHudBar(): void {
    const g = this.add.graphics().setDepth(9);
    g.fillStyle(COLORS.panel, 0.96).fillRect(0, 0, WIDTH, HUD_BAR);
    g.lineStyle(2, GOLD, 0.5).lineBetween(0, HUD_BAR - 1, WIDTH, HUD_BAR - 1);
    this.#roundLabel = this.add.text(PAD, HUD_BAR / 2, "", { ...textStyle(FONT.body, GOLD), fontStyle: "bold" }).setOrigin(0, 0.5).setDepth(10);
    this.#status = this.add.text(WIDTH - PAD, HUD_BAR / 2, "", textStyle(FONT.small, COLORS.dim)).setOrigin(1, 0.5).setDepth(10);
  }

  #makeToast(): void {
    this.#toastBg = this.add.graphics();
    this.#toastText = this.add.text(0, 0, "", textStyle(FONT.body, COLORS.text)).setOrigin(0.5);
    this.#toast = this.add.container(CENTER_X, TOAST_Y, [this.#toastBg, this.#toastText]).setDepth(90).setAlpha(0);
  }

  #showToast(text: string, color: number): void {
    if (!this.#toast?.active) return;
    this.#toastText.setText(text);
    const w = this.#toastText.width + 48, h = 46;
    this.#toastBg.clear();
    this.#toastBg.fillStyle(0x10060a, 0.92).fillRoundedRect(-w / 2, -h / 2, w, h, 12);
    this.#toastBg.lineStyle(2, color, 1).strokeRoundedRect(-w / 2, -h / 2, w, h, 12);
    this.#toastText.setColor(css(color));
    this.tweens.killTweensOf(this.#toast);
    this.#toast.setAlpha(1).setY(TOAST_Y + 10);
    this.tweens.add({ targets: this.#toast, y: TOAST_Y, duration: 160, ease: "Sine.Out" });
    this.tweens.add({ targets: this.#toast, alpha: 0, delay: TOAST_MS, duration: 400 });
    const debug = debugOf(this);
    debug.banner = text;
  }
}

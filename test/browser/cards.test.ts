/**
 * The cards table in a real browser against a real server: two pages play a
 * round to its end and deal again, a card the rules refuse is greyed and,
 * clicked anyway, answered with the table's reason, and a reload takes the
 * seat back with the same hand. Pages are read through the debug hook
 * (window.__tickforge.room), clicks land on the canvas.
 */
import { matchMaker } from "@colyseus/core";
import { beforeEach, describe, expect, it } from "vitest";
import { REJECTIONS } from "../../rooms/cards/protocol.ts";
import type { CardsState } from "../../rooms/cards/state.ts";
import { localRoom } from "../../tools/server.ts";
import { gameUnderTest, type GamePage } from "./browser.ts";

/** Two chromium pages with software GL on a busy machine: opening them alone takes seconds. */
const TWO_PAGES_MS = 180_000;

const suite = gameUnderTest({ CARDS_DEAL_DELAY_SECONDS: "0", CARDS_TURN_SECONDS: "60" });

/** How long one step of a page (joining, the deal) may take while other browser specs share the two cores. */
const STEP_MS = 60_000;

/** From the title screen, as `name`: PLAY at a cards table, or JOIN (or WATCH) the listed table `roomId`. */
async function sitDown(game: GamePage, name: string, listed?: { roomId: string; watch?: boolean }): Promise<void> {
  await game.until((h) => h.roomTypes.some((t) => t.name === "cards") && h.selectedRoomType, "the title screen's room types", undefined, STEP_MS);
  await game.page.keyboard.type(name);
  if (listed) {
    const at = await game.until((h, { roomId, watch }) => {
      const row = h.roomButtons.find((b) => b.roomId === roomId);
      return watch ? row?.watch : row?.join;
    }, `table ${listed.roomId} on the title screen`, listed, STEP_MS);
    await clickCanvas(game, at);
  } else {
    for (let i = 0; i < 8 && await game.read((h) => h.selectedRoomType) !== "cards"; i++) await game.page.keyboard.press("Tab");
    await game.page.keyboard.press("Enter");
  }
  await game.until((h, watch) => h.scene === "Game" && h.roomType === "cards" && h.connection === "connected" && h.room
    && (watch ? h.room.spectating : h.room.seat >= 0), `${name} at the table`, listed?.watch ?? false, STEP_MS);
}

/** Two pages at one new table, dealt in: the first sits down, the second joins it from the title screen's list. */
async function twoPlayers(): Promise<[GamePage, GamePage]> {
  const [first, second] = await Promise.all([suite.open(), suite.open()]);
  await sitDown(first, "Ada");
  const roomId = (await first.read((h) => h.roomId))!;
  await sitDown(second, "Grace", { roomId });
  for (const page of [first, second]) await page.until((h) => h.room?.phase === "playing" && h.room.hand.length > 0, "the deal", undefined, STEP_MS);
  return [first, second];
}

/** Give the seat up (Esc) so the next spec finds no half-empty table, and close the page. */
async function leaveTable(game: GamePage): Promise<void> {
  try {
    await game.page.keyboard.press("Escape");
    await game.until((h) => h.scene === "Title" && h.connection === "idle", "the title screen", undefined, STEP_MS);
  } finally {
    await game.close();
  }
}

/** Click a point of the game's 1280×800 canvas. */
async function clickCanvas(game: GamePage, at: { x: number; y: number }): Promise<void> {
  const box = (await game.page.locator("canvas").boundingBox())!;
  await game.page.mouse.click(box.x + (at.x * box.width) / 1280, box.y + (at.y * box.height) / 800);
}

/**
 * Let the page play its own turns through the hook: the first legal play
 * (else draw, else pass), each move sent once until the table changes.
 */
function autoplay(game: GamePage): Promise<void> {
  return game.read(() => {
    const w = window as unknown as { __autoplay?: ReturnType<typeof setInterval> };
    let sentFor = "";
    w.__autoplay = setInterval(() => {
      const room = window.__tickforge.room;
      if (!room) return;
      const moves = room.legalMoves as { type: string; card?: string }[];
      const key = `${room.round}|${room.turn}|${room.hand.length}|${JSON.stringify(moves)}`;
      if (moves.length === 0 || key === sentFor) return;
      sentFor = key;
      room.move(moves.find((m) => m.type === "play") ?? moves.find((m) => m.type === "draw") ?? moves[0]);
    }, 60);
  });
}

function stopAutoplay(game: GamePage): Promise<void> {
  return game.read(() => clearInterval((window as unknown as { __autoplay?: ReturnType<typeof setInterval> }).__autoplay));
}

// Each spec starts at a server with no cards table: a seat an earlier spec's page left held would take the next PLAY.
beforeEach(async () => {
  for (const table of await matchMaker.query({ name: "cards" })) await localRoom(table.roomId).disconnect().catch(() => undefined);
});

describe("the cards table in the browser", () => {
  it("lets two pages play a round to its end, shows the scores, and deals again when both ask for a rematch", async () => {
    const pages = await twoPlayers();
    try {
      // The turn timer counts down on the room's clock, shown on the table.
      const left = await pages[0].until((h) => h.room!.turnMsLeft > 0 && h.room!.turnMsLeft, "the turn timer", undefined, STEP_MS);
      expect(left).toBeLessThanOrEqual(60_000);
      await pages[0].until((h) => /^\d+s left$/.test(h.room!.timerText), "the timer on the table", undefined, STEP_MS);
      await Promise.all(pages.map(autoplay));
      for (const page of pages) {
        await page.until((h) => h.room?.phase === "roundOver" && h.room.resultsShown, "the round's end and its scores", undefined, 120_000);
      }
      await Promise.all(pages.map(stopAutoplay));
      for (const page of pages) expect(await page.read((h) => h.room!.refusals)).toEqual([]);

      // One asks with the button on the canvas, the other through the hook.
      const at = await pages[0].until((h) => h.room?.rematchAt, "the rematch button");
      await clickCanvas(pages[0], at);
      await pages[0].until((h) => h.room?.wantsRematch, "the click to ask for a rematch");
      await pages[1].read((h) => h.room!.rematch());
      for (const page of pages) {
        await page.until((h) => h.room?.phase === "playing" && h.room.round === 2 && h.room.hand.length > 0 && !h.room.resultsShown, "the second round's deal");
      }
      for (const page of pages) expect(page.errors).toEqual([]);
    } finally {
      await Promise.all(pages.map(leaveTable));
    }
  }, TWO_PAGES_MS + 120_000);

  it("greys the cards that cannot be played, and a greyed card clicked anyway gets the table's reason in a toast", async () => {
    const pages = await twoPlayers();
    try {
      const onTurn = (await pages[0].read((h) => h.room!.legalMoves.length > 0)) ? pages[0] : pages[1];
      const hand = await onTurn.until((h) => h.room?.cardsOnScreen?.length && h.room.cardsOnScreen, "the hand on screen");
      const greyed = hand.filter((c: { greyed: boolean }) => c.greyed);
      const legalCards = new Set((await onTurn.read((h) => h.room!.legalMoves)).flatMap((m: { card?: string }) => (m.card ? [m.card] : [])));
      expect(hand.filter((c: { card: string }) => !legalCards.has(c.card)).map((c: { card: string }) => c.card)).toEqual(greyed.map((c: { card: string }) => c.card));
      if (greyed.length === 0) {
        // A hand where every card fits (rare): passing before drawing is refused the same way.
        await onTurn.read((h) => h.room!.move({ type: "pass" }));
        await onTurn.until((h) => h.banner === "Draw a card before passing.", "the refusal's toast");
      } else {
        await new Promise((resolve) => setTimeout(resolve, 500)); // the deal's cards fly in for up to a few hundred ms
        await clickCanvas(onTurn, greyed[0]);
        const refusal = await onTurn.until((h) => h.room!.refusals.at(-1), "the table's refusal");
        expect(refusal.code).toBe("DOES_NOT_MATCH");
        await onTurn.until((h, text) => h.banner === text, "the refusal's toast", REJECTIONS.DOES_NOT_MATCH);
      }
      expect(await onTurn.read((h) => h.room!.hand.length)).toBe(hand.length);
      const other = onTurn === pages[0] ? pages[1] : pages[0];
      expect(await other.read((h) => h.room!.refusals)).toEqual([]);
    } finally {
      await Promise.all(pages.map(leaveTable));
    }
  }, TWO_PAGES_MS);

  it("takes the seat back with the same hand after a page reload", async () => {
    const pages = await twoPlayers();
    try {
      const [page] = pages;
      const before = await page.read((h) => ({ id: h.sessionId, seat: h.room!.seat, hand: [...h.room!.hand].sort() }));
      await page.page.reload();
      await page.until((h) => h.scene === "Game" && h.connection === "connected" && h.room?.hand?.length > 0, "the reloaded page back at its seat", undefined, STEP_MS);
      const after = await page.read((h) => ({ id: h.sessionId, seat: h.room!.seat, hand: [...h.room!.hand].sort() }));
      expect({ id: after.id, seat: after.seat }).toEqual({ id: before.id, seat: before.seat });
      // Every card is still there; a turn that ran out while the page was away may have drawn one more.
      expect(after.hand).toEqual(expect.arrayContaining(before.hand));
      expect(after.hand.length - before.hand.length).toBeLessThanOrEqual(1);
      for (const p of pages) expect(p.errors).toEqual([]);
    } finally {
      await Promise.all(pages.map(leaveTable));
    }
  }, TWO_PAGES_MS);

  it("lets a third page watch from the title screen: the table and its counts, no hand, no moves", async () => {
    const pages = await twoPlayers();
    const watcher = await suite.open();
    try {
      const roomId = (await pages[0].read((h) => h.roomId))!;
      await sitDown(watcher, "Hedy", { roomId, watch: true });
      await watcher.until((h) => h.room?.phase === "playing", "the table in play", undefined, STEP_MS);
      expect(await watcher.read((h) => ({ roomId: h.roomId, seat: h.room!.seat, hand: h.room!.hand, moves: h.room!.legalMoves, cards: h.room!.cardsOnScreen })))
        .toEqual({ roomId, seat: -1, hand: [], moves: [], cards: [] });
      // The players' seats are on the table, with the counts the server holds (a turn may have timed out meanwhile).
      const counts = () => Array.from((localRoom(roomId).state as CardsState).seats, (seat) => seat.handCount);
      await watcher.until((h, expected) => JSON.stringify(h.room!.play.table.seats.map((s: { handCount: number }) => s.handCount)) === expected,
        "the watcher's counts to match the table's", JSON.stringify(counts()), STEP_MS);
      expect(watcher.errors).toEqual([]);
    } finally {
      await Promise.all([...pages, watcher].map(leaveTable));
    }
  }, TWO_PAGES_MS);
});

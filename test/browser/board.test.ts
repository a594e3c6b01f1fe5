/**
 * The whiteboard in a real browser against a real server: two pages on one
 * board (the owner's, and a page that opened its edit link) type in the
 * same note and change the same shape at once and end with the same board;
 * Ctrl+Z on one page takes back that page's edit and leaves the other's;
 * edits made offline are sent once the page is back. Everything is done with
 * the mouse and keyboard on the page; the board is read through the debug
 * hook (window.__tickforge.room).
 */
import { describe, expect, it } from "vitest";
import { gameUnderTest, type GamePage } from "./browser.ts";

const suite = gameUnderTest();

/** How long one step (opening a page, joining) may take while other browser specs share the two cores. */
const STEP_MS = 60_000;
/** Two chromium pages with software GL on a busy machine: opening them alone takes seconds. */
const TWO_PAGES_MS = 240_000;
/** While the browser is offline, its reconnection attempts fail; Chromium logs each one. */
const OFFLINE_ERRORS = [/ERR_INTERNET_DISCONNECTED/, /WebSocket connection to .* failed/];

interface Point { x: number; y: number }

/** Open the game as `name` (remembered, so the guest identity carries it) and open a new board, or the one `link` names. */
async function openBoard(name: string, link?: string): Promise<GamePage> {
  const game = await suite.open({ query: link ? new URL(link).search : "", name, expectedErrors: OFFLINE_ERRORS });
  if (!link) {
    await game.until((h) => h.roomTypes.some((t) => t.name === "board") && h.selectedRoomType, "the title screen's room types", undefined, STEP_MS);
    for (let i = 0; i < 8 && await game.read((h) => h.selectedRoomType) !== "board"; i++) await game.page.keyboard.press("Tab");
    await game.page.keyboard.press("Enter");
  }
  try {
    await game.until((h) => h.scene === "Game" && h.room?.type === "board" && h.room.loaded && h.connection === "connected", `${name} on the board`, undefined, STEP_MS);
  } catch (error) {
    const state = await game.read((h) => ({ scene: h.scene, states: h.states, message: h.message, selected: h.selectedRoomType, url: location.href }));
    throw new Error(`${(error as Error).message} Page: ${JSON.stringify(state)}`);
  }
  return game;
}

/** Ada makes a board with a note and a rectangle (through the toolbar); Grace opens its edit link. */
async function twoOnOneBoard(): Promise<{ ada: GamePage; grace: GamePage; note: string; rect: string }> {
  const ada = await openBoard("Ada");
  const note = await draw(ada, "note", { x: 450, y: 380 });
  const rect = await draw(ada, "rect", { x: 850, y: 380 });
  const link = await ada.read((h) => h.room!.editLink() as Promise<string>);
  const grace = await openBoard("Grace", link);
  expect(await grace.read((h) => h.room!.role)).toBe("editor");
  await grace.until((h, ids) => ids.every((id) => h.room!.shapes.some((s: { id: string }) => s.id === id)), "Ada's shapes on Grace's page", [note, rect]);
  return { ada, grace, note, rect };
}

/** Pick a toolbar tool and click the board at `at` (page pixels); returns the new shape's id. */
async function draw(game: GamePage, tool: "note" | "rect", at: Point): Promise<string> {
  const before = await game.read((h) => h.room!.shapes.length as number);
  await game.page.click(`[data-tool="${tool}"]`);
  await game.page.mouse.click(at.x, at.y);
  await game.page.keyboard.press("Escape"); // a new note opens for typing: close it
  return game.until((h, n) => h.room!.shapes.length > n && h.room!.shapes[h.room!.shapes.length - 1].id, `a new ${tool}`, before);
}

/** Where the shape is drawn, once the page has drawn it where its board says: a remote move reaches the board a frame before the screen, and a click there would miss. */
async function centerOf(game: GamePage, id: string): Promise<Point> {
  return game.until((h, shape) => {
    const center = h.room!.view?.screenCenterOf(shape);
    const drawn = document.querySelector(`[data-shape="${shape}"]`)?.getBoundingClientRect();
    if (!center || !drawn) return undefined;
    return Math.abs(drawn.left + drawn.width / 2 - center.x) < 2 && Math.abs(drawn.top + drawn.height / 2 - center.y) < 2 ? center : undefined;
  }, `shape ${id} drawn where the board has it`, id);
}

/** Double-click a note to type in it. */
async function editNote(game: GamePage, id: string): Promise<void> {
  const at = await centerOf(game, id);
  await game.page.mouse.dblclick(at.x, at.y);
  await game.until((h, note) => h.room!.view.editingId === note, `the editor on note ${id}`, id);
}

/** Drag with the mouse from `from` by `by` (page pixels), in steps so the page sees a drag. */
async function dragBy(game: GamePage, from: Point, by: Point): Promise<void> {
  await game.page.mouse.move(from.x, from.y);
  await game.page.mouse.down();
  await game.page.mouse.move(from.x + by.x, from.y + by.y, { steps: 8 });
  await game.page.mouse.up();
}

/** Ctrl+Z, and wait until the server has ordered the undo: the page sends it after the key's frame, so "nothing pending" alone could be read before it exists. */
async function undoOnce(game: GamePage): Promise<void> {
  const before = await game.read((h) => h.room!.seq as number);
  await game.page.keyboard.press("Control+Z");
  await game.until((h, seq) => h.room!.seq > seq, "the undo ordered by the server", before, STEP_MS);
}

/** Until nothing is waiting for the server on either page and both have seen the same last op. */
async function settled(pages: GamePage[]): Promise<void> {
  for (const page of pages) await page.until((h) => h.connection === "connected" && h.room!.pending === 0, "own edits acknowledged", undefined, STEP_MS);
  const last = Math.max(...await Promise.all(pages.map((page) => page.read((h) => h.room!.seq as number))));
  for (const page of pages) await page.until((h, seq) => h.room!.seq === seq, `op ${last}`, last, STEP_MS);
}

function shapeOn(game: GamePage, id: string): Promise<{ x: number; y: number; w: number; h: number; text?: string }> {
  return game.read((h, shape) => h.room!.shapes.find((s: { id: string }) => s.id === shape), id);
}

async function close(...pages: GamePage[]): Promise<void> {
  for (const page of pages) {
    expect(page.errors).toEqual([]);
    await page.close();
  }
}

describe("the board in two browsers", () => {
  it("two pages typing in one note at once end with the same text, holding both", async () => {
    const { ada, grace, note } = await twoOnOneBoard();
    await Promise.all([editNote(ada, note), editNote(grace, note)]);
    await Promise.all([ada.page.keyboard.type("apples and "), grace.page.keyboard.type("pears and ")]);
    await settled([ada, grace]);

    const text = await ada.read((h, id) => h.room!.text(id), note);
    expect(text).toContain("apples and ");
    expect(text).toContain("pears and ");
    expect(await grace.read((h, id) => h.room!.text(id), note)).toBe(text);
    expect(await grace.read((h) => h.room!.content)).toEqual(await ada.read((h) => h.room!.content));
    // What the page shows is the merged text, in the other page's editor too.
    expect(await grace.page.locator(`[data-editor="${note}"]`).inputValue()).toBe(text);
    await close(ada, grace);
  }, TWO_PAGES_MS);

  it("one page moving a shape while another resizes it end identical, with the move and the resize", async () => {
    const { ada, grace, rect } = await twoOnOneBoard();
    const before = await shapeOn(ada, rect);
    const center = await centerOf(grace, rect);
    await grace.page.mouse.click(center.x, center.y);
    const handle = grace.page.locator('[data-handle="1,1"]');
    await handle.waitFor(); // the selection's handles are drawn on the frame after the click
    const corner = (await handle.boundingBox())!;
    await Promise.all([
      dragBy(ada, await centerOf(ada, rect), { x: 120, y: 60 }),
      dragBy(grace, { x: corner.x + corner.width / 2, y: corner.y + corner.height / 2 }, { x: 80, y: 40 }),
    ]);
    await settled([ada, grace]);

    const after = await shapeOn(ada, rect);
    expect(after).toMatchObject({ x: before.x + 120, y: before.y + 60, w: before.w + 80, h: before.h + 40 });
    expect(await grace.read((h) => h.room!.content)).toEqual(await ada.read((h) => h.room!.content));
    await close(ada, grace);
  }, TWO_PAGES_MS);

  it("Ctrl+Z on one page takes back that page's typing and leaves the other page's", async () => {
    const { ada, grace, note } = await twoOnOneBoard();
    await Promise.all([editNote(ada, note), editNote(grace, note)]);
    await Promise.all([ada.page.keyboard.type("apples "), grace.page.keyboard.type("pears ")]);
    await settled([ada, grace]);
    for (const page of [ada, grace]) expect(await page.read((h) => h.room!.refusals)).toEqual([]);
    const typed = await grace.read((h, id) => h.room!.text(id) as string, note);
    expect(typed.length).toBe("apples pears ".length);
    expect([...typed].sort().join("")).toBe([..."apples pears "].sort().join(""));

    // Typing is undone in Yjs's steps (a pause splits them): press until Ada's word is gone.
    for (let i = 0; i < 10 && await ada.read((h, id) => h.room!.text(id) as string, note) !== "pears "; i++) {
      await ada.page.keyboard.press("Control+Z");
      await settled([ada, grace]);
      expect(await grace.read((h, id) => h.room!.text(id), note)).toContain("pears ");
    }
    expect(await ada.read((h, id) => h.room!.text(id), note)).toBe("pears ");
    expect(await grace.read((h, id) => h.room!.text(id), note)).toBe("pears ");
    expect(await grace.read((h) => h.room!.content)).toEqual(await ada.read((h) => h.room!.content));
    await close(ada, grace);
  }, TWO_PAGES_MS);

  it("Ctrl+Z on one page takes back its move of a shape and leaves the other page's resize", async () => {
    const { ada, grace, rect } = await twoOnOneBoard();
    const before = await shapeOn(ada, rect);
    await dragBy(ada, await centerOf(ada, rect), { x: 150, y: 0 });
    await settled([ada, grace]);
    const center = await centerOf(grace, rect);
    await grace.page.mouse.click(center.x, center.y);
    const handle = grace.page.locator('[data-handle="1,1"]');
    await handle.waitFor(); // the selection's handles are drawn on the frame after the click
    const corner = (await handle.boundingBox())!;
    await dragBy(grace, { x: corner.x + corner.width / 2, y: corner.y + corner.height / 2 }, { x: 60, y: 30 });
    await settled([ada, grace]);

    await undoOnce(ada);
    await settled([ada, grace]);
    const after = await shapeOn(grace, rect);
    expect(after).toMatchObject({ x: before.x, y: before.y, w: before.w + 60, h: before.h + 30 });
    expect(await grace.read((h) => h.room!.content)).toEqual(await ada.read((h) => h.room!.content));
    await close(ada, grace);
  }, TWO_PAGES_MS);

  it("edits made while the connection is down are sent once it is back, and applied once", async () => {
    const { ada, grace } = await twoOnOneBoard();
    await ada.context.setOffline(true);
    await ada.until((h) => h.connection === "reconnecting", "Ada's page to notice the drop", undefined, STEP_MS);
    await ada.page.click('[data-tool="note"]');
    await ada.page.mouse.click(650, 620);
    await ada.page.keyboard.type("written offline");
    await ada.page.keyboard.press("Escape");
    expect(await ada.read((h) => h.room!.pending)).toBeGreaterThan(0);
    await ada.until(() => document.querySelector(".bd-status")?.textContent?.includes("queued"), "the queued edits on the status line");

    await ada.context.setOffline(false);
    await settled([ada, grace]);
    const notes = await grace.read((h) => h.room!.shapes.filter((s: { text?: string }) => s.text === "written offline").length);
    expect(notes).toBe(1);
    expect(await grace.read((h) => h.room!.content)).toEqual(await ada.read((h) => h.room!.content));
    await close(ada, grace);
  }, TWO_PAGES_MS);
});

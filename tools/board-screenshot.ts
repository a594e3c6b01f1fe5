/**
 * Makes docs/board.png: three people on one board in chromium against a
 * real server. Ada (the owner) lays out a sprint retro, Grace types in a
 * note, Ada selects another, and the picture is Lin's page, which shows
 * both their cursors, Ada's selection and Grace's "is editing".
 *
 *   npm run build && npx node tools/board-screenshot.ts [out.png]
 */
import { launchBrowser } from "./chromium.ts";
import { openGame, type GamePage } from "./game-page.ts";
import { startServer } from "./server.ts";

const out = process.argv[2] ?? "docs/board.png";
const STEP_MS = 60_000;

interface Draw {
  kind: string;
  x: number;
  y: number;
  w: number;
  h: number;
  color: string;
  text?: string;
  from?: number;
  to?: number;
  points?: number[];
}

/** The retro, in board units; arrows name shapes by their index here. */
const RETRO: Draw[] = [
  { kind: "text", x: -20, y: -10, w: 420, h: 44, color: "#212529", text: "Sprint 14 retro" },
  { kind: "text", x: -20, y: 56, w: 300, h: 40, color: "#2b8a3e", text: "Went well" },
  { kind: "text", x: 400, y: 56, w: 300, h: 40, color: "#c92a2a", text: "To improve" },
  { kind: "text", x: 800, y: 56, w: 300, h: 40, color: "#1864ab", text: "Actions" },
  { kind: "note", x: -20, y: 110, w: 175, h: 140, color: "#86efac", text: "Checkout p99 down from 180 ms to 80 ms" },
  { kind: "note", x: 175, y: 110, w: 175, h: 140, color: "#86efac", text: "Pairing on the storage migration" },
  { kind: "note", x: -20, y: 275, w: 175, h: 140, color: "#86efac", text: "No pages all sprint" },
  { kind: "note", x: 400, y: 110, w: 185, h: 140, color: "#fca5a5", text: "Flaky browser tests" },
  { kind: "note", x: 400, y: 275, w: 185, h: 140, color: "#fca5a5", text: "Reviews wait more than a day" },
  { kind: "note", x: 800, y: 110, w: 190, h: 140, color: "#93c5fd", text: "Wait on events, never sleep (Grace)" },
  { kind: "note", x: 800, y: 275, w: 190, h: 140, color: "#93c5fd", text: "Review rota (Ada)" },
  { kind: "ellipse", x: 560, y: 450, w: 220, h: 120, color: "#fde68a" },
  { kind: "text", x: 614, y: 490, w: 130, h: 44, color: "#5c4813", text: "Ship 2.0" },
  { kind: "rect", x: 175, y: 290, w: 175, h: 110, color: "#e5e7eb" },
  { kind: "text", x: 190, y: 325, w: 165, h: 44, color: "#343a40", text: "Parking lot" },
];
const ARROWS: [number, number][] = [[7, 9], [8, 10]];
/** A tick drawn by hand next to the first note. */
const TICK = [0, 18, 10, 30, 34, 0];

async function joinAs(name: string, endpoint: string, browser: Awaited<ReturnType<typeof launchBrowser>>, link?: string): Promise<GamePage> {
  const game = await openGame(browser, endpoint, { query: link ? new URL(link).search : "", name });
  if (!link) {
    await game.until((h) => h.roomTypes.some((t) => t.name === "board") && h.selectedRoomType, "the title screen", undefined, STEP_MS);
    for (let i = 0; i < 8 && await game.read((h) => h.selectedRoomType) !== "board"; i++) await game.page.keyboard.press("Tab");
    await game.page.keyboard.press("Enter");
  }
  await game.until((h) => h.room?.type === "board" && h.room.loaded && h.room.view, `${name} on the board`, undefined, STEP_MS);
  return game;
}

async function screenOf(game: GamePage, point: { x: number; y: number }): Promise<{ x: number; y: number }> {
  return game.read((h, p) => h.room!.view.screenOf(p), point);
}

const server = await startServer();
const browser = await launchBrowser();
try {
  const ada = await joinAs("Ada", server.endpoint, browser);
  const ids: string[] = await ada.read((h, { retro, arrows, tick }) => {
    const { view, play } = h.room!;
    const made: string[] = [];
    for (const shape of retro) {
      view.select([]);
      view.setColor(shape.color);
      const id = view.createShape(shape.kind, shape);
      const words = shape.text;
      if (words) play.editText(id, (text: { insert(index: number, s: string): void }) => text.insert(0, words));
      made.push(id);
    }
    for (const [from, to] of arrows) {
      view.setColor("#868e96");
      view.createShape("arrow", { x: 0, y: 0, w: 1, h: 1 }, { from: made[from], to: made[to] });
    }
    view.setColor("#2f9e44");
    view.createShape("stroke", { x: 120, y: 250, w: 34, h: 30 }, { points: tick });
    view.setColor("#fde68a");
    return made;
  }, { retro: RETRO, arrows: ARROWS, tick: TICK });
  await ada.until((h) => h.room!.pending === 0, "the retro on the server", undefined, STEP_MS);
  const link = await ada.read((h) => h.room!.editLink() as Promise<string>);
  const grace = await joinAs("Grace", server.endpoint, browser, link);
  const lin = await joinAs("Lin", server.endpoint, browser, link);

  // Grace types in "Reviews wait more than a day"; Ada selects the action it leads to.
  const reviews = await screenOf(grace, { x: 492, y: 370 });
  await grace.page.mouse.dblclick(reviews.x, reviews.y);
  await grace.until((h, id) => h.room!.view.editingId === id, "Grace typing", ids[8]);
  await grace.page.keyboard.press("End");
  await grace.page.keyboard.type(": try a rota?");
  const rota = await screenOf(ada, { x: 895, y: 360 });
  await ada.page.mouse.click(rota.x, rota.y);
  const adaCursor = await screenOf(ada, { x: 935, y: 392 });
  await ada.page.mouse.move(adaCursor.x, adaCursor.y, { steps: 4 });
  const graceCursor = await screenOf(grace, { x: 540, y: 398 });
  await grace.page.mouse.move(graceCursor.x, graceCursor.y, { steps: 4 });
  const linCursor = await screenOf(lin, { x: 1200, y: 700 });
  await lin.page.mouse.move(linCursor.x, linCursor.y);

  await lin.until((h, [rotaId, reviewsId]) => {
    const peers = h.room!.peers as { name: string; x: number; y: number; selection: string[]; editing: string | null }[];
    const adaPeer = peers.find((p) => p.name === "Ada");
    const gracePeer = peers.find((p) => p.name === "Grace");
    return adaPeer?.selection.includes(rotaId) && adaPeer.x === 935 && gracePeer?.editing === reviewsId && gracePeer.x === 540
      && h.room!.text(reviewsId).endsWith("rota?") && h.room!.pending === 0;
  }, "Ada's and Grace's cursors on Lin's page", [ids[10], ids[8]], STEP_MS);
  // The cursors glide 60 ms to their place (a CSS transition): the picture waits for the animations to finish.
  await lin.page.evaluate(() => Promise.all(document.getAnimations().map((a) => a.finished)));
  await lin.page.screenshot({ path: out });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}

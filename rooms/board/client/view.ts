/**
 * The whiteboard page: DOM and SVG laid over the game's canvas while a board
 * is open (README.md says why not Phaser). It draws `play.replica.board`
 * and the people on it, and turns the pointer and keys into ops through
 * `play` (optimistic, undoable). User text only ever goes in as
 * `textContent` or a textarea's value, never as HTML.
 */
import type * as Y from "yjs";
import { LOCAL_ORIGIN } from "../client-model.ts";
import { keyAbove, keyBelow, keyBetween, shapesInOrder, textUpdateFrom, type ShapeRecord } from "../model.ts";
import { TEXT_KINDS, type OpInput, type ShapeKind, type ShapeProps, type SubOp } from "../protocol.ts";
import {
  arrowEnds, caretAfter, darken, isLight, overlaps, resizeBox, rotationToward, strokeFrom, textChange,
  type Box, type Point, type TextDelta,
} from "./geometry.ts";
import { ICONS, icon } from "./icons.ts";
import type { BoardPlay, Peer } from "./play.ts";
import { BOARD_CSS } from "./styles.ts";

export type Tool = "select" | "note" | "rect" | "ellipse" | "arrow" | "pen" | "text";

const TOOLS: { tool: Tool; label: string; key: string }[] = [
  { tool: "select", label: "Select and move", key: "v" },
  { tool: "note", label: "Sticky note", key: "n" },
  { tool: "rect", label: "Rectangle", key: "r" },
  { tool: "ellipse", label: "Ellipse", key: "o" },
  { tool: "arrow", label: "Arrow: drag from one shape to another", key: "a" },
  { tool: "pen", label: "Pen", key: "p" },
  { tool: "text", label: "Text", key: "t" },
];

const HINTS: Record<Tool, string> = {
  select: "Click to select · Shift-click adds · drag to move · double-click a note to type · Del deletes · [ ] reorder · Ctrl+Z undo",
  note: "Click to place a sticky note, or drag to size it",
  rect: "Click or drag to draw a rectangle",
  ellipse: "Click or drag to draw an ellipse",
  arrow: "Drag from one shape to another to connect them",
  pen: "Draw freehand",
  text: "Click to place text",
};

/** Note and shape colours, all readable with dark text; outlines and ink are these darkened. */
export const PALETTE = ["#fde68a", "#fdba74", "#fca5a5", "#f9a8d4", "#c4b5fd", "#93c5fd", "#99e9f2", "#86efac", "#e5e7eb", "#495057"];

const DEFAULT_SIZE: Partial<Record<ShapeKind, { w: number; h: number }>> = {
  note: { w: 200, h: 200 },
  rect: { w: 220, h: 130 },
  ellipse: { w: 180, h: 130 },
  text: { w: 260, h: 44 },
};

type Gesture =
  | { kind: "pan"; from: Point; camera: Point }
  | { kind: "drag"; from: Point; origins: Map<string, Point>; moved: boolean }
  | { kind: "resize"; id: string; handle: Point; from: Point; box: Box }
  | { kind: "rotate"; id: string; box: Box }
  | { kind: "marquee"; from: Point; to: Point; keep: Set<string> }
  | { kind: "create"; tool: "note" | "rect" | "ellipse" | "text"; from: Point; to: Point }
  | { kind: "arrow"; from: string; to: Point; target: string | null }
  | { kind: "pen"; path: Point[] };

interface Editing {
  id: string;
  ydoc: Y.Doc;
  text: Y.Text;
  area: HTMLTextAreaElement;
  observer: (event: Y.YTextEvent, transaction: Y.Transaction) => void;
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * Points a pen stroke keeps (MAX_STROKE_POINTS allows more): 500 whole-unit
 * points are at most 3 KB of msgpack, so the stroke fits one client frame.
 */
const PEN_POINTS = 500;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className = "", parent?: Element): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  parent?.appendChild(node);
  return node;
}

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, String(value));
  parent?.appendChild(node);
  return node;
}

function initials(name: string): string {
  return name.split(/\s+/).filter(Boolean).slice(0, 2).map((part) => [...part][0]!.toUpperCase()).join("") || "?";
}

export class BoardView {
  readonly root: HTMLDivElement;
  readonly #play: BoardPlay;
  readonly #onLeave: () => void;
  readonly #style: HTMLStyleElement;
  readonly #viewport: HTMLDivElement;
  readonly #world: HTMLDivElement;
  readonly #layer: HTMLDivElement;
  readonly #overlay: HTMLDivElement;
  readonly #cursors: HTMLDivElement;
  readonly #toolButtons = new Map<Tool, HTMLButtonElement>();
  readonly #swatches = new Map<string, HTMLButtonElement>();
  readonly #actionButtons: HTMLButtonElement[] = [];
  readonly #hint: HTMLDivElement;
  readonly #status: HTMLSpanElement;
  readonly #people: HTMLDivElement;
  readonly #idLabel: HTMLSpanElement;
  readonly #zoomLabel: HTMLSpanElement;
  readonly #toast: HTMLDivElement;
  readonly #share: HTMLDivElement;
  readonly #shareEdit: HTMLInputElement;
  readonly #shareView: HTMLInputElement;
  /** The owner's switch: does the board id alone let people edit? */
  readonly #linkEdits: HTMLLabelElement;
  readonly #shapeEls = new Map<string, HTMLElement>();
  readonly #cursorEls = new Map<string, HTMLElement>();
  readonly #offs: (() => void)[] = [];
  tool: Tool = "select";
  color = PALETTE[0];
  readonly selection = new Set<string>();
  #editing: Editing | null = null;
  #camera = { x: 0, y: 0, zoom: 1 };
  #gesture: Gesture | null = null;
  /** Props shown instead of the board's during a drag, resize or rotate; committed as one op when the pointer lifts. */
  #preview = new Map<string, Partial<ShapeProps>>();
  #space = false;
  #frame = 0;
  #toastTimer: ReturnType<typeof setTimeout> | undefined;
  /** Renders since the view opened (for tests that wait on a redraw). */
  renders = 0;

  constructor(play: BoardPlay, options: { onLeave(): void }) {
    this.#play = play;
    this.#onLeave = options.onLeave;
    this.#style = el("style");
    this.#style.textContent = BOARD_CSS;
    this.root = el("div", "bd-root");
    this.root.dataset.board = play.boardId;

    this.#viewport = el("div", "bd-viewport", this.root);
    this.#world = el("div", "bd-world", this.#viewport);
    this.#layer = el("div", "", this.#world);
    this.#overlay = el("div", "bd-overlay", this.#world);
    this.#cursors = el("div", "bd-overlay", this.#world);

    // Top bar: the board, who is here, share and leave.
    const top = el("div", "bd-topbar", this.root);
    const title = el("div", "bd-panel bd-title", top);
    el("div", "bd-logo", title);
    el("span", "bd-name", title).textContent = "Team board";
    this.#idLabel = el("span", "bd-id", title);
    this.#status = el("span", "bd-status", title);
    el("div", "bd-spacer", top);
    this.#people = el("div", "bd-panel bd-people", top);
    const actions = el("div", "bd-panel bd-actions", top);
    const undo = this.#iconButton(actions, "undo", "Undo (Ctrl+Z)", () => this.#play.undo());
    const redo = this.#iconButton(actions, "redo", "Redo (Ctrl+Shift+Z)", () => this.#play.redo());
    this.#actionButtons.push(undo, redo);
    const shareButton = el("button", "bd-btn bd-primary", actions);
    shareButton.textContent = "Share";
    shareButton.addEventListener("click", () => void this.#toggleShare());
    const leave = el("button", "bd-btn", actions);
    leave.textContent = "Leave";
    leave.addEventListener("click", () => this.#onLeave());

    this.#share = el("div", "bd-panel bd-share", this.root);
    el("h3", "", this.#share).textContent = "Share this board";
    el("p", "", this.#share).textContent = "Anyone with the edit link can edit; the view link only lets people look.";
    this.#shareEdit = el("input", "", this.#share);
    this.#shareEdit.readOnly = true;
    this.#shareView = el("input", "", this.#share);
    this.#shareView.readOnly = true;
    this.#linkEdits = el("label", "bd-check", this.#share);
    const linkEdits = el("input", "", this.#linkEdits);
    linkEdits.type = "checkbox";
    this.#linkEdits.append(" Anyone with the view link can edit");
    linkEdits.addEventListener("change", () => void this.#setLinkRole(linkEdits.checked));
    const copy = el("button", "bd-btn bd-primary", this.#share);
    copy.textContent = "Copy edit link";
    copy.addEventListener("click", () => void this.#copy(this.#shareEdit.value));

    // Tools, colours and arrange on the left.
    const toolbar = el("div", "bd-panel bd-toolbar", this.root);
    for (const { tool, label, key } of TOOLS) {
      const button = this.#iconButton(toolbar, tool, `${label} (${key.toUpperCase()})`, () => this.setTool(tool));
      this.#toolButtons.set(tool, button);
    }
    el("div", "bd-sep", toolbar);
    const swatches = el("div", "bd-swatches", toolbar);
    for (const color of PALETTE) {
      const swatch = el("button", "bd-swatch", swatches);
      swatch.style.background = color;
      swatch.title = `Colour ${color}`;
      swatch.addEventListener("mousedown", (event) => event.preventDefault());
      swatch.addEventListener("click", () => this.setColor(color));
      this.#swatches.set(color, swatch);
    }
    el("div", "bd-sep", toolbar);
    this.#actionButtons.push(
      this.#iconButton(toolbar, "forward", "Bring forward (])", () => this.reorder("forward")),
      this.#iconButton(toolbar, "backward", "Send backward ([)", () => this.reorder("backward")),
      this.#iconButton(toolbar, "trash", "Delete (Del)", () => this.deleteSelection()),
    );

    const bottom = el("div", "bd-bottom", this.root);
    this.#hint = el("div", "bd-panel bd-hint", bottom);
    el("div", "bd-spacer", bottom);
    const zoom = el("div", "bd-panel bd-zoom", bottom);
    this.#iconButton(zoom, "minus", "Zoom out", () => this.#zoomAt(1 / 1.25, this.#screenCenter()));
    this.#zoomLabel = el("span", "bd-zoom-label", zoom);
    this.#iconButton(zoom, "plus", "Zoom in", () => this.#zoomAt(1.25, this.#screenCenter()));
    this.#toast = el("div", "bd-toast", this.root);

    this.#listen();
    this.setTool("select");
    this.setColor(PALETTE[0]);
  }

  mount(parent: HTMLElement = document.body): void {
    document.head.appendChild(this.#style);
    parent.appendChild(this.root);
    const rect = this.#viewport.getBoundingClientRect();
    this.#camera = { x: rect.width / 2 - 500, y: rect.height / 2 - 300, zoom: 1 };
    this.render();
  }

  destroy(): void {
    this.#stopEditing();
    for (const off of this.#offs) off();
    cancelAnimationFrame(this.#frame);
    clearTimeout(this.#toastTimer);
    this.root.remove();
    this.#style.remove();
  }

  // ---------------------------------------------------------------------------
  // Commands

  setTool(tool: Tool): void {
    this.tool = tool;
    for (const [name, button] of this.#toolButtons) button.classList.toggle("bd-on", name === tool);
    this.#viewport.className = `bd-viewport bd-tool-${tool}`;
    this.#hint.textContent = HINTS[tool];
  }

  /** The colour new shapes get; it also recolours the selection. */
  setColor(color: string): void {
    this.color = color;
    for (const [name, swatch] of this.#swatches) swatch.classList.toggle("bd-on", name === color);
    const ids = [...this.selection].filter((id) => this.#play.shape(id)?.props.color !== color);
    if (ids.length === 0 || !this.#play.canEdit) return;
    this.#performAll(ids.map((id) => ({ type: "update", id, props: { color } })));
  }

  select(ids: Iterable<string>): void {
    this.selection.clear();
    for (const id of ids) if (this.#play.shape(id)) this.selection.add(id);
    this.#play.setPresence({ selection: [...this.selection].slice(0, 256) });
    this.#schedule();
  }

  deleteSelection(): void {
    const ids = [...this.selection].filter((id) => this.#play.shape(id));
    if (ids.length === 0) return;
    this.#stopEditing();
    this.#performAll(ids.map((id) => ({ type: "delete", id })));
    this.select([]);
  }

  /** One step up or down the stacking order, or all the way (front/back). */
  reorder(direction: "forward" | "backward" | "front" | "back"): void {
    const board = this.#play.replica.board;
    const ordered = shapesInOrder(board);
    const parts: SubOp[] = [];
    const selected = ordered.filter((s) => this.selection.has(s.id));
    const list = direction === "forward" || direction === "front" ? [...selected].reverse() : selected;
    for (const shape of list) {
      const index = ordered.findIndex((s) => s.id === shape.id);
      let z: string;
      if (direction === "front") z = keyAbove(board);
      else if (direction === "back") z = keyBelow(board);
      else if (direction === "forward") {
        const above = ordered[index + 1];
        if (!above || this.selection.has(above.id)) continue;
        z = keyBetween(above.props.z!, ordered[index + 2]?.props.z ?? null);
      } else {
        const below = ordered[index - 1];
        if (!below || this.selection.has(below.id)) continue;
        z = keyBetween(ordered[index - 2]?.props.z ?? null, below.props.z!);
      }
      parts.push({ type: "reorder", id: shape.id, z });
      ordered.splice(index, 1);
      const at = ordered.findIndex((s) => s.props.z! > z);
      ordered.splice(at < 0 ? ordered.length : at, 0, { ...shape, props: { ...shape.props, z } });
      if (direction === "front" || direction === "back") break; // one shape per step: keys come from the board as it is
    }
    if (parts.length > 0) this.#performAll(parts);
  }

  /** Ops for several shapes go as one group: they apply (and undo) together. */
  #performAll(parts: SubOp[]): void {
    const opId = this.#play.replica.newId();
    const op = (parts.length === 1 ? { ...parts[0], opId } : { type: "group", opId, ops: parts }) as OpInput;
    this.#play.perform(op);
  }

  createShape(kind: ShapeKind, box: { x: number; y: number; w: number; h: number }, extra: { from?: string; to?: string; points?: number[] } = {}): string | undefined {
    if (!this.#play.canEdit) return undefined;
    const id = this.#play.replica.newId();
    const shape = {
      id, kind, x: Math.round(box.x), y: Math.round(box.y), w: Math.round(box.w), h: Math.round(box.h), rotation: 0,
      color: kind === "text" ? darken(this.color, 0.55) : this.color,
      z: keyAbove(this.#play.replica.board),
      ...extra,
      ...(TEXT_KINDS.has(kind) ? { text: textUpdateFrom("") } : {}),
    };
    const ok = this.#play.perform({ type: "create", opId: this.#play.replica.newId(), shape });
    return ok ? id : undefined;
  }

  // ---------------------------------------------------------------------------
  // Text editing, bound to the shape's live Yjs text

  startEditing(id: string): void {
    const shape = this.#play.shape(id);
    if (!shape || !TEXT_KINDS.has(shape.kind) || !this.#play.canEdit) return;
    if (this.#editing?.id === id) return;
    this.#stopEditing();
    const area = el("textarea", "bd-editor");
    area.spellcheck = false;
    area.dataset.editor = id;
    area.addEventListener("input", () => this.#typed());
    area.addEventListener("keydown", (event) => this.#editorKey(event));
    area.addEventListener("pointerdown", (event) => event.stopPropagation());
    area.addEventListener("blur", () => { if (this.#editing?.area === area) this.#stopEditing(); });
    this.#editing = { id, area, ydoc: null!, text: null!, observer: () => {} };
    this.#bindText();
    this.select([id]);
    this.#play.setPresence({ editing: id });
    this.render();
    area.focus();
    area.setSelectionRange(area.value.length, area.value.length);
  }

  /** (Re)bind the textarea to the shape's live text: it is replaced when the shape is restored or an edit rolled back. */
  #bindText(): void {
    const editing = this.#editing;
    if (!editing) return;
    const ydoc = this.#play.replica.texts.get(editing.id);
    if (!ydoc) { this.#stopEditing(); return; }
    if (ydoc === editing.ydoc) return;
    editing.text?.unobserve(editing.observer);
    const text = this.#play.replica.text(editing.id)!;
    const observer = (event: Y.YTextEvent, transaction: Y.Transaction) => {
      if (transaction.origin === LOCAL_ORIGIN) return; // the textarea already shows this user's typing
      const { area } = editing;
      const delta = event.delta as TextDelta;
      const start = caretAfter(area.selectionStart, delta);
      const end = caretAfter(area.selectionEnd, delta);
      area.value = text.toString();
      area.setSelectionRange(start, end);
    };
    text.observe(observer);
    const caret = editing.area.selectionStart;
    Object.assign(editing, { ydoc, text, observer });
    editing.area.value = text.toString();
    editing.area.setSelectionRange(caret, caret);
  }

  #typed(): void {
    const editing = this.#editing;
    if (!editing) return;
    const change = textChange(editing.text.toString(), editing.area.value, editing.area.selectionEnd);
    if (change.deleted === 0 && change.inserted === "") return;
    this.#play.editText(editing.id, (text) => {
      if (change.deleted > 0) text.delete(change.index, change.deleted);
      if (change.inserted) text.insert(change.index, change.inserted);
    });
    // A refused edit rebuilds the live text: show what stands.
    if (this.#editing === editing && editing.area.value !== editing.text.toString()) this.#bindText();
  }

  #editorKey(event: KeyboardEvent): void {
    event.stopPropagation(); // typing is text, not shortcuts
    const mod = event.ctrlKey || event.metaKey;
    if (mod && event.key.toLowerCase() === "z") {
      event.preventDefault();
      if (event.shiftKey) this.#play.redo();
      else this.#play.undo();
    } else if (mod && event.key.toLowerCase() === "y") {
      event.preventDefault();
      this.#play.redo();
    } else if (event.key === "Escape") {
      event.preventDefault();
      this.#stopEditing();
    }
  }

  #stopEditing(): void {
    const editing = this.#editing;
    if (!editing) return;
    this.#editing = null;
    editing.text?.unobserve(editing.observer);
    editing.area.remove();
    this.#play.setPresence({ editing: null });
    this.#schedule();
  }

  get editingId(): string | null {
    return this.#editing?.id ?? null;
  }

  // ---------------------------------------------------------------------------
  // Input

  #listen(): void {
    const vp = this.#viewport;
    const on = <K extends keyof HTMLElementEventMap>(target: HTMLElement | Window, type: K, fn: (event: HTMLElementEventMap[K]) => void, options?: AddEventListenerOptions) => {
      target.addEventListener(type, fn as EventListener, options);
      this.#offs.push(() => target.removeEventListener(type, fn as EventListener, options));
    };
    on(vp, "pointerdown", (event) => this.#pointerDown(event));
    on(vp, "pointermove", (event) => this.#pointerMove(event));
    on(vp, "pointerup", (event) => this.#pointerUp(event));
    on(vp, "pointercancel", () => { this.#gesture = null; this.#preview.clear(); this.#schedule(); });
    on(vp, "dblclick", (event) => this.#doubleClick(event));
    on(vp, "wheel", (event) => this.#wheel(event), { passive: false });
    on(vp, "contextmenu", (event) => event.preventDefault());
    on(window, "keydown", (event) => this.#key(event));
    on(window, "keyup", (event) => { if (event.key === " ") this.#space = false; });
    this.#offs.push(
      this.#play.on("change", () => { this.#bindText(); this.#schedule(); }),
      this.#play.on("peers", () => this.#schedule()),
      this.#play.on("refused", (rejection) => this.#showToast(rejection.message)),
      this.#play.session.on("state", () => this.#schedule()),
    );
  }

  /** Board coordinates of a pointer event. */
  #boardPoint(event: { clientX: number; clientY: number }): Point {
    const rect = this.#viewport.getBoundingClientRect();
    return { x: (event.clientX - rect.left - this.#camera.x) / this.#camera.zoom, y: (event.clientY - rect.top - this.#camera.y) / this.#camera.zoom };
  }

  /** The shape under the pointer. Not `event.target`: while the viewport holds the pointer capture, that is the viewport. */
  #shapeAt(event: { clientX: number; clientY: number }): string | null {
    const hit = document.elementFromPoint(event.clientX, event.clientY);
    const target = hit?.closest?.("[data-shape]") as HTMLElement | SVGElement | null;
    return target?.dataset.shape ?? null;
  }

  #pointerDown(event: PointerEvent): void {
    if ((event.target as Element).closest(".bd-editor")) return;
    const at = this.#boardPoint(event);
    this.#viewport.setPointerCapture(event.pointerId);
    if (event.button === 1 || event.button === 2 || this.#space) {
      this.#gesture = { kind: "pan", from: { x: event.clientX, y: event.clientY }, camera: { x: this.#camera.x, y: this.#camera.y } };
      this.#viewport.classList.add("bd-panning");
      return;
    }
    this.#share.classList.remove("bd-show");
    const hit = this.#shapeAt(event);
    const handle = (event.target as HTMLElement).dataset.handle;
    if (this.#editing && hit !== this.#editing.id) this.#stopEditing();
    const editable = this.#play.canEdit;
    if (this.tool === "select" || !editable) {
      if (handle && editable && this.selection.size === 1) {
        const id = [...this.selection][0];
        const shape = this.#play.shape(id);
        if (!shape) return;
        const box = this.#boxOf(shape);
        if (handle === "rotate") this.#gesture = { kind: "rotate", id, box };
        else {
          const [hx, hy] = handle.split(",").map(Number);
          this.#gesture = { kind: "resize", id, handle: { x: hx, y: hy }, from: at, box };
        }
        return;
      }
      if (hit) {
        if (event.shiftKey) {
          const next = new Set(this.selection);
          if (next.has(hit)) next.delete(hit);
          else next.add(hit);
          this.select(next);
        } else if (!this.selection.has(hit)) {
          this.select([hit]);
        }
        if (!editable) return;
        const origins = new Map<string, Point>();
        for (const id of this.selection) {
          const shape = this.#play.shape(id);
          if (shape && shape.kind !== "arrow") origins.set(id, { x: shape.props.x!, y: shape.props.y! });
        }
        this.#gesture = { kind: "drag", from: at, origins, moved: false };
        return;
      }
      this.#gesture = { kind: "marquee", from: at, to: at, keep: event.shiftKey ? new Set(this.selection) : new Set() };
      if (!event.shiftKey) this.select([]);
      return;
    }
    if (this.tool === "arrow") {
      const from = hit && this.#play.shape(hit)?.kind !== "arrow" ? hit : null;
      if (from) this.#gesture = { kind: "arrow", from, to: at, target: null };
      return;
    }
    if (this.tool === "pen") {
      this.#gesture = { kind: "pen", path: [at] };
      return;
    }
    this.#gesture = { kind: "create", tool: this.tool, from: at, to: at };
  }

  #pointerMove(event: PointerEvent): void {
    const at = this.#boardPoint(event);
    this.#play.setPresence({ x: at.x, y: at.y });
    const gesture = this.#gesture;
    if (!gesture) return;
    switch (gesture.kind) {
      case "pan":
        this.#camera.x = gesture.camera.x + event.clientX - gesture.from.x;
        this.#camera.y = gesture.camera.y + event.clientY - gesture.from.y;
        break;
      case "drag": {
        const dx = at.x - gesture.from.x;
        const dy = at.y - gesture.from.y;
        if (!gesture.moved && Math.hypot(dx, dy) * this.#camera.zoom < 3) return;
        gesture.moved = true;
        this.#preview.clear();
        for (const [id, origin] of gesture.origins) this.#preview.set(id, { x: Math.round(origin.x + dx), y: Math.round(origin.y + dy) });
        break;
      }
      case "resize": {
        const box = resizeBox(gesture.box, gesture.handle, { x: at.x - gesture.from.x, y: at.y - gesture.from.y });
        this.#preview.set(gesture.id, { x: Math.round(box.x), y: Math.round(box.y), w: Math.round(box.w), h: Math.round(box.h) });
        break;
      }
      case "rotate":
        this.#preview.set(gesture.id, { rotation: rotationToward(gesture.box, at) });
        break;
      case "marquee":
        gesture.to = at;
        break;
      case "create":
        gesture.to = at;
        break;
      case "arrow": {
        gesture.to = at;
        const hit = this.#shapeAt(event);
        gesture.target = hit && hit !== gesture.from && this.#play.shape(hit)?.kind !== "arrow" ? hit : null;
        break;
      }
      case "pen":
        if (gesture.path.length < PEN_POINTS * 8) gesture.path.push(at);
        break;
    }
    this.#schedule();
  }

  #pointerUp(event: PointerEvent): void {
    const gesture = this.#gesture;
    this.#gesture = null;
    this.#viewport.classList.remove("bd-panning");
    if (!gesture) return;
    const at = this.#boardPoint(event);
    switch (gesture.kind) {
      case "drag": {
        const parts: SubOp[] = [];
        for (const [id, props] of this.#preview) {
          const shape = this.#play.shape(id);
          if (shape && props.x !== undefined && props.y !== undefined && (props.x !== shape.props.x || props.y !== shape.props.y)) {
            parts.push({ type: "move", id, x: props.x, y: props.y });
          }
        }
        this.#preview.clear();
        if (parts.length > 0) this.#performAll(parts);
        break;
      }
      case "resize":
      case "rotate": {
        const preview = this.#preview.get(gesture.id) ?? {};
        this.#preview.clear();
        const shape = this.#play.shape(gesture.id);
        // Only what this gesture changed: someone else's concurrent edit of the other properties (a move, say) stands.
        const props = Object.fromEntries(Object.entries(preview).filter(([name, value]) => gesture.box[name as keyof Box] !== value));
        if (shape && Object.keys(props).length > 0) this.#performAll([{ type: "update", id: gesture.id, props }]);
        break;
      }
      case "marquee": {
        const box = { x: Math.min(gesture.from.x, at.x), y: Math.min(gesture.from.y, at.y), w: Math.abs(at.x - gesture.from.x), h: Math.abs(at.y - gesture.from.y) };
        if (box.w > 2 || box.h > 2) {
          const hits = this.#play.shapes().filter((s) => s.kind !== "arrow" && overlaps(box, this.#boxOf(s))).map((s) => s.id);
          this.select([...gesture.keep, ...hits]);
        }
        break;
      }
      case "create": {
        const size = DEFAULT_SIZE[gesture.tool]!;
        const dragged = Math.abs(at.x - gesture.from.x) > 8 || Math.abs(at.y - gesture.from.y) > 8;
        const box = dragged
          ? { x: Math.min(gesture.from.x, at.x), y: Math.min(gesture.from.y, at.y), w: Math.max(24, Math.abs(at.x - gesture.from.x)), h: Math.max(24, Math.abs(at.y - gesture.from.y)) }
          : { x: at.x - size.w / 2, y: at.y - size.h / 2, ...size };
        const id = this.createShape(gesture.tool, box);
        this.setTool("select");
        if (id) {
          this.select([id]);
          if (TEXT_KINDS.has(gesture.tool)) this.startEditing(id);
        }
        break;
      }
      case "arrow": {
        if (gesture.target) {
          const a = this.#boxOf(this.#play.shape(gesture.from)!);
          const b = this.#boxOf(this.#play.shape(gesture.target)!);
          const [p, q] = arrowEnds(a, b);
          const id = this.createShape("arrow", { x: Math.min(p.x, q.x), y: Math.min(p.y, q.y), w: Math.abs(q.x - p.x), h: Math.abs(q.y - p.y) }, { from: gesture.from, to: gesture.target });
          if (id) this.select([id]);
        }
        break;
      }
      case "pen": {
        if (gesture.path.length > 1) {
          const stroke = strokeFrom(gesture.path, PEN_POINTS);
          this.createShape("stroke", stroke, { points: stroke.points });
        }
        break;
      }
      case "pan":
        break;
    }
    this.#schedule();
  }

  #doubleClick(event: MouseEvent): void {
    const hit = this.#shapeAt(event);
    if (hit && TEXT_KINDS.has(this.#play.shape(hit)?.kind ?? "rect")) this.startEditing(hit);
  }

  #wheel(event: WheelEvent): void {
    event.preventDefault();
    if (event.ctrlKey || event.metaKey) {
      this.#zoomAt(Math.exp(-event.deltaY / 300), { x: event.clientX, y: event.clientY });
    } else {
      this.#camera.x -= event.deltaX;
      this.#camera.y -= event.deltaY;
      this.#schedule();
    }
  }

  #screenCenter(): Point {
    const rect = this.#viewport.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }

  #zoomAt(factor: number, screen: Point): void {
    const rect = this.#viewport.getBoundingClientRect();
    const zoom = Math.min(4, Math.max(0.2, this.#camera.zoom * factor));
    const sx = screen.x - rect.left;
    const sy = screen.y - rect.top;
    this.#camera.x = sx - ((sx - this.#camera.x) * zoom) / this.#camera.zoom;
    this.#camera.y = sy - ((sy - this.#camera.y) * zoom) / this.#camera.zoom;
    this.#camera.zoom = zoom;
    this.#schedule();
  }

  #key(event: KeyboardEvent): void {
    const target = event.target as HTMLElement | null;
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA")) return;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && key === "z") {
      event.preventDefault();
      if (event.shiftKey) this.#play.redo();
      else this.#play.undo();
      return;
    }
    if (mod && key === "y") {
      event.preventDefault();
      this.#play.redo();
      return;
    }
    if (mod && key === "a") {
      event.preventDefault();
      this.select(this.#play.shapes().map((s) => s.id));
      return;
    }
    if (mod) return;
    if (event.key === " ") { this.#space = true; return; }
    if (event.key === "Delete" || event.key === "Backspace") { event.preventDefault(); this.deleteSelection(); return; }
    if (event.key === "Escape") { this.select([]); this.setTool("select"); return; }
    if (event.key === "Enter" && this.selection.size === 1) { event.preventDefault(); this.startEditing([...this.selection][0]); return; }
    if (event.key === "]") { this.reorder(event.shiftKey ? "front" : "forward"); return; }
    if (event.key === "[") { this.reorder(event.shiftKey ? "back" : "backward"); return; }
    if (event.key === "}") { this.reorder("front"); return; }
    if (event.key === "{") { this.reorder("back"); return; }
    const nudge = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] }[event.key];
    if (nudge && this.selection.size > 0 && this.#play.canEdit) {
      event.preventDefault();
      const step = event.shiftKey ? 10 : 1;
      const parts: SubOp[] = [];
      for (const id of this.selection) {
        const shape = this.#play.shape(id);
        if (shape && shape.kind !== "arrow") parts.push({ type: "move", id, x: shape.props.x! + nudge[0] * step, y: shape.props.y! + nudge[1] * step });
      }
      if (parts.length > 0) this.#performAll(parts);
      return;
    }
    const tool = TOOLS.find((t) => t.key === key);
    if (tool && !event.altKey) this.setTool(tool.tool);
  }

  // ---------------------------------------------------------------------------
  // Drawing

  #schedule(): void {
    if (this.#frame) return;
    this.#frame = requestAnimationFrame(() => { this.#frame = 0; this.render(); });
  }

  /** A shape's box as drawn: its props with any drag or resize in progress on top. */
  #boxOf(shape: ShapeRecord): Box {
    const props = { ...shape.props, ...this.#preview.get(shape.id) };
    return { x: props.x!, y: props.y!, w: props.w!, h: props.h!, rotation: props.rotation ?? 0 };
  }

  render(): void {
    this.renders++;
    const play = this.#play;
    const { x, y, zoom } = this.#camera;
    this.#world.style.transform = `translate(${x}px, ${y}px) scale(${zoom})`;
    this.#viewport.style.backgroundPosition = `${x}px ${y}px`;
    this.#viewport.style.backgroundSize = `${24 * zoom}px ${24 * zoom}px`;
    this.#zoomLabel.textContent = `${Math.round(zoom * 100)}%`;
    this.#idLabel.textContent = play.boardId;
    this.root.dataset.board = play.boardId;
    this.#renderStatus();
    this.#renderPeople();
    for (const button of this.#actionButtons) button.disabled = !play.canEdit;
    for (const button of this.#toolButtons.values()) button.disabled = !play.canEdit && button !== this.#toolButtons.get("select");

    for (const id of this.selection) if (!play.shape(id)) this.selection.delete(id);
    const shapes = play.shapes();
    const boxes = new Map(shapes.map((s) => [s.id, this.#boxOf(s)]));
    const seen = new Set<string>();
    shapes.forEach((shape, index) => {
      seen.add(shape.id);
      let node = this.#shapeEls.get(shape.id);
      if (!node || node.dataset.kind !== shape.kind) {
        node?.remove();
        node = this.#makeShape(shape);
        this.#shapeEls.set(shape.id, node);
      }
      this.#drawShape(node, shape, boxes);
      if (this.#layer.children[index] !== node) this.#layer.insertBefore(node, this.#layer.children[index] ?? null);
    });
    for (const [id, node] of this.#shapeEls) {
      if (seen.has(id)) continue;
      node.remove();
      this.#shapeEls.delete(id);
    }
    this.#renderOverlay(boxes);
    this.#renderCursors();
  }

  #makeShape(shape: ShapeRecord): HTMLElement {
    const node = el("div", `bd-shape bd-${shape.kind === "text" ? "text-shape" : shape.kind}`);
    node.dataset.shape = shape.id;
    node.dataset.kind = shape.kind;
    if (TEXT_KINDS.has(shape.kind)) {
      const text = el("div", "bd-text", node);
      text.dataset.placeholder = shape.kind === "note" ? "Double-click to write" : "Text";
    } else if (shape.kind === "stroke") {
      svg("polyline", { fill: "none", "stroke-width": 3, "stroke-linecap": "round", "stroke-linejoin": "round", "vector-effect": "non-scaling-stroke" },
        svg("svg", { preserveAspectRatio: "none" }, node));
    } else if (shape.kind === "arrow") {
      node.className = "bd-arrow";
      const canvas = svg("svg", { width: 1, height: 1 }, node);
      svg("path", { class: "bd-arrow-hit", "data-shape": shape.id }, canvas);
      svg("path", { class: "bd-arrow-line", fill: "none", "stroke-width": 2.5, "stroke-linecap": "round", "stroke-linejoin": "round" }, canvas);
    }
    return node;
  }

  #drawShape(node: HTMLElement, shape: ShapeRecord, boxes: ReadonlyMap<string, Box>): void {
    const color = shape.props.color!;
    if (shape.kind === "arrow") {
      const from = boxes.get(shape.props.from!);
      const to = boxes.get(shape.props.to!);
      node.style.display = from && to ? "" : "none"; // an end is deleted: the arrow waits for its restore
      if (!from || !to) return;
      const [p, q] = arrowEnds(from, to);
      const angle = Math.atan2(q.y - p.y, q.x - p.x);
      const head = (side: number) => `${q.x - 14 * Math.cos(angle + side * 0.45)},${q.y - 14 * Math.sin(angle + side * 0.45)}`;
      const d = `M${p.x},${p.y} L${q.x},${q.y} M${head(1)} L${q.x},${q.y} L${head(-1)}`;
      const [hit, line] = node.querySelectorAll("path");
      hit.setAttribute("d", `M${p.x},${p.y} L${q.x},${q.y}`);
      line.setAttribute("d", d);
      line.setAttribute("stroke", this.selection.has(shape.id) ? "#4f6bed" : darken(color, 0.45));
      return;
    }
    const box = boxes.get(shape.id)!;
    const style = node.style;
    style.left = `${box.x}px`;
    style.top = `${box.y}px`;
    style.width = `${box.w}px`;
    style.height = `${box.h}px`;
    style.transform = box.rotation ? `rotate(${box.rotation}rad)` : "";
    if (shape.kind === "note") {
      style.background = color;
      style.color = isLight(color) ? "#1f2328" : "#ffffff";
    } else if (shape.kind === "rect" || shape.kind === "ellipse") {
      style.background = color;
      style.borderColor = darken(color, 0.35);
    } else if (shape.kind === "text") {
      style.color = color;
    } else if (shape.kind === "stroke") {
      const points = shape.props.points ?? [];
      const xs = points.filter((_, i) => i % 2 === 0);
      const ys = points.filter((_, i) => i % 2 === 1);
      const minX = Math.min(...xs);
      const minY = Math.min(...ys);
      const canvas = node.querySelector("svg")!;
      canvas.setAttribute("viewBox", `${minX} ${minY} ${Math.max(1, Math.max(...xs) - minX)} ${Math.max(1, Math.max(...ys) - minY)}`);
      const line = canvas.querySelector("polyline")!;
      line.setAttribute("points", points.join(" "));
      line.setAttribute("stroke", darken(color, 0.45));
      line.dataset.shape = shape.id;
    }
    if (TEXT_KINDS.has(shape.kind)) {
      const display = node.querySelector<HTMLDivElement>(".bd-text")!;
      const editing = this.#editing?.id === shape.id ? this.#editing : null;
      if (editing) {
        if (editing.area.parentElement !== node) { display.style.display = "none"; node.appendChild(editing.area); }
      } else {
        display.style.display = "";
        const text = this.#play.textOf(shape.id);
        if (display.textContent !== text) display.textContent = text;
        display.classList.toggle("bd-empty", text === "");
      }
    }
  }

  #renderOverlay(boxes: ReadonlyMap<string, Box>): void {
    const overlay = this.#overlay;
    overlay.replaceChildren();
    const zoom = this.#camera.zoom;
    const frame = (box: Box, className: string) => {
      const node = el("div", className, overlay);
      const pad = 4 / zoom;
      Object.assign(node.style, {
        left: `${box.x - pad}px`, top: `${box.y - pad}px`, width: `${box.w + 2 * pad}px`, height: `${box.h + 2 * pad}px`,
        transform: box.rotation ? `rotate(${box.rotation}rad)` : "", borderWidth: `${1.5 / zoom}px`,
      });
      return node;
    };
    // Other people's selections and the note each is typing in.
    for (const peer of this.#play.peers.values()) {
      const labelled = new Set<string>();
      const marked = new Set([...peer.selection, ...(peer.editing ? [peer.editing] : [])]);
      for (const id of marked) {
        const box = boxes.get(id);
        if (!box || this.#play.shape(id)?.kind === "arrow") continue;
        const node = frame(box, "bd-peer-sel");
        node.style.borderColor = peer.color;
        node.style.borderWidth = `${2 / zoom}px`;
        if (!labelled.has(peer.id) || id === peer.editing) {
          labelled.add(peer.id);
          const tag = el("div", "bd-tag", node);
          tag.style.background = peer.color;
          tag.style.transform = `scale(${1 / zoom})`;
          tag.style.transformOrigin = "0 100%";
          tag.textContent = id === peer.editing ? `${peer.name} is editing…` : peer.name;
          if (id === peer.editing) tag.dataset.editing = peer.name;
        }
      }
    }
    // Own selection, with handles when one shape is selected.
    for (const id of this.selection) {
      const box = boxes.get(id);
      if (!box || this.#play.shape(id)?.kind === "arrow") continue;
      const node = frame(box, "bd-sel");
      if (this.selection.size !== 1 || !this.#play.canEdit || this.#editing) continue;
      const size = 10 / zoom;
      for (const hx of [-1, 0, 1]) {
        for (const hy of [-1, 0, 1]) {
          if (hx === 0 && hy === 0) continue;
          const handle = el("div", "bd-handle", node);
          handle.dataset.handle = `${hx},${hy}`;
          Object.assign(handle.style, {
            width: `${size}px`, height: `${size}px`, borderWidth: `${1.5 / zoom}px`,
            left: `calc(${(hx + 1) * 50}% - ${size / 2}px)`, top: `calc(${(hy + 1) * 50}% - ${size / 2}px)`,
            cursor: this.#resizeCursor(hx, hy, box.rotation),
          });
        }
      }
      const rotate = el("div", "bd-rotate", node);
      rotate.dataset.handle = "rotate";
      Object.assign(rotate.style, { width: `${12 / zoom}px`, height: `${12 / zoom}px`, left: `calc(50% - ${6 / zoom}px)`, top: `${-28 / zoom}px`, borderWidth: `${1.5 / zoom}px` });
    }
    const gesture = this.#gesture;
    if (gesture?.kind === "marquee" || gesture?.kind === "create") {
      const node = el("div", "bd-marquee", overlay);
      Object.assign(node.style, {
        left: `${Math.min(gesture.from.x, gesture.to.x)}px`, top: `${Math.min(gesture.from.y, gesture.to.y)}px`,
        width: `${Math.abs(gesture.to.x - gesture.from.x)}px`, height: `${Math.abs(gesture.to.y - gesture.from.y)}px`,
      });
    } else if (gesture?.kind === "arrow" || gesture?.kind === "pen") {
      const canvas = svg("svg", { width: 1, height: 1, style: "position:absolute;overflow:visible" }, overlay);
      if (gesture.kind === "arrow") {
        const from = boxes.get(gesture.from);
        const target = gesture.target ? boxes.get(gesture.target) : undefined;
        if (from) {
          const end = target ? arrowEnds(from, target)[1] : gesture.to;
          const start = arrowEnds(from, { ...end, w: 0, h: 0, rotation: 0 })[0];
          svg("path", { class: "bd-preview-line", d: `M${start.x},${start.y} L${end.x},${end.y}` }, canvas);
        }
      } else {
        svg("polyline", { points: gesture.path.map((p) => `${p.x},${p.y}`).join(" "), fill: "none", stroke: darken(this.color, 0.45), "stroke-width": 3, "stroke-linecap": "round", "stroke-linejoin": "round" }, canvas);
      }
    }
  }

  #resizeCursor(hx: number, hy: number, rotation: number): string {
    const angle = ((Math.atan2(hy, hx) + rotation) * 180) / Math.PI;
    const names = ["ew-resize", "nwse-resize", "ns-resize", "nesw-resize"];
    return names[((Math.round(angle / 45) % 4) + 4) % 4];
  }

  #renderCursors(): void {
    const zoom = this.#camera.zoom;
    const seen = new Set<string>();
    for (const peer of this.#play.peers.values()) {
      seen.add(peer.id);
      let node = this.#cursorEls.get(peer.id);
      if (!node) {
        node = this.#makeCursor(peer);
        this.#cursorEls.set(peer.id, node);
        this.#cursors.appendChild(node);
      }
      node.querySelector("path")!.setAttribute("fill", peer.color);
      const name = node.querySelector<HTMLElement>(".bd-cursor-name")!;
      name.style.background = peer.color;
      if (name.textContent !== peer.name) name.textContent = peer.name;
      node.dataset.name = peer.name;
      node.style.transform = `translate(${peer.x}px, ${peer.y}px) scale(${1 / zoom})`;
    }
    for (const [id, node] of this.#cursorEls) {
      if (seen.has(id)) continue;
      node.remove();
      this.#cursorEls.delete(id);
    }
  }

  #makeCursor(peer: Peer): HTMLElement {
    const node = el("div", "bd-cursor");
    node.style.transformOrigin = "0 0";
    const pointer = svg("svg", { width: 22, height: 22, viewBox: "0 0 22 22" }, node);
    svg("path", { d: "M3 2 L3 18 L7.5 13.8 L10.6 20.5 L13.4 19.2 L10.4 12.6 L16.5 12.4 Z", stroke: "#fff", "stroke-width": 1.5, "stroke-linejoin": "round", fill: peer.color }, pointer);
    el("div", "bd-cursor-name", node);
    return node;
  }

  #renderStatus(): void {
    const play = this.#play;
    const status = this.#status;
    let text: string;
    let kind = "";
    if (!play.connected) {
      const queued = play.replica.pendingCount;
      text = `${play.session.message || "Offline"}${queued ? ` · ${queued} edit${queued === 1 ? "" : "s"} queued` : ""}`;
      kind = "bd-offline";
    } else if (!play.loaded) {
      text = "Loading…";
      kind = "bd-offline";
    } else if (play.role === "viewer") {
      text = "View only";
      kind = "bd-viewer";
    } else {
      text = play.replica.pendingCount > 0 ? "Syncing…" : "Synced";
    }
    if (status.textContent !== text) status.textContent = text;
    status.className = `bd-status ${kind}`;
  }

  #renderPeople(): void {
    const members = this.#play.members();
    const key = JSON.stringify(members);
    if (this.#people.dataset.key === key) return;
    this.#people.dataset.key = key;
    this.#people.replaceChildren();
    for (const member of members) {
      const avatar = el("div", `bd-avatar${member.connected ? "" : " bd-away"}`, this.#people);
      avatar.style.background = member.color;
      avatar.textContent = initials(member.name);
      avatar.title = `${member.name}${member.self ? " (you)" : ""} · ${member.role}${member.connected ? "" : " · reconnecting"}`;
    }
  }

  #iconButton(parent: HTMLElement, name: keyof typeof ICONS, label: string, action: () => void): HTMLButtonElement {
    const button = el("button", "bd-tool", parent);
    button.title = label;
    button.setAttribute("aria-label", label);
    button.dataset.tool = name;
    button.appendChild(icon(name));
    button.addEventListener("mousedown", (event) => event.preventDefault()); // keep focus on the board: Enter and Space are shortcuts there
    button.addEventListener("click", () => action());
    return button;
  }

  async #toggleShare(): Promise<void> {
    if (!this.#share.classList.toggle("bd-show")) return;
    const owner = this.#play.role === "owner";
    this.#linkEdits.style.display = owner ? "" : "none";
    this.#shareView.value = this.#play.viewLink;
    this.#shareEdit.value = "…";
    try {
      this.#shareEdit.value = await this.#play.editLink();
      if (owner) this.#linkEdits.querySelector("input")!.checked = (await this.#play.share()).linkRole === "editor";
    } catch (error) {
      this.#shareEdit.value = this.#play.viewLink;
      this.#showToast(`The edit link is unavailable: ${(error as Error).message}`);
    }
    this.#shareEdit.select();
  }

  async #setLinkRole(edits: boolean): Promise<void> {
    try {
      const share = await this.#play.share({ linkRole: edits ? "editor" : "viewer" });
      this.#showToast(share.linkRole === "editor" ? "Anyone with the view link can now edit" : "The view link is view-only again");
    } catch (error) {
      this.#showToast(`Sharing did not change: ${(error as Error).message}`);
    }
  }

  async #copy(text: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      this.#showToast("Link copied");
    } catch {
      this.#shareEdit.select(); // no clipboard on a plain-http page: the link is selected to copy by hand
      this.#showToast("Press Ctrl+C to copy the selected link");
    }
  }

  #showToast(text: string): void {
    this.#toast.textContent = text;
    this.#toast.classList.add("bd-show");
    clearTimeout(this.#toastTimer);
    this.#toastTimer = setTimeout(() => this.#toast.classList.remove("bd-show"), 4000);
  }

  /** Where a shape's centre is on the page (CSS pixels), for tests that click it. */
  screenCenterOf(id: string): Point | undefined {
    const node = this.#shapeEls.get(id);
    if (!node || node.style.display === "none") return undefined;
    const rect = node.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }

  /** Where a board point is on the page (CSS pixels). */
  screenOf(point: Point): Point {
    const rect = this.#viewport.getBoundingClientRect();
    return { x: rect.left + this.#camera.x + point.x * this.#camera.zoom, y: rect.top + this.#camera.y + point.y * this.#camera.zoom };
  }
}

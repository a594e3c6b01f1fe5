/**
 * How bots edit a board (`npm run loadtest -- --room board --rooms 20
 * --per-room 5`): each bot is an editor who, at a person's pace, creates
 * shapes, drags them, types into notes, undoes and redoes, with a live
 * cursor. Bots of one seat group share a board; its first bot creates it and
 * opens the plain link to editing, as a team lead sharing a board would.
 *
 * Figures:
 * - `op_round_trip`: from a bot sending an op to another bot on the board
 *   seeing it applied, ms. The sending time rides in the op id (wall clock
 *   at 0.1 ms, one machine), so it is measured across worker processes; only
 *   ops the bot builds itself (create, move, update, delete) carry it.
 * - `presence_bytes_out` / `presence_bytes_in`: presence bytes a user sends
 *   and receives, as encoded on the wire (WebSocket header, Colyseus message
 *   header and msgpack payload; before any compression).
 */
import { pack } from "msgpackr";
import type { Behaviour, BotContext, BotPlayer, Rng } from "../../loadtest/behaviour.ts";
import { BoardConnection } from "./connection.ts";
import { keyAbove, textOf, textUpdateFrom } from "./model.ts";
import { BoardMessage, PRESENCE_RATE, TEXT_KINDS, type AppliedOp, type OpInput, type PeerPresence, type Presence, type ShapeKind } from "./protocol.ts";

/** How fast a bot works (ms), drawn uniformly in each range. */
export const BOARD_PACE = Object.freeze({
  /** Between two actions: look at the board, decide. */
  thinkMs: Object.freeze({ min: 700, max: 2500 }),
  /** One drag: moves sent once per presence tick while the mouse is down. */
  dragSteps: Object.freeze({ min: 5, max: 25 }),
  /** Characters typed in one go, and the gap between keystrokes. */
  typedChars: Object.freeze({ min: 3, max: 14 }),
  keystrokeMs: Object.freeze({ min: 90, max: 260 }),
  /** The cursor's glide to where the next action happens. */
  glideMs: Object.freeze({ min: 200, max: 700 }),
});

/** Once a board holds this many shapes its bots delete more than they create. */
export const BOT_SHAPES_PER_BOARD = 120;
/** A bot's note is kept short: past this it deletes text instead of adding. */
const MAX_BOT_TEXT = 120;
const TICK_MS = 1000 / PRESENCE_RATE;
const AREA = Object.freeze({ w: 2400, h: 1400 });
const COLORS = ["#ffd43b", "#69db7c", "#74c0fc", "#ff8787", "#b197fc", "#ffa94d"] as const;
const WORDS = ["plan", "ship", "review", "idea", "bug", "todo", "launch", "draft", "sync", "test"];
/** WebSocket frame header: 2 bytes from the server, 6 (masked) from a client, for payloads under 126 bytes. */
const WS_HEADER = { in: 2, out: 6 } as const;

/** The board id a bot's seat group shares in this run. */
export function boardIdOf(seat: { run: string; room: number }): string {
  return `lt-${seat.run}-${seat.room}`;
}

/** Bytes of one room message as it goes on the wire: frame header, protocol byte, type, msgpack payload. */
export function wireBytes(type: string, payload: unknown, direction: "in" | "out"): number {
  return WS_HEADER[direction] + 1 + 1 + type.length + pack(payload).byteLength;
}

/** An op id carrying its sending time: `<id>.<wall ms × 10, base 36>`. */
function stampedId(base: string): string {
  return `${base}.${Math.round(wallMs() * 10).toString(36)}`;
}

function sentAtOf(opId: string): number | undefined {
  const match = /\.([0-9a-z]{6,12})$/.exec(opId);
  return match ? parseInt(match[1], 36) / 10 : undefined;
}

function wallMs(): number {
  return performance.timeOrigin + performance.now();
}

function between(rng: Rng, range: { min: number; max: number }): number {
  return range.min + rng() * (range.max - range.min);
}

function pick<T>(rng: Rng, items: readonly T[]): T {
  return items[Math.floor(rng() * items.length)];
}

export class BoardEditor implements BotPlayer {
  private readonly ctx: BotContext;
  readonly connection: BoardConnection;
  private readonly rng: Rng;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();
  private ticker: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private cursor = { x: 0, y: 0 };
  private target = { x: 0, y: 0 };
  private glideLeft = 0;
  private selection: string[] = [];
  private editing: string | null = null;
  private presenceDirty = true;
  /** A drag in progress: the shape and the moves left. */
  private drag: { id: string; left: number; dx: number; dy: number } | undefined;
  private askedToOpen = false;

  constructor(ctx: BotContext) {
    this.ctx = ctx;
    this.rng = ctx.rng;
    this.connection = new BoardConnection(ctx.room, { actorId: ctx.userId, role: "viewer", captureTimeout: 0 }, {
      applied: (ops) => this.timeOthers(ops),
      presence: (peers) => ctx.count("presence_bytes_in", wireBytes(BoardMessage.presence, peers satisfies readonly PeerPresence[], "in")),
      snapshot: () => this.openToEditors(),
    });
    this.cursor = { x: this.rng() * AREA.w, y: this.rng() * AREA.h };
    this.ticker = setInterval(() => this.tick(), TICK_MS);
    this.later(between(this.rng, BOARD_PACE.thinkMs), () => this.act());
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    clearInterval(this.ticker);
    this.connection.close();
  }

  /** The board's creator lets anyone with the link edit, so the rest of its group can. */
  private openToEditors(): void {
    if (this.askedToOpen || this.connection.replica.role !== "owner") return;
    this.askedToOpen = true;
    void this.ctx.room.request(BoardMessage.share, { linkRole: "editor" }).catch(() => { this.askedToOpen = false; });
  }

  /** Another editor's op arrived: how long since it was sent. */
  private timeOthers(ops: readonly AppliedOp[]): void {
    const now = wallMs();
    for (const applied of ops) {
      if (applied.actor === this.ctx.userId) continue;
      const sentAt = sentAtOf(applied.op.opId);
      if (sentAt !== undefined && now >= sentAt - 5) this.ctx.time("op_round_trip", Math.max(0, now - sentAt));
    }
  }

  /** Once per presence tick: advance the glide or the drag, and send the cursor if it changed. */
  private tick(): void {
    if (this.stopped) return;
    this.openToEditors();
    if (this.drag) {
      const drag = this.drag;
      const shape = this.connection.replica.board.shapes.get(drag.id);
      if (!shape || drag.left <= 0) {
        this.drag = undefined;
      } else {
        drag.left--;
        const x = clamp(shape.props.x! + drag.dx, -AREA.w, AREA.w * 2);
        const y = clamp(shape.props.y! + drag.dy, -AREA.h, AREA.h * 2);
        this.send({ type: "move", opId: stampedId(this.connection.replica.newId()), id: drag.id, x, y });
        this.cursor = { x, y };
        this.presenceDirty = true;
      }
    } else if (this.glideLeft > 0) {
      const f = 1 / this.glideLeft;
      this.cursor = { x: this.cursor.x + (this.target.x - this.cursor.x) * f, y: this.cursor.y + (this.target.y - this.cursor.y) * f };
      this.glideLeft--;
      this.presenceDirty = true;
    }
    if (this.presenceDirty) this.sendPresence();
  }

  private sendPresence(): void {
    const presence: Presence = { x: Math.round(this.cursor.x), y: Math.round(this.cursor.y), selection: this.selection, editing: this.editing };
    if (!this.ctx.room.connection?.isOpen) return;
    this.connection.sendPresence(presence);
    this.ctx.count("presence_bytes_out", wireBytes(BoardMessage.presence, presence, "out"));
    this.presenceDirty = false;
  }

  private glideTo(x: number, y: number): void {
    this.target = { x, y };
    this.glideLeft = Math.max(1, Math.round(between(this.rng, BOARD_PACE.glideMs) / TICK_MS));
  }

  /** One action, then think and act again. */
  private act(): void {
    if (this.stopped) return;
    const replica = this.connection.replica;
    if (replica.role !== "viewer" && !this.drag && !this.editing) {
      const shapes = [...replica.board.shapes.values()];
      const roll = this.rng();
      if (shapes.length >= BOT_SHAPES_PER_BOARD && roll < 0.3) this.remove(shapes);
      else if (shapes.length === 0 || roll < 0.25) this.create();
      else if (roll < 0.6) this.startDrag(shapes);
      else if (roll < 0.8) this.type(shapes);
      else if (roll < 0.92) this.connection.undo();
      else this.connection.redo();
    }
    this.later(between(this.rng, BOARD_PACE.thinkMs), () => this.act());
  }

  private create(): void {
    const replica = this.connection.replica;
    const kind: ShapeKind = pick(this.rng, ["note", "note", "rect", "ellipse", "text"] as const);
    const id = replica.newId();
    const x = Math.round(this.rng() * AREA.w);
    const y = Math.round(this.rng() * AREA.h);
    const op: OpInput = {
      type: "create", opId: stampedId(replica.newId()),
      shape: {
        id, kind, x, y, w: 160 + Math.round(this.rng() * 80), h: 100 + Math.round(this.rng() * 60), color: pick(this.rng, COLORS), z: keyAbove(replica.board),
        ...(TEXT_KINDS.has(kind) ? { text: textUpdateFrom(pick(this.rng, WORDS)) } : {}),
      },
    };
    this.send(op);
    this.selection = [id];
    this.glideTo(x, y);
  }

  private startDrag(shapes: { id: string; props: { x?: number; y?: number } }[]): void {
    const shape = pick(this.rng, shapes);
    this.selection = [shape.id];
    this.presenceDirty = true;
    const steps = Math.round(between(this.rng, BOARD_PACE.dragSteps));
    this.drag = { id: shape.id, left: steps, dx: (this.rng() - 0.5) * 24, dy: (this.rng() - 0.5) * 24 };
  }

  /** Type a few characters into a note, one op per keystroke, then stop editing. */
  private type(shapes: { id: string; kind: ShapeKind }[]): void {
    const notes = shapes.filter((s) => TEXT_KINDS.has(s.kind));
    if (notes.length === 0) return this.create();
    const id = pick(this.rng, notes).id;
    this.editing = id;
    this.selection = [id];
    this.presenceDirty = true;
    let left = Math.round(between(this.rng, BOARD_PACE.typedChars));
    const keystroke = () => {
      if (this.stopped) return;
      const text = this.connection.replica.text(id);
      if (!text || left <= 0) {
        this.editing = null;
        this.presenceDirty = true;
        return;
      }
      left--;
      this.connection.editText(id, (t) => {
        if ((textOf(this.connection.replica.board, id)?.length ?? 0) > MAX_BOT_TEXT) t.delete(0, 10);
        else t.insert(t.length, this.rng() < 0.15 ? " " : String.fromCharCode(97 + Math.floor(this.rng() * 26)));
      });
      this.later(between(this.rng, BOARD_PACE.keystrokeMs), keystroke);
    };
    keystroke();
  }

  private remove(shapes: { id: string }[]): void {
    const id = pick(this.rng, shapes).id;
    this.send({ type: "delete", opId: stampedId(this.connection.replica.newId()), id });
    this.selection = [];
    this.presenceDirty = true;
  }

  private send(op: OpInput): void {
    this.connection.perform(op);
  }

  private later(ms: number, fn: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }
}

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/** The board bots' own figures (BotContext.time/count), name → what it means. */
const FIGURES: Record<string, string> = {
  op_round_trip_count: "ops timed: send → applied at another editor",
  op_round_trip_p50_ms: "op send → applied at another editor p50 (ms)",
  op_round_trip_p95_ms: "op send → applied at another editor p95 (ms)",
  op_round_trip_p99_ms: "op send → applied at another editor p99 (ms)",
  op_round_trip_max_ms: "op send → applied at another editor max (ms)",
  presence_bytes_out_per_client_s: "presence bytes sent a second, per editor",
  presence_bytes_in_per_client_s: "presence bytes received a second, per editor",
};

export const behaviours: Record<string, Behaviour> = {
  edit: {
    session: "stay",
    // The roster says each bot's role; the board itself comes as messages.
    decodesPatches: true,
    joinOptions: (seat) => ({ board: boardIdOf(seat) }),
    figures: FIGURES,
    play: (ctx) => new BoardEditor(ctx),
  },
};

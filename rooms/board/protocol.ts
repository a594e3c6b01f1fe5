/**
 * The board's wire vocabulary: operations, shapes, limits, roles, rejection
 * codes and message names. The server, the browser client and the bots all
 * import this one module, so a name or a limit is defined exactly once.
 * Imports zod and the framework's shared constants, so it bundles for the browser.
 */
import { z } from "zod";
import { MAX_CLIENT_FRAME_BYTES } from "../../shared/protocol.ts";

/** Message names on the room's channel. */
export const BoardMessage = Object.freeze({
  /** client → server: `{ ops: Op[] }`, at most MAX_OPS_PER_MESSAGE. */
  ops: "board:ops",
  /** server → everyone: `AppliedOp[]`, in server order. */
  applied: "board:applied",
  /** server → sender: `Rejection[]` for ops it refused. */
  rejected: "board:rejected",
  /** server → sender: `{ opIds: string[] }` replays it had already applied (reconnect). */
  duplicate: "board:duplicate",
  /** server → joiner: the whole board, `BoardSnapshot`. */
  snapshot: "board:snapshot",
  /**
   * Cursors, selections and "is editing", never stored. client → server:
   * `Presence`, at most PRESENCE_RATE a second. server → everyone:
   * `PeerPresence[]`, at most PRESENCE_RATE a second, each peer at most once.
   */
  presence: "board:presence",
  /** client → server, no payload: send me `snapshot` again (after a BoardDivergedError). */
  resync: "board:resync",
  /** client → server request `ShareRequest`, owner only: answered with `ShareLink`. */
  share: "board:share",
});

export const ROLES = ["owner", "editor", "viewer"] as const;
export type Role = (typeof ROLES)[number];

export const SHAPE_KINDS = ["note", "rect", "ellipse", "arrow", "stroke", "text"] as const;
export type ShapeKind = (typeof SHAPE_KINDS)[number];
/** Kinds whose text is a Yjs document merged character by character. */
export const TEXT_KINDS: ReadonlySet<ShapeKind> = new Set<ShapeKind>(["note", "text"]);

// Limits. Units: board units (1 unit = 1 CSS pixel at zoom 1), characters, bytes, ops/s.
export const MAX_SHAPES = 2000; // live shapes per board
export const MAX_TOMBSTONES = 4096; // deleted ids remembered, so only their deleter can reuse them
export const MAX_RESTORABLE = 256; // newest deletes kept whole (text included), so their undo can restore them
export const MAX_RESTORABLE_TEXT_BYTES = 1024 * 1024; // text kept for them, all together
export const MAX_TEXT_LENGTH = 4000; // characters in one note or text shape
export const MAX_TEXT_STATE_BYTES = 64 * 1024; // encoded Yjs state of one shape's text, history included
export const MAX_TEXT_UPDATE_BYTES = 32 * 1024; // one Yjs update in an op: a whole note pasted or undone fits
export const MAX_STROKE_POINTS = 2000; // points (x, y pairs) in one freehand stroke
export const MAX_OPS_PER_MESSAGE = 64;
/** Bytes of msgpack ops in one `board:ops` message: the client frame cap less room for the message's headers. A single op over it is refused LIMIT_MESSAGE by the client. */
export const MAX_OPS_MESSAGE_BYTES = MAX_CLIENT_FRAME_BYTES - 64;
export const MAX_GROUP_OPS = 256; // parts of one atomic group (a multi-select move)
export const OP_RATE_PER_SECOND = 60; // sustained ops per user
export const OP_BURST = 120; // ops a user may send at once after a quiet spell
export const MAX_PENDING_OPS = 512; // client queue while offline; below DEDUPE_WINDOW so a replay is always recognised
export const DEDUPE_WINDOW = 1024; // op ids remembered per user
export const MAX_ID_LENGTH = 64;
export const MAX_BOARD_ID = 64; // characters in a board id
export const MAX_ORDER_KEY_LENGTH = 128;
export const COORD_LIMIT = 1_000_000; // units either side of the origin
export const MAX_SIZE = 100_000; // units
export const MAX_ROTATION = 2 * Math.PI; // radians, exclusive

export const REJECTION_CODES = [
  "INVALID_OP", // malformed, out of bounds, or a property the shape kind does not have
  "NOT_FOUND", // the shape (or an arrow's end) does not exist
  "ID_TAKEN", // a create reused a live id, or a deleted id that someone else deleted
  "FORBIDDEN_VIEWER", // viewers may look, not edit
  "LIMIT_SHAPES",
  "LIMIT_TEXT",
  "LIMIT_POINTS",
  "LIMIT_OPS", // too many ops in one message or group
  "RATE_LIMITED",
  "LIMIT_PENDING", // client side: too many unacknowledged ops queued
  "LIMIT_MESSAGE", // client side: one op larger than a message may be
] as const;
export type RejectionCode = (typeof REJECTION_CODES)[number];

/** Why an op was refused, with a sentence a player can act on. */
export interface Rejection {
  opId: string;
  code: RejectionCode;
  message: string;
}

/** The sentence for each code where the op adds nothing more specific. */
export const REJECTION_MESSAGES: Readonly<Record<RejectionCode, string>> = Object.freeze({
  INVALID_OP: "This edit is not valid and was dropped.",
  NOT_FOUND: "That shape no longer exists (someone may have deleted it).",
  ID_TAKEN: "That id is in use; pick a new one.",
  FORBIDDEN_VIEWER: "Viewers can look at this board but not edit it; ask its owner for edit access.",
  LIMIT_SHAPES: `A board holds at most ${MAX_SHAPES} shapes; delete some first.`,
  LIMIT_TEXT: `A shape holds at most ${MAX_TEXT_LENGTH} characters.`,
  LIMIT_POINTS: `A stroke has at most ${MAX_STROKE_POINTS} points.`,
  LIMIT_OPS: `Send at most ${MAX_OPS_PER_MESSAGE} ops per message and ${MAX_GROUP_OPS} parts per group; split the edit.`,
  RATE_LIMITED: `Editing faster than ${OP_RATE_PER_SECOND} ops a second; this edit was dropped, slow down.`,
  LIMIT_PENDING: "Too many edits are waiting for the server; wait for the connection to catch up.",
  LIMIT_MESSAGE: `This edit is larger than one message may be (${MAX_OPS_MESSAGE_BYTES} bytes); paste less text, draw a shorter stroke or move fewer shapes at once.`,
});

export function rejection(opId: string, code: RejectionCode, message: string = REJECTION_MESSAGES[code]): Rejection {
  return { opId, code, message };
}

const id = z.string().min(1).max(MAX_ID_LENGTH).regex(/^[A-Za-z0-9_:.-]+$/, "Ids are letters, digits and _ : . -");
const coord = z.number().finite().min(-COORD_LIMIT).max(COORD_LIMIT);
const size = z.number().finite().min(0).max(MAX_SIZE);
const rotation = z.number().finite().min(0).lt(MAX_ROTATION);
const color = z.string().regex(/^#[0-9a-f]{6}$/, "Colours are #rrggbb in lower case");
/** A fractional index (fractional-indexing, base 62); the model checks it is well formed. */
const orderKey = z.string().min(1).max(MAX_ORDER_KEY_LENGTH).regex(/^[0-9A-Za-z]+$/);
/** Flat [x0, y0, x1, y1, …] relative to the shape's position. */
const points = z.array(coord).min(4).max(MAX_STROKE_POINTS * 2).refine((p) => p.length % 2 === 0, "Points come in x, y pairs");
const yjsUpdate = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "Expected bytes (a Yjs update)").refine((u) => u.byteLength <= MAX_TEXT_UPDATE_BYTES, "TEXT_UPDATE_TOO_LARGE");

/** A board's id: what `joinOrCreate("board", { board })` and the share link carry. Pick a random one for a new board. */
export const BoardId = z.string().min(8).max(MAX_BOARD_ID).regex(/^[A-Za-z0-9_-]+$/, "Board ids are 8 to 64 letters, digits, _ and -");

/** Join options. `invite` is the editor invite from a share link (`ShareLink.invite`). */
export const BoardJoinOptions = z.object({
  board: BoardId,
  invite: z.string().max(128).optional(),
});
export type BoardJoinOptions = z.infer<typeof BoardJoinOptions>;

/** Why a join was refused (the SDK's join error carries the code). */
export const BoardJoinError = Object.freeze({
  /** Bad join options (no board id, or a malformed one). */
  INVALID: 400,
  /** The board is open in another room that is full, or its server just stopped; join again shortly. */
  BUSY: 409,
  /** The board storage is unreachable; join again shortly. */
  UNAVAILABLE: 503,
});

/**
 * The owner's sharing request. `rotate` makes a new editor invite, so every
 * earlier editor link stops working. `linkRole` is what the board id alone
 * gives: "viewer" (the default) or "editor" (anyone with the link edits);
 * people on the board through the plain link take the new role at once.
 */
export const ShareRequest = z.object({ rotate: z.boolean().optional(), linkRole: z.enum(["viewer", "editor"]).optional() }).strict();
export type ShareRequest = z.infer<typeof ShareRequest>;
export type LinkRole = "viewer" | "editor";

/** Open `?board=<board>&invite=<invite>` to edit; the board id alone gives `linkRole`. */
export interface ShareLink {
  board: string;
  invite: string;
  linkRole: LinkRole;
}

/** Code of a refused `board:share` request (only the owner may share edit access). */
export const SHARE_FORBIDDEN = 4403;

/** Every property that is a last-writer-wins register, with its value type. */
export const ShapeProps = z.object({
  x: coord,
  y: coord,
  w: size,
  h: size,
  rotation,
  color,
  /** Stacking order: shapes draw in ascending key order. */
  z: orderKey,
  /** Arrows only: the shapes the arrow connects. */
  from: id,
  to: id,
  /** Strokes only. */
  points,
});
export type ShapeProps = z.infer<typeof ShapeProps>;
export type PropName = keyof ShapeProps;
export const PROP_NAMES = Object.keys(ShapeProps.shape) as PropName[];
const PROP_NAMES_TUPLE = PROP_NAMES as [PropName, ...PropName[]];
/** Properties every kind has; arrows add from/to, strokes add points. */
export const COMMON_PROPS: readonly PropName[] = ["x", "y", "w", "h", "rotation", "color", "z"];

export function propsOfKind(kind: ShapeKind): readonly PropName[] {
  if (kind === "arrow") return [...COMMON_PROPS, "from", "to"];
  if (kind === "stroke") return [...COMMON_PROPS, "points"];
  return COMMON_PROPS;
}

/**
 * Whose value a property holds: the user and op that chose it. An undo names
 * the writer its user's op left there (`guard`) and puts back the writer that
 * op replaced (`restore`), so a property undone is exactly as it was before.
 */
export const Writer = z.object({ actor: z.string().min(1).max(MAX_ID_LENGTH * 2), opId: id }).strict();
export type Writer = z.infer<typeof Writer>;
const writersOf = z.partialRecord(z.enum(PROP_NAMES_TUPLE), Writer);

const settableProps = ShapeProps.omit({ z: true }).partial().strict();

export const CreateBody = z.object({
  type: z.literal("create"),
  shape: z.object({
    id,
    kind: z.enum(SHAPE_KINDS),
    x: coord, y: coord, w: size, h: size,
    rotation: rotation.default(0),
    color,
    z: orderKey,
    from: id.optional(),
    to: id.optional(),
    points: points.optional(),
    /** Note and text shapes: the initial text as a Yjs update (may carry history when restoring). */
    text: yjsUpdate.optional(),
  }).strict(),
}).strict();

/**
 * Set some properties. With `guard` (undo/redo), each guarded property is
 * written only if it still holds the named writer's value and this user was
 * the last to write it; the others are skipped.
 */
export const UpdateBody = z.object({
  type: z.literal("update"),
  id,
  props: settableProps,
  guard: writersOf.optional(),
  restore: writersOf.optional(),
}).strict();

export const MoveBody = z.object({
  type: z.literal("move"),
  id,
  x: coord,
  y: coord,
  guard: z.object({ x: Writer.optional(), y: Writer.optional() }).strict().optional(),
  restore: z.object({ x: Writer.optional(), y: Writer.optional() }).strict().optional(),
}).strict();

/**
 * With `guard` (undo of a create, redo of a delete), deletes only if every
 * property still holds the named writer's value, nobody else wrote it since,
 * and nobody else typed in the shape; otherwise the delete is skipped.
 */
export const DeleteBody = z.object({
  type: z.literal("delete"),
  id,
  guard: writersOf.optional(),
}).strict();

export const ReorderBody = z.object({
  type: z.literal("reorder"),
  id,
  z: orderKey,
  guard: z.object({ z: Writer }).strict().optional(),
  restore: z.object({ z: Writer }).strict().optional(),
}).strict();

/**
 * Bring back a shape this user deleted, exactly as the server deleted it
 * (undo of a delete). Skipped if it cannot come back: someone else deleted it,
 * it is too old to be kept, or an arrow's end is gone.
 */
export const RestoreBody = z.object({
  type: z.literal("restore"),
  id,
}).strict();

/** A Yjs update to the shape's text; Yjs merges concurrent character edits. */
export const TextBody = z.object({
  type: z.literal("text"),
  id,
  update: yjsUpdate,
}).strict();

const opId = { opId: id };
export const SubOp = z.discriminatedUnion("type", [CreateBody, UpdateBody, MoveBody, DeleteBody, RestoreBody, ReorderBody, TextBody]);
export type SubOp = z.infer<typeof SubOp>;

export const GroupOp = z.object({
  type: z.literal("group"),
  opId: id,
  ops: z.array(SubOp).max(MAX_GROUP_OPS),
}).strict();

/** One operation as a client sends it. `opId` is chosen by the client and unique per user. */
export const Op = z.discriminatedUnion("type", [
  CreateBody.extend(opId), UpdateBody.extend(opId), MoveBody.extend(opId),
  DeleteBody.extend(opId), RestoreBody.extend(opId), ReorderBody.extend(opId), TextBody.extend(opId), GroupOp,
]);
export type Op = z.infer<typeof Op>;
/** What a client builds before zod fills defaults (rotation). */
export type OpInput = z.input<typeof Op>;

export const OpsMessage = z.object({ ops: z.array(z.unknown()).min(1).max(MAX_OPS_PER_MESSAGE) }).strict();
export type OpsMessage = { ops: OpInput[] };

/** Most presence updates a user sends per second; the client throttles, the server drops the excess. */
export const PRESENCE_RATE = 20; // Hz
export const MAX_SELECTION = 256; // shape ids in one presence update

/**
 * A user's live cursor, selection and the shape they are typing in. Never
 * stored; the server adds the user's name and colour from their identity.
 */
export const Presence = z.object({
  x: coord,
  y: coord,
  selection: z.array(id).max(MAX_SELECTION),
  editing: id.nullable(),
}).strict();
export type Presence = z.infer<typeof Presence>;

/**
 * One peer's presence as the server broadcasts it, integers for cheap
 * msgpack: `[peer, x, y]` when only the cursor moved, `[peer, x, y,
 * selection, editing]` when the selection or editing changed (and for every
 * peer in the message a joiner gets first). `peer` is the member's `peer` in
 * the room state, which carries their name, colour and role.
 */
export type PeerPresence = [peer: number, x: number, y: number] | [peer: number, x: number, y: number, selection: string[], editing: string | null];

/** An op as the server ordered it: guards resolved, skipped parts removed, z made unique. */
export interface AppliedOp {
  seq: number;
  actor: string;
  op: Op;
}

/** A shape as it travels in a snapshot. */
export interface ShapeSnapshot {
  id: string;
  kind: ShapeKind;
  props: Partial<ShapeProps>;
  writers: Partial<Record<PropName, Writer & { seq: number; by: string }>>;
  /** Users who have typed in the shape since it was created or restored. */
  textBy: string[];
  /** Full Yjs state of the text (note and text shapes). */
  text?: Uint8Array;
}

/** The whole board in one message (late joiners) or one stored value. */
export interface BoardSnapshot {
  seq: number;
  shapes: ShapeSnapshot[];
  /** Deleted ids, oldest first: who deleted each, and for the newest the shape itself. */
  tombstones: { id: string; by: string; shape?: ShapeSnapshot }[];
  /** Per user, recently applied op ids → seq; only in stored snapshots, so a replay after a restart is still applied once. */
  applied?: [string, [string, number][]][];
}

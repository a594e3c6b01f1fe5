/**
 * The board's side of one room the player is in: the replica and undo
 * history wired to the room (../connection.ts: optimistic ops, resync,
 * offline queue), the roster (names, colours, roles from the room's state),
 * presence in and out, and share links. Made by the
 * module's `attach` for every board room; the view (./view.ts) reaches it
 * with `boardOf(scene)`, tests through `window.__tickforge.room`.
 */
import type { Room } from "@colyseus/sdk";
import type * as Phaser from "phaser";
import type * as Y from "yjs";
import { Emitter, type DebugHook, type GameSession } from "../../../game-client/src/kit.ts";
import type { BoardReplica, SubmitResult } from "../client-model.ts";
import { BoardConnection } from "../connection.ts";
import { boardContent, shapesInOrder, textOf, type ShapeRecord } from "../model.ts";
import {
  BoardMessage, PRESENCE_RATE,
  type OpInput, type PeerPresence, type Presence, type Rejection, type Role, type ShareLink, type ShareRequest,
} from "../protocol.ts";
import type { BoardMember } from "../state.ts";
import type { UndoHistory } from "../undo.ts";
import { boardLink } from "./link.ts";

export const BOARD_KEY = "board";

/** Another person on the board, as their last presence update said. */
export interface Peer extends Presence {
  id: string;
  name: string;
  color: string;
}

export type BoardEvents = {
  [name: string]: unknown[];
  /** The board (or anything the view draws from this object) changed. */
  change: [];
  /** Someone's cursor, selection or editing moved. */
  peers: [];
  /** The server refused one of this user's edits; the sentence says why. */
  refused: [Rejection];
};

const PRESENCE_EVERY_MS = 1000 / PRESENCE_RATE;

export class BoardPlay extends Emitter<BoardEvents> {
  readonly session: GameSession;
  readonly room: Room<any, any>;
  /** The replica and undo history wired to the room (../connection.ts): resync, offline queue, paced replay. */
  readonly connection: BoardConnection;
  /** The board's id, as the share link carries it. */
  boardId: string;
  /** The editor invite this page joined with, if any (from its share link). */
  readonly invite: string | undefined;
  /** True once the first snapshot is in: before that the board is unknown, not empty. */
  loaded = false;
  readonly peers = new Map<string, Peer>();
  /** The last refusals, newest last. */
  readonly refusals: Rejection[] = [];
  #presence: Presence = { x: 0, y: 0, selection: [], editing: null };
  #presenceSent = "";
  #presenceAt = 0;
  #presenceTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #offs: (() => void)[] = [];

  constructor(session: GameSession, room: Room<any, any>, link: { board: string; invite?: string }, debug: DebugHook) {
    super();
    this.session = session;
    this.room = room;
    this.boardId = link.board;
    this.invite = link.invite;
    this.connection = new BoardConnection(room, { actorId: session.identity.userId ?? room.sessionId, role: "editor" }, {
      snapshot: () => this.#loaded(),
      rejected: (rejections) => { for (const rejection of rejections) this.#refuse(rejection); },
      presence: (peers) => this.#peersFrom(peers),
    });
    this.#offs.push(
      this.replica.subscribe(() => this.emit("change")),
      session.on("drop", () => this.emit("change")),
      session.on("reconnect", () => this.emit("change")),
      () => this.connection.close(),
    );
    const onState = () => this.#rosterChanged();
    room.onStateChange(onState);
    this.#offs.push(() => room.onStateChange.remove(onState));
    debug.room = this.#debugSurface();
    this.#offs.push(() => { if (debug.room?.play === this) debug.room = undefined; });
  }

  get replica(): BoardReplica {
    return this.connection.replica;
  }

  get history(): UndoHistory {
    return this.connection.history;
  }

  get connected(): boolean {
    return this.session.state === "connected" && this.session.room === this.room;
  }

  get role(): Role {
    return this.replica.role;
  }

  get canEdit(): boolean {
    return this.loaded && this.role !== "viewer";
  }

  shapes(): ShapeRecord[] {
    return shapesInOrder(this.replica.board);
  }

  shape(id: string): ShapeRecord | undefined {
    return this.replica.board.shapes.get(id);
  }

  textOf(id: string): string {
    return this.replica.text(id)?.toString() ?? "";
  }

  /** Apply an edit at once, remember it for undo, and send it when the connection allows (offline, it queues). */
  perform(op: OpInput): boolean {
    return this.#outcome(this.connection.perform(op));
  }

  editText(id: string, edit: (text: Y.Text) => void): void {
    this.#outcome(this.connection.editText(id, edit));
  }

  undo(): void {
    this.#outcome(this.connection.undo());
  }

  redo(): void {
    this.#outcome(this.connection.redo());
  }

  #outcome(result: SubmitResult | null): boolean {
    if (result && !result.ok) this.#refuse(result.rejection);
    return result?.ok ?? false;
  }

  /** Where this user's cursor is and what they have selected or are typing in; sent at most PRESENCE_RATE times a second. */
  setPresence(change: Partial<Presence>): void {
    this.#presence = { ...this.#presence, ...change };
    this.#sendPresence();
  }

  get presence(): Presence {
    return this.#presence;
  }

  #sendPresence(): void {
    if (this.#presenceTimer !== undefined) return;
    const wait = this.#presenceAt + PRESENCE_EVERY_MS - performance.now();
    if (wait > 0) {
      this.#presenceTimer = setTimeout(() => { this.#presenceTimer = undefined; this.#sendPresence(); }, wait);
      return;
    }
    const presence = { ...this.#presence, x: Math.round(this.#presence.x), y: Math.round(this.#presence.y) };
    const encoded = JSON.stringify(presence);
    if (encoded === this.#presenceSent || !this.connected) return;
    this.#presenceSent = encoded;
    this.#presenceAt = performance.now();
    this.connection.sendPresence(presence);
  }

  /** A snapshot is in (join, resume, resync): the board is known, and the server has forgotten this user's presence. */
  #loaded(): void {
    this.loaded = true;
    this.#presenceSent = "";
    this.#sendPresence();
    this.emit("change");
  }

  #refuse(rejection: Rejection): void {
    this.refusals.push(rejection);
    if (this.refusals.length > 10) this.refusals.shift();
    this.emit("refused", rejection);
  }

  /**
   * Presence from the server: `PeerPresence` tuples naming members by their
   * `peer` number; names, colours and roles come from the room's roster.
   */
  #peersFrom(message: readonly PeerPresence[]): void {
    if (!Array.isArray(message)) return;
    const members = this.#membersByPeer();
    for (const entry of message) {
      if (!Array.isArray(entry) || typeof entry[0] !== "number") continue;
      const member = members.get(entry[0]);
      if (!member || member.sessionId === this.room.sessionId) continue;
      const key = String(entry[0]);
      const before = this.peers.get(key);
      this.peers.set(key, {
        id: key,
        name: member.name || "Guest",
        color: member.color,
        x: Number(entry[1]) || 0,
        y: Number(entry[2]) || 0,
        selection: entry.length > 3 && Array.isArray(entry[3]) ? entry[3].map(String) : before?.selection ?? [],
        editing: entry.length > 3 ? (typeof entry[4] === "string" ? entry[4] : null) : before?.editing ?? null,
      });
    }
    this.emit("peers");
  }

  /** Members of the room (the roster in its state), by presence number. */
  #membersByPeer(): Map<number, { sessionId: string; name: string; color: string }> {
    const byPeer = new Map<number, { sessionId: string; name: string; color: string }>();
    this.room.state?.members?.forEach((member: BoardMember, sessionId: string) => byPeer.set(member.peer, { sessionId, name: member.name, color: member.color }));
    return byPeer;
  }

  /** Everyone in the room, this user first: name, colour, role, and whether their connection is up. */
  members(): { name: string; color: string; role: string; self: boolean; connected: boolean }[] {
    const list: { name: string; color: string; role: string; self: boolean; connected: boolean }[] = [];
    this.room.state?.members?.forEach((member: BoardMember, sessionId: string) => {
      list.push({ name: member.name || "Guest", color: member.color, role: member.role, self: sessionId === this.room.sessionId, connected: member.connected });
    });
    return list.sort((a, b) => Number(b.self) - Number(a.self));
  }

  /** The roster changed: people left (their cursors go), or this user's role is known (BoardConnection gives it to the replica). */
  #rosterChanged(): void {
    const peers = new Set<string>();
    this.room.state?.members?.forEach((member: BoardMember) => { if (member.connected) peers.add(String(member.peer)); });
    for (const key of this.peers.keys()) if (!peers.has(key)) this.peers.delete(key);
    if (typeof this.room.state?.board === "string" && this.room.state.board) this.boardId = this.room.state.board;
    this.emit("peers");
    this.emit("change");
  }

  /** The owner's sharing settings (a request to the room): the editor invite, and what the board id alone gives. */
  share(request: ShareRequest = {}): Promise<ShareLink> {
    return this.room.request(BoardMessage.share, request) as Promise<ShareLink>;
  }

  /** The owner's editor link; anyone else gets the link they came with, or the view link. */
  async editLink(): Promise<string> {
    if (this.role === "owner") {
      const share = await this.share();
      return boardLink(location.href, share.board, share.invite);
    }
    return this.role === "editor" && this.invite ? boardLink(location.href, this.boardId, this.invite) : this.viewLink;
  }

  /** The board id alone: opens the board to look at, not to edit. */
  get viewLink(): string {
    return boardLink(location.href, this.boardId);
  }

  dispose(): void {
    clearTimeout(this.#presenceTimer);
    for (const off of this.#offs) off();
  }

  #debugSurface(): Record<string, any> {
    const self = this;
    return {
      play: this,
      type: "board",
      get boardId() { return self.boardId; },
      get viewLink() { return self.viewLink; },
      editLink: () => self.editLink(),
      get members() { return self.members(); },
      get loaded() { return self.loaded; },
      get role() { return self.role; },
      get seq() { return self.replica.serverBoard.seq; },
      get pending() { return self.replica.pendingCount; },
      get snapshots() { return self.connection.snapshots; },
      get canUndo() { return self.history.canUndo; },
      get refusals() { return self.refusals.slice(); },
      get presence() { return { ...self.presence }; },
      get peers() { return [...self.peers.values()].map((p) => ({ ...p })); },
      /** The board as drawn: shapes in z-order with their text. */
      get shapes() {
        return self.shapes().map((s) => ({ id: s.id, kind: s.kind, ...s.props, text: textOf(self.replica.board, s.id) }));
      },
      /** The board's content as plain data (../model.ts boardContent): two pages that agree give deeply equal values. */
      get content() { return boardContent(self.replica.board, self.replica.texts); },
      text: (id: string) => self.textOf(id),
      perform: (op: OpInput) => self.perform(op),
      newId: () => self.replica.newId(),
    };
  }
}

/** The board of the room the player is in; undefined outside one. */
export function boardOf(scene: Phaser.Scene): BoardPlay | undefined {
  return scene.registry.get(BOARD_KEY) as BoardPlay | undefined;
}

/**
 * One board (filterBy "board"), following "What the Room and the client must
 * do" in rooms/board/README.md: the joiner gets the whole board in one
 * message, each op is checked against the user's op budget and applied by
 * the pure model (model.ts), applied ops go to everyone in server order,
 * refusals to the sender alone. Applied ops are written to the Store before
 * anyone is told of them (several ops per write), so an acknowledged op
 * survives a SIGKILL; sharing changes are written right away. A room
 * holds a Store claim on its board while open, so no second room (a full
 * one's overflow, another process) ever edits a copy of it.
 * Presence (cursors, selections, editing) never touches the board: the room
 * keeps each peer's latest and sends what changed PRESENCE_RATE times a
 * second, so no peer is sent more often than that whatever its client sends.
 */
import { definePlugins, ServerError, type Client, type Delayed, type MessageContext } from "@colyseus/core";
import { z } from "zod";
import { CloseCode } from "../../shared/protocol.ts";
import { durableOf } from "../../server/room/durable.ts";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { SeatHolding } from "../../server/room/seats.ts";
import { StoreError } from "../../server/storage/store.ts";
import type { Identity } from "../../server/identity/tokens.ts";
import {
  applyOp, boardFromSnapshot, createBoard, createOpBudget, readOpsMessage, snapshotBoard, spendOpBudget,
  type BoardDoc, type OpBudget,
} from "./model.ts";
import { editorInvite, inviteIsValid, roleFor } from "./permissions.ts";
import {
  BoardJoinError, BoardJoinOptions, BoardMessage, PRESENCE_RATE, Presence, SHARE_FORBIDDEN, ShareRequest, rejection,
  type AppliedOp, type PeerPresence, type Rejection, type Role, type ShareLink,
} from "./protocol.ts";
import type { BoardSettings } from "./settings.ts";
import { BoardMember, BoardState, colorOf } from "./state.ts";
import { BoardStorage, boardClaimKey, newInviteSecret, type StoredBoard } from "./storage.ts";

/**
 * Board messages per second per connection, all types together: presence at
 * PRESENCE_RATE plus ops sent once per frame, with room for a replay after a
 * reconnect. Ops are also counted one by one against OP_RATE_PER_SECOND.
 */
export const BOARD_BUDGET = Object.freeze({ perSecond: 90, burst: 120 });

/** How long a room's claim on its board lasts unless renewed, ms: a board whose process died opens again this long after. */
export const BOARD_CLAIM_MS = 10_000;

/** Room clock ms between two presence messages. */
export const PRESENCE_INTERVAL_MS = 1000 / PRESENCE_RATE;

/** Peer numbers wrap here (a uint16 in the state). */
const MAX_PEER = 65_535;

interface PeerState {
  peer: number;
  x: number;
  y: number;
  selection: string[];
  editing: string | null;
  /** The selection or editing changed since it was last sent. */
  full: boolean;
}

export class BoardRoom extends GameRoom<{ state: BoardState }, BoardSettings> {
  state = new BoardState();
  plugins = definePlugins([...framework({ budget: BOARD_BUDGET, strikesToKick: 10 }), new SeatHolding()]);
  autoDispose = true;

  private doc: BoardDoc = createBoard();
  /** Owner, grants and invite secret; undefined until the first joiner of a new board owns it. */
  private meta: Omit<StoredBoard, "snapshot"> | undefined;
  private storage!: BoardStorage;
  private opBudgets = new Map<string, OpBudget>();
  private nextPeer = 1;
  private peers = new Map<string, PeerState>();
  private presenceDue = new Set<string>();
  /** Room clock time of the last presence message; the next waits a full 1/PRESENCE_RATE s even after a stall. */
  private presenceSentAt = Number.NEGATIVE_INFINITY;
  private dirty = false;
  /** Ops were applied since the write under way began. */
  private opsUnwritten = false;
  /** The write under way holds ops nobody has been told of yet. */
  private opsWriting = false;
  /** What tells clients of ops applied but not yet written (broadcasts, duplicate answers, snapshots), in order; sent once the write holding them is done. */
  private unwritten: (() => void)[] = [];
  private saveTimer: Delayed | undefined;
  private saving: Promise<void> | undefined;
  /** Another room wrote or claimed this board since we loaded it: ours is stale and is never saved. */
  private stale = false;
  private claimKey = "";
  private claimed = false;

  async onCreate(options: unknown) {
    const join = BoardJoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(BoardJoinError.INVALID, `Board: ${join.error.issues[0].message}`);
    this.maxClients = this.settings.maxClients;
    this.state.board = join.data.board;
    this.storage = new BoardStorage(this.store, join.data.board);
    this.claimKey = boardClaimKey(join.data.board);
    let loaded: StoredBoard | undefined;
    try {
      const claim = await this.store.claim(this.claimKey, this.roomId, BOARD_CLAIM_MS);
      if (!claim.won) {
        throw new ServerError(BoardJoinError.BUSY, `This board is open with its most people (${this.settings.maxClients}), or its server just stopped; try again in a few seconds.`);
      }
      this.claimed = true;
      loaded = await this.storage.load();
    } catch (error) {
      if (this.claimed) await this.store.release(this.claimKey, this.roomId).catch(() => false);
      if (error instanceof StoreError) throw new ServerError(BoardJoinError.UNAVAILABLE, "Board storage is unavailable; try again shortly.");
      throw error;
    }
    this.clock.setInterval(() => void this.renewClaim(), BOARD_CLAIM_MS / 4);
    if (loaded) {
      const { snapshot, ...meta } = loaded;
      this.doc = boardFromSnapshot(snapshot);
      this.meta = meta;
    }
    const conduct = this.plugins.conduct;
    conduct.handle(BoardMessage.ops, z.unknown(), (client, payload) => this.onOps(client, payload));
    conduct.handle(BoardMessage.presence, Presence, (client, presence) => this.onPresence(client, presence));
    conduct.handle(BoardMessage.resync, z.unknown(), (client) => this.sendBoard(client));
    conduct.handle(BoardMessage.share, ShareRequest.optional(), (client, request, reply) => this.onShare(client, request ?? {}, reply));
    this.clock.setInterval(() => this.flushPresence(), PRESENCE_INTERVAL_MS);
  }

  onJoin(client: Client, options: unknown) {
    const me = this.who(client);
    const join = BoardJoinOptions.safeParse(options ?? {});
    if (!join.success) throw new ServerError(BoardJoinError.INVALID, `Board: ${join.error.issues[0].message}`);
    if (!this.meta) {
      // A board nobody has stored yet: its first joiner created it.
      this.meta = { owner: me.userId, grants: new Map(), inviteSecret: newInviteSecret(), linkRole: "viewer" };
      this.scheduleSave(0);
    }
    const invite = join.data.invite;
    const invited = invite !== undefined && inviteIsValid(this.meta.inviteSecret, this.state.board, invite);
    const role = roleFor(me.userId, this.meta, invited);
    if (invited && role === "editor" && this.meta.grants.get(me.userId) !== "editor") {
      this.meta.grants.delete(me.userId);
      this.meta.grants.set(me.userId, "editor");
      this.scheduleSave();
    }
    const peer = this.nextPeer;
    this.nextPeer = this.nextPeer === MAX_PEER ? 1 : this.nextPeer + 1;
    this.state.members.set(client.sessionId, new BoardMember({ peer, userId: me.userId, name: me.name, color: colorOf(me.userId), role }));
    this.sendBoard(client);
  }

  onDrop(client: Client, code?: number) {
    const member = this.state.members.get(client.sessionId);
    if (this.plugins.seats.hold(client, code) && member) member.connected = false;
  }

  /** What a restored copy of this room needs besides the roster (the board itself is in the Store, written before any op was acknowledged). */
  snapshot(): DurableBoardFields {
    const meta = this.meta && { ...this.meta, grants: [...this.meta.grants] };
    return { nextPeer: this.nextPeer, peers: [...this.peers], meta };
  }

  restore(fields: unknown): void {
    const restored = fields as DurableBoardFields;
    this.nextPeer = restored.nextPeer;
    this.peers = new Map(restored.peers);
    // A board whose first write had not happened yet keeps its owner, grants and secret.
    if (!this.meta && restored.meta) {
      const { grants, inviteSecret, ...meta } = restored.meta;
      this.meta = { ...meta, grants: new Map(grants), inviteSecret: new Uint8Array(inviteSecret) };
      this.scheduleSave(0);
    }
    // Nobody is connected to the restored copy until they resume their seat.
    for (const member of this.state.members.values()) member.connected = false;
  }

  onReconnect(client: Client) {
    const member = this.state.members.get(client.sessionId);
    if (member) member.connected = true;
    // What it missed while away is in the snapshot; it replays its queued ops after it (duplicates are answered, not applied).
    this.sendBoard(client);
  }

  onLeave(client: Client) {
    this.state.members.delete(client.sessionId);
    this.peers.delete(client.sessionId);
    this.presenceDue.delete(client.sessionId);
  }

  async onDispose() {
    this.saveTimer?.clear();
    this.saveTimer = undefined;
    await this.saving;
    if (this.dirty) await this.save();
    this.unwritten = [];
    // A room moving at a drain keeps its claim: its restored copy (same room id) takes it over, so nobody opens the board in between.
    if (this.claimed && !this.stale && !durableOf(this)?.moving) await this.store.release(this.claimKey, this.roomId).catch(() => false);
  }

  // ------------------------------------------------------------ the board

  private sendBoard(client: Client): void {
    const snapshot = snapshotBoard(this.doc);
    this.onceWritten(() => {
      client.send(BoardMessage.snapshot, snapshot);
      const everyone = [...this.peers.values()].map(fullPresence);
      if (everyone.length > 0) client.send(BoardMessage.presence, everyone);
    });
  }

  /** Tell clients something about the board once every op applied so far is in the Store (now, when it already is). */
  private onceWritten(tell: () => void): void {
    if (this.unwritten.length === 0 && !this.opsUnwritten && !this.opsWriting) tell();
    else this.unwritten.push(tell);
  }

  private onOps(client: Client, payload: unknown): void {
    const me = this.who(client);
    const role = this.roleOf(client);
    const read = readOpsMessage(payload);
    if (!read.ok) {
      client.send(BoardMessage.rejected, [read.rejection]);
      return;
    }
    const applied: AppliedOp[] = [];
    const rejected: Rejection[] = [];
    const duplicates: string[] = [];
    const budget = this.opBudgetOf(me.userId);
    const now = Date.now();
    for (const input of read.ops) {
      const opId = opIdOf(input);
      if (role !== "viewer" && !spendOpBudget(budget, now)) {
        rejected.push(rejection(opId, "RATE_LIMITED"));
        continue;
      }
      const result = applyOp(this.doc, input, { id: me.userId, role });
      if (!result.ok) rejected.push(result.rejection);
      else if (result.duplicate) duplicates.push(opId);
      else applied.push(result.applied);
    }
    if (applied.length > 0) {
      // Acknowledged only once written: a crash after the acknowledgement loses nothing, and the sender replays what was never acknowledged.
      this.opsUnwritten = true;
      this.onceWritten(() => this.broadcast(BoardMessage.applied, applied));
      this.saveNow();
    }
    if (rejected.length > 0) client.send(BoardMessage.rejected, rejected);
    if (duplicates.length > 0) this.onceWritten(() => client.send(BoardMessage.duplicate, { opIds: duplicates }));
  }

  private onShare(client: Client, request: ShareRequest, reply: MessageContext): ShareLink | undefined {
    if (this.roleOf(client) !== "owner" || !this.meta) {
      this.plugins.conduct.refuse(client, SHARE_FORBIDDEN, "Only the board's owner can share edit access.", reply);
      return undefined;
    }
    if (request.rotate) {
      this.meta.inviteSecret = newInviteSecret();
      this.scheduleSave(0);
    }
    if (request.linkRole && request.linkRole !== this.meta.linkRole) {
      this.meta.linkRole = request.linkRole;
      this.scheduleSave(0);
      // Whoever is here through the plain link takes its new role now; owners and granted editors keep theirs.
      for (const member of this.state.members.values()) member.role = roleFor(member.userId, this.meta, false);
    }
    return { board: this.state.board, invite: editorInvite(this.meta.inviteSecret, this.state.board), linkRole: this.meta.linkRole };
  }

  // ------------------------------------------------------------ presence

  private onPresence(client: Client, presence: Presence): void {
    const member = this.state.members.get(client.sessionId);
    if (!member) return;
    const x = Math.round(presence.x);
    const y = Math.round(presence.y);
    const known = this.peers.get(client.sessionId);
    if (!known) {
      this.peers.set(client.sessionId, { peer: member.peer, x, y, selection: presence.selection, editing: presence.editing, full: true });
    } else {
      const changed = known.editing !== presence.editing || !sameIds(known.selection, presence.selection);
      if (!changed && known.x === x && known.y === y) return;
      Object.assign(known, { x, y, selection: presence.selection, editing: presence.editing, full: known.full || changed });
    }
    this.presenceDue.add(client.sessionId);
  }

  /** Everyone's changed presence in one message, each peer once: the server-side throttle, whatever rate clients send at. */
  private flushPresence(): void {
    if (this.presenceDue.size === 0) return;
    const now = this.clock.currentTime;
    if (now - this.presenceSentAt < PRESENCE_INTERVAL_MS) return;
    this.presenceSentAt = now;
    const out: PeerPresence[] = [];
    for (const sessionId of this.presenceDue) {
      const state = this.peers.get(sessionId);
      if (!state) continue;
      out.push(state.full ? fullPresence(state) : [state.peer, state.x, state.y]);
      state.full = false;
    }
    const only = this.presenceDue.size === 1 ? this.clients.getById([...this.presenceDue][0]) : undefined;
    this.presenceDue.clear();
    if (out.length === 0) return;
    // A peer's own cursor is not sent back to it when it is the only one that moved; in a busier message it reads past its own peer.
    this.broadcast(BoardMessage.presence, out, only ? { except: only } : undefined);
  }

  // ------------------------------------------------------------ storage

  /** Write the board `delayMs` from now (the setting by default), together with whatever else changes by then. */
  private scheduleSave(delayMs = this.settings.saveDelayMs): void {
    this.dirty = true;
    if (this.saveTimer || this.saving || this.stale) return;
    this.saveTimer = this.clock.setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, delayMs);
  }

  /** Write the board as soon as the write under way (if any) is done: applied ops wait for it to be acknowledged. */
  private saveNow(): void {
    this.dirty = true;
    this.saveTimer?.clear();
    this.saveTimer = undefined;
    if (!this.stale) void this.save();
  }

  private save(): Promise<void> {
    if (this.saving) return this.saving;
    this.saving = this.writeWhileDirty().finally(() => {
      this.saving = undefined;
      if (this.dirty && !this.stale) this.scheduleSave();
    });
    return this.saving;
  }

  private async writeWhileDirty(): Promise<void> {
    while (this.dirty && this.meta && !this.stale) {
      this.dirty = false;
      this.opsUnwritten = false;
      const written = this.unwritten.splice(0);
      this.opsWriting = written.length > 0;
      try {
        const result = await this.storage.save({ ...this.meta, snapshot: snapshotBoard(this.doc, { withApplied: true }) });
        this.opsWriting = false;
        if (!result.saved) {
          this.becomeStale("the board was written by another room");
          return;
        }
        for (const tell of written) tell();
        // Told during the write, with no op applied since: what they tell of is written now.
        if (!this.opsUnwritten) for (const tell of this.unwritten.splice(0)) tell();
      } catch (error) {
        this.opsWriting = false;
        this.dirty = true;
        this.opsUnwritten = true;
        this.unwritten.unshift(...written);
        this.log.warn({ err: error, board: this.state.board }, "board could not be saved; trying again");
        return;
      }
    }
  }

  private async renewClaim(): Promise<void> {
    if (this.stale) return;
    try {
      const claim = await this.store.claim(this.claimKey, this.roomId, BOARD_CLAIM_MS);
      if (!claim.won) this.becomeStale("another room claimed the board");
    } catch (error) {
      // The Store is down: keep editing; the compare-and-set write still refuses a stale copy.
      this.log.warn({ err: error, board: this.state.board }, "board claim could not be renewed");
    }
  }

  /** Another room has this board: never write ours, and send our clients to the current one. */
  private becomeStale(why: string): void {
    if (this.stale) return;
    this.stale = true;
    this.log.error({ board: this.state.board, roomId: this.roomId }, `${why}; closing this copy so its clients rejoin the current one`);
    void this.disconnect(CloseCode.SERVER_SHUTDOWN);
  }

  // ------------------------------------------------------------ plumbing

  private who(client: Client): Identity {
    return client.auth as Identity;
  }

  private roleOf(client: Client): Role {
    return (this.state.members.get(client.sessionId)?.role ?? "viewer") as Role;
  }

  private opBudgetOf(userId: string): OpBudget {
    let budget = this.opBudgets.get(userId);
    if (!budget) this.opBudgets.set(userId, (budget = createOpBudget(Date.now())));
    return budget;
  }
}

/** The board room's private fields in a durable snapshot (server/room/durable.ts). */
interface DurableBoardFields {
  nextPeer: number;
  peers: [string, PeerState][];
  meta: (Omit<StoredBoard, "snapshot" | "grants"> & { grants: [string, Role][] }) | undefined;
}

function fullPresence(state: PeerState): PeerPresence {
  return [state.peer, state.x, state.y, state.selection, state.editing];
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

function opIdOf(input: unknown): string {
  const opId = (input as { opId?: unknown } | null)?.opId;
  return typeof opId === "string" ? opId.slice(0, 64) : "";
}

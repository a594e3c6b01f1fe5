/**
 * Several simulated clients edit one board through a simulated network: every
 * message is delivered in order per connection but at a random moment (fast-check
 * chooses the interleaving), connections drop with messages in flight and come
 * back, and queued ops are replayed. Once the network is quiet, every client
 * must show exactly the server's board, and no undo may have taken back
 * another user's change. The server itself may restart from its stored
 * snapshot at any moment.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { BoardReplica } from "./client-model.ts";
import {
  TEXT_ROOT, applyOp, boardContent, boardFromSnapshot, createBoard, keyAbove, keyBetween, shapesInOrder, snapshotBoard,
  textUpdateFrom, type BoardDoc, type ShapeRecord,
} from "./model.ts";
import type { AppliedOp, Op, OpInput, Rejection, ShapeKind, SubOp } from "./protocol.ts";
import { UndoHistory } from "./undo.ts";

type Down =
  | { type: "applied"; ops: AppliedOp[] }
  | { type: "rejected"; rejections: Rejection[] }
  | { type: "duplicate"; opIds: string[] };

interface SimClient {
  name: string;
  replica: BoardReplica;
  history: UndoHistory;
  online: boolean;
  up: Op[][];
  down: Down[];
  /** Yjs client ids of this user's live text docs, to tell whose characters an undo touched. */
  yjsClients: Set<number>;
}

const COLORS = ["#aa0000", "#00aa00", "#0000aa"];
const KINDS: ShapeKind[] = ["rect", "ellipse", "note", "text", "stroke", "arrow"];

const action = fc.oneof(
  { weight: 8, arbitrary: fc.record({ do: fc.constant("create" as const), kind: fc.constantFrom(...KINDS), a: fc.nat(), b: fc.nat(), v: fc.nat(9) }) },
  { weight: 4, arbitrary: fc.record({ do: fc.constant("color" as const), a: fc.nat(), v: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ do: fc.constant("move" as const), a: fc.nat(), v: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant("groupMove" as const), a: fc.nat(), b: fc.nat(), v: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant("resize" as const), a: fc.nat(), v: fc.nat(3) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant("groupEdit" as const), a: fc.nat(), b: fc.nat(), v: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant("retarget" as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ do: fc.constant("delete" as const), a: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ do: fc.constant("reorder" as const), a: fc.nat(), b: fc.nat() }) },
  { weight: 8, arbitrary: fc.record({ do: fc.constant("type" as const), a: fc.nat(), b: fc.nat(), v: fc.nat(9) }) },
  { weight: 3, arbitrary: fc.record({ do: fc.constant("erase" as const), a: fc.nat(), b: fc.nat(), v: fc.nat(3) }) },
  { weight: 6, arbitrary: fc.record({ do: fc.constant("undo" as const) }) },
  { weight: 2, arbitrary: fc.record({ do: fc.constant("redo" as const) }) },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;

const step = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("act" as const), client: fc.nat(), action }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("send" as const), client: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("deliverUp" as const), client: fc.nat() }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("deliverDown" as const), client: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), client: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("reconnect" as const), client: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const), client: fc.nat() }) },
);

class Simulation {
  server: BoardDoc = createBoard();
  readonly clients: SimClient[];
  private readonly undoOps = new Set<string>();
  /** "shape.prop" → the user whose op wrote it last, as seen in the server's order. */
  private readonly lastWriter = new Map<string, string>();
  readonly violations: string[] = [];

  constructor(count: number) {
    this.clients = Array.from({ length: count }, (_, i) => {
      const replica = new BoardReplica({ actorId: `user${i}`, role: "editor", idPrefix: `u${i}` });
      return {
        name: `user${i}`, replica, history: new UndoHistory(replica, { captureTimeout: 0 }),
        online: false, up: [], down: [], yjsClients: new Set<number>(),
      };
    });
    for (const client of this.clients) this.reconnect(client);
  }

  run(kind: "act" | "send" | "deliverUp" | "deliverDown" | "disconnect" | "reconnect" | "restart", client: SimClient, act?: Action): void {
    switch (kind) {
      case "act": return this.act(client, act!);
      case "send": return this.send(client);
      case "deliverUp": return this.deliverUp(client);
      case "deliverDown": return this.deliverDown(client);
      case "disconnect": return this.disconnect(client);
      case "reconnect": return this.reconnect(client);
      case "restart": return this.restart();
    }
  }

  /** The server process restarts from its stored board: every connection drops with whatever was in flight. */
  restart(): void {
    this.server = boardFromSnapshot(structuredClone(snapshotBoard(this.server, { withApplied: true })));
    for (const client of this.clients) this.disconnect(client);
  }

  send(client: SimClient): void {
    if (!client.online) return;
    const ops = client.replica.takeOutgoing();
    if (ops.length > 0) client.up.push(structuredClone(ops));
  }

  deliverUp(client: SimClient): void {
    const message = client.up.shift();
    if (!message) return;
    const applied: AppliedOp[] = [];
    const rejections: Rejection[] = [];
    const duplicates: string[] = [];
    for (const op of message) {
      const before = new Map(this.server.shapes);
      const beforeText = new Map([...this.server.texts].map(([id, ydoc]) => [id, deletedItems(ydoc)]));
      const result = applyOp(this.server, op, { id: client.name, role: "editor" });
      if (!result.ok) rejections.push(result.rejection);
      else if (result.duplicate) duplicates.push(op.opId);
      else {
        applied.push(result.applied);
        if (this.undoOps.has(`${client.name}/${op.opId}`)) this.checkUndo(client, result.applied, before, beforeText);
        this.track(result.applied);
      }
    }
    if (applied.length > 0) for (const other of this.clients) if (other.online) other.down.push({ type: "applied", ops: structuredClone(applied) });
    if (rejections.length > 0) client.down.push({ type: "rejected", rejections });
    if (duplicates.length > 0) client.down.push({ type: "duplicate", opIds: duplicates });
  }

  deliverDown(client: SimClient): void {
    const message = client.down.shift();
    if (!message) return;
    if (message.type === "applied") client.replica.receiveApplied(message.ops);
    else if (message.type === "rejected") client.replica.receiveRejected(message.rejections);
    else client.replica.receiveDuplicates(message.opIds);
  }

  disconnect(client: SimClient): void {
    client.online = false;
    client.up = [];
    client.down = [];
  }

  reconnect(client: SimClient): void {
    if (client.online) return;
    client.online = true;
    client.replica.resync(structuredClone(snapshotBoard(this.server)));
  }

  /** Let every message through and every client reconnect until nothing moves. */
  quiesce(): void {
    for (const client of this.clients) this.reconnect(client);
    for (let round = 0; round < 1000; round++) {
      let moved = false;
      for (const client of this.clients) {
        this.send(client);
        while (client.up.length > 0) { this.deliverUp(client); moved = true; }
      }
      for (const client of this.clients) {
        while (client.down.length > 0) { this.deliverDown(client); moved = true; }
      }
      if (!moved) return;
    }
    throw new Error("the network never went quiet");
  }

  act(client: SimClient, act: Action): void {
    const { replica, history } = client;
    const view = replica.board;
    const shapes = shapesInOrder(view);
    const pick = (n: number, filter: (s: ShapeRecord) => boolean = () => true) => {
      const candidates = shapes.filter(filter);
      return candidates.length > 0 ? candidates[n % candidates.length] : undefined;
    };
    const opId = replica.newId();
    switch (act.do) {
      case "create": {
        const id = replica.newId();
        const base = { id, x: act.v * 10, y: act.v * 5, w: 40, h: 30, color: COLORS[act.v % 3], z: keyAbove(view) };
        let shape: Record<string, unknown> = { ...base, kind: act.kind };
        if (act.kind === "note" || act.kind === "text") shape.text = textUpdateFrom(`n${act.v}`);
        if (act.kind === "stroke") shape.points = [0, 0, act.v, act.v, 2 * act.v, 0];
        if (act.kind === "arrow") {
          const ends = shapes.filter((s) => s.kind !== "arrow");
          if (ends.length < 2) shape = { ...base, kind: "rect" };
          else {
            const from = ends[act.a % ends.length];
            const to = ends[(act.a + 1 + (act.b % (ends.length - 1))) % ends.length];
            shape = { ...shape, from: from.id, to: to.id };
          }
        }
        history.perform({ type: "create", opId, shape } as OpInput);
        return;
      }
      case "color": {
        const target = pick(act.a);
        if (target) history.perform({ type: "update", opId, id: target.id, props: { color: COLORS[act.v] } });
        return;
      }
      case "move": {
        const target = pick(act.a);
        if (target) history.perform({ type: "move", opId, id: target.id, x: act.v * 7, y: act.v * 3 });
        return;
      }
      case "groupMove": {
        const first = pick(act.a);
        const second = pick(act.b);
        if (!first || !second || first.id === second.id) return;
        history.perform({ type: "group", opId, ops: [
          { type: "move", id: first.id, x: act.v, y: act.v },
          { type: "move", id: second.id, x: act.v + 50, y: act.v },
        ] });
        return;
      }
      case "groupEdit": {
        // One atomic edit that creates, recolours and deletes: its undo restores and deletes in one group.
        const recolour = pick(act.a);
        const doomed = pick(act.b);
        const ops: OpInput[] = [{ type: "create", opId, shape: { id: replica.newId(), kind: "ellipse", x: 1, y: 1, w: 5, h: 5, color: COLORS[act.v], z: keyAbove(view) } }];
        if (recolour) ops.push({ type: "update", opId, id: recolour.id, props: { color: COLORS[act.v] } });
        if (doomed && doomed.id !== recolour?.id) ops.push({ type: "delete", opId, id: doomed.id });
        history.perform({ type: "group", opId, ops: ops.map(({ opId: _opId, ...part }) => part) } as OpInput);
        return;
      }
      case "retarget": {
        const arrow = pick(act.a, (s) => s.kind === "arrow");
        const ends = shapes.filter((s) => s.kind !== "arrow" && s.id !== arrow?.props.from);
        if (!arrow || ends.length === 0) return;
        history.perform({ type: "update", opId, id: arrow.id, props: { to: ends[act.b % ends.length].id } });
        return;
      }
      case "resize": {
        const target = pick(act.a);
        if (target) history.perform({ type: "update", opId, id: target.id, props: { w: 10 + act.v, h: 20 + act.v } });
        return;
      }
      case "delete": {
        const target = pick(act.a);
        if (target) history.perform({ type: "delete", opId, id: target.id });
        return;
      }
      case "reorder": {
        const target = pick(act.a);
        if (!target || shapes.length < 2) return;
        const at = act.b % shapes.length;
        const lower = at === 0 ? null : shapes[at - 1].props.z!;
        const upper = shapes[at].props.z!;
        const z = lower !== null && lower >= upper ? keyAbove(view) : keyBetween(lower, upper);
        history.perform({ type: "reorder", opId, id: target.id, z });
        return;
      }
      case "type":
      case "erase": {
        const target = pick(act.a, (s) => replica.texts.has(s.id));
        if (!target) return;
        client.yjsClients.add(replica.texts.get(target.id)!.clientID);
        history.editText(target.id, (text) => {
          const at = act.b % (text.length + 1);
          if (act.do === "type") text.insert(at, String.fromCharCode(97 + act.v));
          else text.delete(at, Math.min(act.v + 1, text.length - at));
        });
        return;
      }
      case "undo":
      case "redo": {
        const texts = new Map(replica.texts);
        const result = act.do === "undo" ? history.undo() : history.redo();
        if (result?.ok) {
          this.undoOps.add(`${client.name}/${result.op.opId}`);
          const touched = result.op.type === "text" ? texts.get(result.op.id) : undefined;
          if (touched) client.yjsClients.add(touched.clientID);
        }
        return;
      }
    }
  }

  private track(applied: AppliedOp): void {
    for (const part of applied.op.type === "group" ? applied.op.ops : [applied.op as SubOp]) {
      const names = part.type === "create" ? Object.keys(part.shape).filter((k) => !["id", "kind", "text"].includes(k))
        : part.type === "restore" ? Object.keys(this.server.shapes.get(part.id)!.props)
        : part.type === "update" ? Object.keys(part.props) : part.type === "reorder" ? ["z"] : [];
      const id = part.type === "create" ? part.shape.id : part.id;
      for (const name of names) this.lastWriter.set(`${id}.${name}`, applied.actor);
    }
  }

  /** An undo or redo may only write what this user wrote last, delete only what nobody else touched, and delete only this user's characters. */
  private checkUndo(client: SimClient, applied: AppliedOp, before: Map<string, ShapeRecord>, beforeText: Map<string, Set<string>>): void {
    const parts: SubOp[] = applied.op.type === "group" ? applied.op.ops : [applied.op as SubOp];
    for (const part of parts) {
      if (part.type === "update" || part.type === "reorder") {
        const record = before.get(part.id)!;
        const names = part.type === "update" ? Object.keys(part.props) : ["z"];
        for (const name of names) {
          const last = this.lastWriter.get(`${part.id}.${name}`);
          if (last !== client.name) this.violations.push(`${client.name}'s undo ${applied.op.opId} overwrote ${last}'s ${name} on ${part.id}`);
        }
      } else if (part.type === "delete") {
        const record = before.get(part.id)!;
        const others = Object.keys(record.props).map((name) => this.lastWriter.get(`${part.id}.${name}`)).filter((w) => w !== client.name);
        if (others.length > 0 || record.textBy.some((by) => by !== client.name)) this.violations.push(`${client.name}'s undo deleted ${part.id}, which others edited`);
      } else if (part.type === "text") {
        const was = beforeText.get(part.id) ?? new Set<string>();
        for (const key of deletedItems(this.server.texts.get(part.id)!)) {
          if (was.has(key)) continue;
          const author = Number(key.split(":")[0]);
          if (!client.yjsClients.has(author)) this.violations.push(`${client.name}'s undo deleted characters typed by Yjs client ${author} in ${part.id}`);
        }
      }
    }
  }
}

/** Ids ("client:clock") of the deleted characters of a text, to see which an op removed. */
function deletedItems(ydoc: Y.Doc): Set<string> {
  const deleted = new Set<string>();
  for (let item = ydoc.getText(TEXT_ROOT)._start; item; item = item.right) {
    if (item.deleted) for (let i = 0; i < item.length; i++) deleted.add(`${item.id.client}:${item.id.clock + i}`);
  }
  return deleted;
}

describe("board convergence", () => {
  it("every client ends with the server's board, whatever the delivery order, reconnects and server restarts, and undo never reverts another user's change", () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 4 }), fc.array(step, { minLength: 30, maxLength: 150, size: "max" }), (count, steps) => {
        const sim = new Simulation(count);
        for (const s of steps) {
          const client = sim.clients[s.client % count];
          sim.run(s.kind, client, "action" in s ? s.action : undefined);
        }
        sim.quiesce();
        const expected = boardContent(sim.server);
        for (const client of sim.clients) {
          expect(client.replica.pendingCount, `${client.name} still has ops pending`).toBe(0);
          expect(client.replica.board.seq).toBe(sim.server.seq);
          expect(boardContent(client.replica.board, client.replica.texts), `${client.name}'s board`).toEqual(expected);
        }
        for (const board of [sim.server, ...sim.clients.map((c) => c.replica.board)]) {
          const holders = new Map([...board.shapes.values()].map((shape) => [shape.props.z!, shape.id]));
          expect(holders.size, "z keys are unique").toBe(board.shapes.size);
          expect(board.zKeys).toEqual(holders);
        }
        expect(sim.violations).toEqual([]);
      }),
      { numRuns: 150 },
    );
  });

  it("an op queued offline and replayed after a reconnect is applied exactly once", () => {
    const sim = new Simulation(2);
    const [ann, bob] = sim.clients;
    sim.act(ann, { do: "create", kind: "rect", a: 0, b: 0, v: 1 });
    sim.send(ann);
    sim.deliverUp(ann); // the server applied it, but the acknowledgement is lost with the connection
    sim.disconnect(ann);
    sim.act(ann, { do: "move", a: 0, v: 2 });
    sim.reconnect(ann);
    sim.send(ann); // replays the create and sends the move
    sim.quiesce();
    expect(sim.server.seq).toBe(2);
    expect(sim.server.shapes.size).toBe(1);
    expect(boardContent(bob.replica.board, bob.replica.texts)).toEqual(boardContent(sim.server));
    expect(boardContent(ann.replica.board, ann.replica.texts)).toEqual(boardContent(sim.server));
  });

  it("undo takes back only the undoing user's edit of a shape both edited", () => {
    const sim = new Simulation(2);
    const [ann, bob] = sim.clients;
    sim.act(ann, { do: "create", kind: "rect", a: 0, b: 0, v: 1 });
    sim.quiesce();
    sim.act(ann, { do: "color", a: 0, v: 1 });
    sim.act(bob, { do: "move", a: 0, v: 3 });
    sim.quiesce();
    sim.act(bob, { do: "color", a: 0, v: 2 });
    sim.quiesce();
    sim.act(ann, { do: "undo" }); // ann's colour was overwritten by bob: nothing of ann's left to take back but the create, which bob edited
    sim.act(bob, { do: "undo" }); // bob's colour goes back to ann's
    sim.quiesce();
    const shape = shapesInOrder(sim.server)[0];
    expect(shape.props).toMatchObject({ color: COLORS[1], x: 21, y: 9 });
    expect(sim.violations).toEqual([]);
    expect(boardContent(ann.replica.board, ann.replica.texts)).toEqual(boardContent(sim.server));
  });

  it("text undo removes only the undoing user's characters from a note both typed into", () => {
    const sim = new Simulation(2);
    const [ann, bob] = sim.clients;
    sim.act(ann, { do: "create", kind: "note", a: 0, b: 0, v: 1 }); // text "n1"
    sim.quiesce();
    sim.act(ann, { do: "type", a: 0, b: 0, v: 0 }); // "an1"
    sim.quiesce();
    sim.act(bob, { do: "type", a: 0, b: 99, v: 1 }); // "an1b"
    sim.quiesce();
    sim.act(ann, { do: "undo" });
    sim.quiesce();
    const note = shapesInOrder(sim.server)[0];
    expect(sim.violations).toEqual([]);
    expect(sim.server.texts.get(note.id)!.getText(TEXT_ROOT).toString()).toBe("n1b");
    expect(boardContent(bob.replica.board, bob.replica.texts)).toEqual(boardContent(sim.server));
  });
});

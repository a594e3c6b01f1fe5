/**
 * Delivery as a property: three players in a group and a direct conversation
 * send, lose their connections (with whatever was in flight either way),
 * reconnect (collecting their offline inbox) and resend, in random
 * interleavings, against a server made of the chat core's own parts
 * (moderation, channel rules, ChatStorage) on a SqliteStore, and again on a
 * RedisStore. However it goes, no acknowledged message is lost or shown twice,
 * and every member ends with the same timeline, in the store's order.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisStore } from "../../server/storage/RedisStore.ts";
import { SqliteStore } from "../../server/storage/SqliteStore.ts";
import type { Store } from "../../server/storage/store.ts";
import { startRedis, type TestRedis } from "../../test/scaling/support.ts";
import { createGroup, directChannel, invite, maySend, type Channel } from "./channel.ts";
import { ChatDelivery, type OutgoingMessage } from "./delivery.ts";
import { moderate } from "./moderation.ts";
import type { Ack, ChatLine, HistoryPage, HistoryRequest, InboxDelivery, Rejection } from "./protocol.ts";
import { ChatStorage } from "./storage.ts";

const PLAYERS = ["ann", "bob", "cat"] as const;
type Player = (typeof PLAYERS)[number];

type Up =
  | { type: "hello" }
  | { type: "send"; message: OutgoingMessage }
  | { type: "history"; request: HistoryRequest }
  | { type: "inboxAck"; through: number };
type Down =
  | { type: "inbox"; inbox: InboxDelivery }
  | { type: "ack"; ack: Ack }
  | { type: "line"; line: ChatLine }
  | { type: "page"; page: HistoryPage }
  | { type: "rejected"; rejection: Rejection };

/** One socket: what each side has sent and the other has not yet read. Dropping it loses both. */
interface Link { up: Up[]; down: Down[] }

/** The server side: the chat core's parts, as the Room will call them. */
class ServerModel {
  readonly links = new Map<Player, Link>();
  readonly channels = new Map<string, Channel>();
  readonly storage: ChatStorage;
  constructor(storage: ChatStorage) {
    this.storage = storage;
  }

  membersOf(channel: Channel): Player[] {
    return PLAYERS.filter((p) => channel.roles.has(p));
  }

  async handle(from: Player, message: Up): Promise<void> {
    const link = this.links.get(from)!;
    switch (message.type) {
      case "hello": {
        const inbox = await this.storage.inbox(from);
        if (inbox.lines.length) link.down.push({ type: "inbox", inbox });
        return;
      }
      case "inboxAck":
        return this.storage.inboxDelivered(from, message.through);
      case "history":
        link.down.push({ type: "page", page: await this.storage.page(message.request) });
        return;
    }
    const { channel: channelId, id, text, to } = message.message;
    const channel = to ? this.direct(from, to) : this.channels.get(channelId);
    const refuse = (rejection: Rejection) => { link.down.push({ type: "rejected", rejection: { ...rejection, id } }); };
    if (!channel) return refuse({ code: "NO_SUCH_CHANNEL", message: "no such channel" });
    const blocks = to ? await this.storage.directBlocks(from, to) : undefined;
    const allowed = maySend(channel, from, blocks);
    if (!allowed.ok) return refuse(allowed.rejection);
    const moderated = await moderate(text, { from, channel: channel.id, kind: channel.kind });
    if (!moderated.ok) return refuse(moderated.rejection);
    const posted = await this.storage.post(channel.id, { id: from, name: from.toUpperCase() }, { id, text: moderated.text });
    if (!posted.ok) return refuse(posted.rejection);
    link.down.push({ type: "ack", ack: posted.ack });
    if (posted.duplicate) return;
    for (const member of this.membersOf(channel)) this.links.get(member)?.down.push({ type: "line", line: posted.line });
    // Offline, as far as this one-process model knows: no socket. The Room asks presence, across processes.
    if (to && !this.links.has(to as Player)) await this.storage.toInbox(to, posted.line);
  }

  private direct(from: Player, to: string): Channel | undefined {
    const opened = directChannel(from, to);
    if (!opened.ok) return undefined;
    return this.channels.get(opened.channel.id);
  }
}

/** One player's client: the shared delivery core plus what it has seen acknowledged. */
class ClientModel {
  readonly delivery: ChatDelivery;
  /** Every ack this client ever received: the messages that must never be lost. */
  readonly acked = new Map<string, Ack>();
  readonly me: Player;
  private readonly server: ServerModel;
  private ids = 0;
  constructor(me: Player, server: ServerModel) {
    this.me = me;
    this.server = server;
    this.delivery = new ChatDelivery({ me, newId: () => `${me}-${++this.ids}` });
  }

  get link(): Link | undefined {
    return this.server.links.get(this.me);
  }

  send(channel: string, to: Player | undefined, text: string): void {
    const sent = to ? this.delivery.sendDirect(to, text) : this.delivery.send(channel, text);
    if (sent.ok) this.link?.up.push({ type: "send", message: sent.message });
  }

  drop(): void {
    this.server.links.delete(this.me);
  }

  /** What the Room's client does on every (re)connect: catch up each channel, then send the outbox again. */
  reconnect(): void {
    if (this.link) return;
    const link: Link = { up: [{ type: "hello" }], down: [] };
    this.server.links.set(this.me, link);
    for (const channel of this.server.channels.values()) {
      if (channel.roles.has(this.me)) link.up.push({ type: "history", request: this.delivery.catchUp(channel.id) });
    }
    this.resend();
  }

  resend(): void {
    for (const message of this.delivery.unacknowledged()) this.link?.up.push({ type: "send", message });
  }

  read(message: Down): void {
    switch (message.type) {
      case "inbox":
        this.link?.up.push({ type: "inboxAck", ...this.delivery.receiveInbox(message.inbox) });
        return;
      case "ack":
        this.acked.set(message.ack.id, message.ack);
        this.delivery.receiveAck(message.ack);
        return;
      case "line":
        this.delivery.receiveLine(message.line);
        return;
      case "page": {
        const { next } = this.delivery.receiveHistory(message.page);
        if (next) this.link?.up.push({ type: "history", request: next });
        return;
      }
      case "rejected":
        this.delivery.receiveRejection(message.rejection);
    }
  }
}

const player = fc.constantFrom(...PLAYERS);
const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ type: fc.constant("send" as const), who: player, where: fc.constantFrom("squad", "dm"), text: fc.string({ minLength: 1, maxLength: 12 }) }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant("serverReads" as const), who: player }) },
  { weight: 4, arbitrary: fc.record({ type: fc.constant("clientReads" as const), who: player }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("drop" as const), who: player }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("reconnect" as const), who: player }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("resend" as const), who: player }) },
);

/** The property, on whatever Store `open` returns (a fresh, empty one per run). */
async function neverLosesOrDuplicates(open: () => Store, numRuns: number): Promise<void> {
  await fc.assert(fc.asyncProperty(fc.array(action, { minLength: 20, maxLength: 200, size: "max" }), async (actions) => {
    const store = open();
    try {
      // A history page of 3 makes every catch-up take several pages.
      const server = new ServerModel(new ChatStorage(store, { historyPage: 3, historyLength: 1000, dedupeWindow: 1000 }));
      let squad = createGroup("squad", "ann");
      for (const member of ["bob", "cat"]) {
        const added = invite(squad, "ann", member);
        if (added.ok) squad = added.channel;
      }
      const dm = directChannel("ann", "bob");
      if (!dm.ok) throw new Error(dm.rejection.message);
      server.channels.set(squad.id, squad);
      server.channels.set(dm.channel.id, dm.channel);
      const clients = new Map(PLAYERS.map((p) => [p, new ClientModel(p, server)]));
      for (const client of clients.values()) client.reconnect();

      for (const step of actions) {
        const client = clients.get(step.who)!;
        switch (step.type) {
          case "send":
            // Only ann and bob share the direct channel; cat's "dm" goes to the group.
            if (step.where === "dm" && step.who !== "cat") client.send(dm.channel.id, step.who === "ann" ? "bob" : "ann", step.text);
            else client.send(squad.id, undefined, step.text);
            break;
          case "serverReads": {
            const next = client.link?.up.shift();
            if (next) await server.handle(step.who, next);
            break;
          }
          case "clientReads": {
            const next = client.link?.down.shift();
            if (next) client.read(next);
            break;
          }
          case "drop": client.drop(); break;
          case "reconnect": client.reconnect(); break;
          case "resend": client.resend(); break;
        }
        for (const c of clients.values()) for (const channel of server.channels.keys()) expectShownOnce(c.delivery.timeline(channel));
      }

      // Let the network settle: everyone connected, every queue drained; then everyone scrolls up to the first message.
      const settle = async () => {
        for (let busy = true; busy;) {
          busy = false;
          for (const [who, client] of clients) {
            for (let next = client.link!.up.shift(); next; next = client.link!.up.shift()) { busy = true; await server.handle(who, next); }
            for (let next = client.link!.down.shift(); next; next = client.link!.down.shift()) { busy = true; client.read(next); }
          }
        }
      };
      for (const client of clients.values()) client.reconnect();
      await settle();
      for (const client of clients.values()) {
        for (const channel of server.channels.keys()) {
          for (let older = client.delivery.olderPage(channel); older; older = client.delivery.olderPage(channel)) {
            client.link!.up.push({ type: "history", request: older });
            await settle();
          }
        }
      }

      for (const channel of server.channels.values()) {
        const all = await readWhole(server.storage, channel.id);
        expect(all.map((l) => l.seq)).toEqual(all.map((_, i) => i + 1));
        expect(new Set(all.map((l) => `${l.from}/${l.id}`)).size).toBe(all.length);
        for (const member of server.membersOf(channel)) {
          const client = clients.get(member)!;
          const timeline = client.delivery.timeline(channel.id);
          expect(timeline.every((item) => !item.pending)).toBe(true);
          expect(client.delivery.syncedThrough(channel.id)).toBe(all.length);
          expect(timeline.map((item) => item.pending ? undefined : [item.seq, item.from, item.id, item.text]))
            .toEqual(all.map((l) => [l.seq, l.from, l.id, l.text]));
        }
      }
      for (const client of clients.values()) {
        expect(client.delivery.unacknowledged()).toEqual([]);
        expect((await server.storage.inbox(client.me)).lines).toEqual([]);
        for (const ack of client.acked.values()) {
          const line = (await readWhole(server.storage, ack.channel)).find((l) => l.seq === ack.seq);
          expect(line).toMatchObject({ id: ack.id, from: client.me, ts: ack.ts });
        }
      }
    } finally {
      await store.close();
    }
  }), { numRuns });
}

describe("chat delivery under drops, reconnects and resends", () => {
  it("never loses or duplicates an acknowledged message, and every member sees the store's order", async () => {
    await neverLosesOrDuplicates(() => new SqliteStore({ path: ":memory:" }), 200);
  }, 120_000);

  describe("on a private redis-server, as two processes would share it", () => {
    let redis: TestRedis | undefined;
    beforeAll(async () => { redis = await startRedis(); });
    afterAll(async () => { await redis?.stop(); });

    it("never loses or duplicates an acknowledged message, and every member sees the store's order", async () => {
      let run = 0;
      await neverLosesOrDuplicates(() => new RedisStore({ url: redis!.url, prefix: `run${++run}:` }), 40);
    }, 120_000);
  });
});

/** No message twice on screen: a stored seq once, a client id once (pending or stored). */
function expectShownOnce(timeline: ReturnType<ChatDelivery["timeline"]>): void {
  const seqs = timeline.flatMap((item) => item.pending ? [] : [item.seq]);
  expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  const ids = timeline.map((item) => `${item.from}/${item.id}`);
  expect(new Set(ids).size).toBe(ids.length);
}

async function readWhole(storage: ChatStorage, channel: string): Promise<ChatLine[]> {
  const lines: ChatLine[] = [];
  for (let more = true; more;) {
    const page = await storage.page({ channel, after: lines.at(-1)?.seq ?? 0 });
    lines.push(...page.lines);
    more = page.more;
  }
  return lines;
}

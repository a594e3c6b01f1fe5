/**
 * Matchmaking across processes: three real server processes sharing one
 * private Redis, players asking whichever process they reached.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitForState } from "../../tools/wait.ts";
import {
  joinThrough, killAll, nextMessage, startProcesses, startRedis, waitForPeers,
  type GameProcess, type Seat, type TestRedis,
} from "./support.ts";

const ADMIN_TOKEN = "scaling-test-admin-token";

let redis: TestRedis;
let cluster: GameProcess[];
const seats: Seat[] = [];

async function seat(endpoint: string, method: string, options: object = {}) {
  const s = await joinThrough(endpoint, method, "arena", options);
  seats.push(s);
  return s;
}

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startProcesses(3, redis.url, { ADMIN_TOKEN });
  await waitForPeers(cluster, redis.port);
});

afterAll(async () => {
  await Promise.allSettled(seats.filter((s) => s.room.connection.isOpen).map((s) => s.room.leave()));
  killAll();
});

describe("matchmaking across two processes", () => {
  let pair: GameProcess[];
  beforeAll(async () => {
    // Its own Redis: these two must not see the three-process cluster.
    const ownRedis = await startRedis();
    pair = await startProcesses(2, ownRedis.url);
    await waitForPeers(pair, ownRedis.port);
  });

  it("puts players who ask different processes for the same options in the same room", async () => {
    const [a, b] = pair;
    const first = await seat(a.endpoint, "joinOrCreate", { mode: "ffa" });
    const second = await seat(b.endpoint, "joinOrCreate", { mode: "ffa" });
    expect(second.reservation.roomId).toBe(first.reservation.roomId);
    await waitForState(second.room, (state) => state.players?.size === 2, 10_000, "both players in one room");
  });
});

describe("matchmaking across three processes", () => {
  it("puts players who ask three different processes in one room while it has seats, then opens another", async () => {
    const [a, b, c] = cluster;
    // A duel seats two: the third player must get a new room.
    const first = await seat(a.endpoint, "joinOrCreate", { mode: "duel" });
    const second = await seat(b.endpoint, "joinOrCreate", { mode: "duel" });
    const third = await seat(c.endpoint, "joinOrCreate", { mode: "duel" });
    expect(second.reservation.roomId).toBe(first.reservation.roomId);
    expect(third.reservation.roomId).not.toBe(first.reservation.roomId);
  });

  it("joins a room hosted on one process through another process's matchmaking", async () => {
    const host = await seat(cluster[0].endpoint, "create", { mode: "duel" });
    const hostProcess = cluster.find((p) => p.processId === host.reservation.processId)!;
    const other = cluster.find((p) => p !== hostProcess)!;

    const guest = await joinById(other.endpoint, host.reservation.roomId);

    expect(guest.reservation.processId).toBe(hostProcess.processId);
    expect(guest.reservation.publicAddress).toBe(`127.0.0.1:${hostProcess.port}`);
    // The guest's socket reached the host process: it sees both players in the room's state.
    await waitForState(guest.room, (state) => state.players?.size === 2, 10_000, "the guest to see both players");
  });

  it("delivers an operator's announcement to clients on every process", async () => {
    // Open rooms until every process hosts one of ours; placement spreads them by load.
    const listeners: Seat[] = [];
    const hosts = () => new Set(listeners.map((s) => s.reservation.processId));
    for (let i = 0; hosts().size < cluster.length && i < 40; i++) {
      listeners.push(await seat(cluster[i % cluster.length].endpoint, "create", { mode: "duel" }));
    }
    expect(hosts().size).toBe(cluster.length);

    const received = listeners.map((s) => nextMessage<{ text: string; sentAt: number }>(s.room, "announcement"));
    const response = await fetch(`${cluster[0].endpoint}/admin/announce`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ text: "Double XP this weekend" }),
    });
    expect(response.status).toBe(202);
    for (const announcement of await Promise.all(received)) {
      expect(announcement.text).toBe("Double XP this weekend");
      expect(Math.abs(announcement.sentAt - Date.now())).toBeLessThan(60_000);
    }
  });

  it("refuses an announcement without the operator token", async () => {
    const response = await fetch(`${cluster[0].endpoint}/admin/announce`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer wrong" },
      body: JSON.stringify({ text: "hello" }),
    });
    expect(response.status).toBe(401);
    expect((await response.json()).error).toMatch(/ADMIN_TOKEN/);
  });

  it("exposes CCU, rooms, tick time, patch bytes, messages, rejections, reconnects and event-loop delay at /metrics", async () => {
    const host = await seat(cluster[0].endpoint, "create", { mode: "ffa" });
    const process = cluster.find((p) => p.processId === host.reservation.processId)!;
    // A chat message makes sure "messages in" has a sample on this process.
    host.room.send("chat", { text: "gg" });
    await nextMessage(host.room, "chat");
    const text = await (await fetch(`${process.endpoint}/metrics`)).text();
    for (const series of [
      "tickforge_ccu ",
      'tickforge_rooms{room_type="arena"}',
      'tickforge_tick_duration_seconds_bucket{le="0.001",room_type="arena"}',
      'tickforge_patch_bytes_total{room_type="arena"}',
      'tickforge_messages_received_total{room_type="arena",kind="message"}',
      'tickforge_messages_sent_total{room_type="arena",kind="patch"}',
      "tickforge_rejected_messages_total",
      "tickforge_reconnects_total",
      "nodejs_eventloop_lag_p99_seconds",
      "tickforge_redis_up 1",
    ]) {
      expect(text, `missing ${series}`).toContain(series);
    }
  });
});

async function joinById(endpoint: string, roomId: string): Promise<Seat> {
  const s = await joinThrough(endpoint, "joinById", roomId);
  seats.push(s);
  return s;
}

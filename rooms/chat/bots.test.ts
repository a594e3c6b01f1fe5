/**
 * The chat bots (`npm run loadtest -- --room chat`) against two real
 * processes on a private Redis: channels span both (placement), direct
 * conversations cross between them (presence). These check correctness, not
 * speed: every acknowledged message is held exactly once by every member of
 * its channel, through a quiet run and through a storm of dropped sockets.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLoad, type LoadOptions } from "../../loadtest/coordinator.ts";
import { figuresOf } from "../../loadtest/figures.ts";
import { linearRamp } from "../../loadtest/schedule.ts";
import { killAll, startProcesses, startRedis, waitForPeers, type GameProcess, type TestRedis } from "../../test/scaling/support.ts";
import { chatLoadOf, conversationPeers, homeChannel, messageText, reconcile, sentAtOf, toRanges, type ChatAccount } from "./bots.ts";

let redis: TestRedis;
let cluster: GameProcess[];

beforeAll(async () => {
  redis = await startRedis();
  cluster = await startProcesses(2, redis.url);
  await waitForPeers(cluster, redis.port);
}, 60_000);

afterAll(() => killAll());

const BOTS = 24;

function fleet(behaviour: string): LoadOptions {
  return {
    endpoints: cluster.map((p) => p.endpoint),
    roomName: "chat",
    behaviour,
    workers: 2,
    schedule: linearRamp(BOTS, 1),
    durationSeconds: 14,
    link: { latencyMs: 0, jitterMs: 0, lossPercent: 0 },
    stormEverySeconds: 6,
    stormFraction: 0.5,
    // Channels of 4 users, 2 messages a second each, a third of them direct.
    params: { "channel-size": "4", rate: "2", direct: "0.33", size: "64" },
    steadyFrom: 1,
  };
}

describe("chat bots on two processes", () => {
  it("deliver every acknowledged message once to every member of its channel", async () => {
    const run = await runLoad(fleet("chat"));
    const { figures } = figuresOf(run);
    expect(figures.chat_users_accounted).toBe(BOTS);
    expect(figures.chat_acked).toBeGreaterThan(0);
    expect(figures.chat_expected_receipts).toBeGreaterThan(figures.chat_acked);
    expect(figures.chat_delivered).toBeGreaterThan(0);
    expect(figures.chat_lost).toBe(0);
    expect(figures.chat_duplicated).toBe(0);
    expect(figures.chat_unsynced).toBe(0);
  }, 120_000);

  it("lose and duplicate nothing when half the users lose their sockets at once", async () => {
    const run = await runLoad(fleet("storm"));
    const { figures } = figuresOf(run);
    expect(figures.disconnects_1006).toBeGreaterThan(0);
    expect(figures.chat_users_accounted).toBe(BOTS);
    expect(figures.chat_acked).toBeGreaterThan(0);
    expect(figures.chat_lost).toBe(0);
    expect(figures.chat_duplicated).toBe(0);
  }, 120_000);
});

describe("the chat bots' bookkeeping", () => {
  const load = chatLoadOf({ "channel-size": "4" });

  it("puts channel-size users in each channel and pairs each with the same seat of the channels either side", () => {
    expect([0, 3, 4, 11].map((i) => homeChannel(i, load))).toEqual(["load-0", "load-0", "load-1", "load-2"]);
    expect(conversationPeers({ bot: 1, size: 12 }, load).sort((a, b) => a - b)).toEqual([5, 9]);
  });

  it("carries the send time in a message of the chosen size", () => {
    const text = messageText(1_700_000_000_123.456, 7, 64);
    expect(text).toHaveLength(64);
    expect(sentAtOf(text)).toBe(1_700_000_000_123.456);
  });

  it("counts an acknowledged message a member does not hold as lost, and one shown twice as duplicated", () => {
    const sender: ChatAccount = { bot: 0, acked: [["load-0", 5], ["load-0", 6], ["load-0", 7]], channels: [{ channel: "load-0", from: 4, held: toRanges([5, 6, 7]) }], duplicated: 0, unsynced: 0 };
    const late: ChatAccount = { bot: 1, acked: [], channels: [{ channel: "load-0", from: 6, held: toRanges([7]) }], duplicated: 0, unsynced: 0 };
    const missing: ChatAccount = { bot: 2, acked: [], channels: [{ channel: "load-0", from: 4, held: toRanges([5, 7]) }], duplicated: 1, unsynced: 0 };
    expect(reconcile([sender, late, missing])).toMatchObject({ chat_acked: 3, chat_expected_receipts: 7, chat_lost: 1, chat_duplicated: 1 });
  });
});

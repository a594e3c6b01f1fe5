/**
 * A board room is durable: SIGKILL of its process on a private Redis right
 * after the server acknowledged a burst of ops, and every player resumes on
 * a survivor with the same session id, peer and role, on a board holding
 * every op that was acknowledged before the kill (rooms/board/README.md,
 * "Durable").
 */
import { Client } from "@colyseus/sdk";
import { afterAll, describe, expect, it } from "vitest";
import { BoardUser, newBoardId } from "../../rooms/board/testing.ts";
import { boardContent } from "../../rooms/board/model.ts";
import { BoardMessage } from "../../rooms/board/protocol.ts";
import { resumeSeat } from "../../shared/resume.ts";
import { GuestClient } from "../../tools/identity.ts";
import { killAll, redisCommand, startProcess, startRedis, waitForPeers, type GameProcess } from "../scaling/support.ts";

afterAll(() => killAll());

/** The same player's client asking `survivor`'s matchmaking, as a load balancer would send it once its process is gone. */
async function through(client: GuestClient, survivor: GameProcess): Promise<Client> {
  const { token } = await client.identity;
  const other = new Client(survivor.endpoint);
  other.auth.token = token;
  return other;
}

describe("a durable board across processes", () => {
  it("resumes every player on a survivor after SIGKILL, with the same session id, peer and role, and every acknowledged op", async () => {
    const redis = await startRedis();
    const env = { RECONNECT_SECONDS: "30" };
    const victim = await startProcess({ name: "victim", redisUrl: redis.url, env });
    await waitForPeers([victim], redis.port);

    const id = newBoardId();
    const ann = await BoardUser.join(new GuestClient(victim.endpoint, "Ann"), id);
    const { invite } = await ann.room.request(BoardMessage.share, {});
    const bob = await BoardUser.join(new GuestClient(victim.endpoint, "Bob"), id, { invite });
    const cid = await BoardUser.join(new GuestClient(victim.endpoint, "Cid"), id);
    const users = [ann, bob, cid];
    for (const user of users) user.room.reconnection.enabled = false; // its socket's address dies with the process; resumeSeat asks matchmaking
    expect(users.map((u) => u.role)).toEqual(["owner", "editor", "viewer"]);
    ann.addNote("before");
    bob.addNote("also before");
    await Promise.all([ann.settled(), bob.settled()]);

    const survivors = await Promise.all([1, 2].map((i) => startProcess({ name: `survivor-${i}`, redisUrl: redis.url, env })));
    await waitForPeers([victim, ...survivors], redis.port);

    // A burst, and the kill the moment the last op's acknowledgement reaches Bob: well inside any save delay.
    const burst = Array.from({ length: 8 }, (_, i) => ann.addNote(`burst ${i}`, i * 10, i * 10));
    await bob.until(() => burst.every((shape) => bob.connection.replica.serverBoard.shapes.has(shape)), "the burst acknowledged at Bob");
    victim.kill("SIGKILL");
    const acknowledged = boardContent(bob.connection.replica.serverBoard);
    const before = users.map((u) => ({ sessionId: u.room.sessionId, member: { ...u.room.state.members.get(u.room.sessionId).toJSON(), connected: true } }));

    const resumed = await Promise.all(users.map(async (user, i) => {
      const room = await resumeSeat(await through(user.client, survivors[i % 2]), user.room.reconnectionToken);
      const back = BoardUser.attach(room, user.userId);
      room.send(BoardMessage.resync); // the snapshot the room sends on reconnection may arrive before the listener above
      return await back;
    }));

    expect(resumed.map((u) => u.room.roomId)).toEqual(users.map((u) => u.room.roomId));
    for (const [i, user] of resumed.entries()) {
      expect(user.room.sessionId).toBe(before[i].sessionId);
      const member = await user.until(() => user.room.state.members.get(user.room.sessionId)?.connected && user.room.state.members.get(user.room.sessionId), "own seat connected again");
      expect(member.toJSON()).toEqual(before[i].member);
    }
    expect(boardContent(resumed[0].connection.replica.serverBoard)).toEqual(acknowledged);
    const restoredBy = survivors.filter((p) => p.logs.some((l) => l.msg === "room restored" && l.roomId === ann.room.roomId));
    expect(restoredBy).toHaveLength(1);
    // Matchmaking counts the three resumed players in the restored room's listing, as it would have counted them joining there.
    const listing = JSON.parse(await redisCommand(redis.port, ["HGET", "roomcaches", ann.room.roomId]) as string);
    expect(listing).toMatchObject({ processId: restoredBy[0].processId, clients: 3 });

    // The restored room holds the board's claim and goes on: Bob edits, Ann sees it.
    const [ann2, bob2] = resumed;
    const after = bob2.addNote("after");
    await ann2.until(() => ann2.connection.replica.serverBoard.shapes.has(after), "Bob's edit after the restore at Ann");
    await Promise.all(resumed.map((user) => user.leave()));
  }, 120_000);
});

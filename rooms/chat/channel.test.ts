import { describe, expect, it } from "vitest";
import {
  createGroup, directChannel, directChannelId, directPeer, invite, kindOf, matchChannel, may, mayBlock, maySend,
  publicChannel, remove, roleOf, setRole, typingDue, type Channel, type Change,
} from "./channel.ts";

function ok(change: Change): Channel {
  if (!change.ok) throw new Error(`refused: ${change.rejection.code} ${change.rejection.message}`);
  return change.channel;
}

/** A group owned by ann with moderator mod and member mem. */
function squad(maxMembers = 10): Channel {
  let group = createGroup("squad", "ann", maxMembers);
  group = ok(invite(group, "ann", "mod"));
  group = ok(invite(group, "ann", "mem"));
  return ok(setRole(group, "ann", "mod", "moderator"));
}

describe("channel ids", () => {
  it("say their kind, so no id names channels of two kinds", () => {
    expect(kindOf(publicChannel("global").id)).toBe("public");
    expect(kindOf(createGroup("squad", "ann").id)).toBe("group");
    expect(kindOf(matchChannel("r1", ["p1"]).id)).toBe("match");
    expect(kindOf(ok(directChannel("bob", "ann")).id)).toBe("direct");
  });

  it("refuse what no channel could be called", () => {
    for (const bad of ["", "group:", "secret:x", "dm:bob~ann", "dm:ann", "dm:ann~bob~cat"]) expect(kindOf(bad)).toBeUndefined();
    expect(() => publicChannel("dm:ann~bob")).toThrow(/no colon/);
  });
});

describe("public channels", () => {
  const global = publicChannel("global", { op: "owner", mod: "moderator" });

  it("let anyone read and send, as a member", () => {
    expect(roleOf(global, "stranger")).toBe("member");
    expect(may(global, "stranger", "read")).toEqual({ ok: true });
    expect(maySend(global, "stranger")).toEqual({ ok: true });
  });

  it("let a moderator remove a member but not a member remove anyone", () => {
    expect(remove(global, "mod", "stranger").ok).toBe(true);
    expect(remove(global, "stranger", "other")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });

  it("refuse invitations: there is no list to be invited to", () => {
    expect(invite(global, "op", "stranger")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });

  it("let the owner appoint and dismiss moderators", () => {
    const appointed = ok(setRole(global, "op", "helper", "moderator"));
    expect(roleOf(appointed, "helper")).toBe("moderator");
    const dismissed = ok(setRole(appointed, "op", "helper", "member"));
    expect(dismissed.roles.has("helper")).toBe(false);
    expect(setRole(global, "mod", "helper", "moderator")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });
});

describe("groups", () => {
  it("are readable and writable by members only", () => {
    const group = squad();
    expect(maySend(group, "mem")).toEqual({ ok: true });
    expect(maySend(group, "outsider")).toMatchObject({ ok: false, rejection: { code: "NOT_A_MEMBER", channel: "group:squad" } });
    expect(may(group, "outsider", "read")).toMatchObject({ ok: false, rejection: { code: "NOT_A_MEMBER" } });
  });

  it("let the owner and moderators invite, and not members", () => {
    expect(roleOf(ok(invite(squad(), "ann", "new")), "new")).toBe("member");
    expect(roleOf(ok(invite(squad(), "mod", "new")), "new")).toBe("member");
    expect(invite(squad(), "mem", "new")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN", message: "A member cannot invite people in the group squad." } });
  });

  it("refuse inviting a member twice, past the size limit, or someone who blocked the inviter", () => {
    expect(invite(squad(), "ann", "mem")).toMatchObject({ ok: false, rejection: { code: "ALREADY_MEMBER" } });
    expect(invite(squad(3), "ann", "fourth")).toMatchObject({ ok: false, rejection: { code: "GROUP_FULL" } });
    expect(invite(squad(), "ann", "new", true)).toMatchObject({ ok: false, rejection: { code: "BLOCKED" } });
  });

  it("let the owner remove anyone else and a moderator only members", () => {
    expect(ok(remove(squad(), "ann", "mod")).roles.has("mod")).toBe(false);
    expect(ok(remove(squad(), "mod", "mem")).roles.has("mem")).toBe(false);
    expect(remove(squad(), "mod", "ann")).toMatchObject({ ok: false, rejection: { code: "OUTRANKED", message: "A moderator cannot remove an owner." } });
    const twoMods = ok(setRole(ok(invite(squad(), "ann", "mod2")), "ann", "mod2", "moderator"));
    expect(remove(twoMods, "mod", "mod2")).toMatchObject({ ok: false, rejection: { code: "OUTRANKED" } });
    expect(remove(squad(), "mem", "mod")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });

  it("let members and moderators leave, but not the owner", () => {
    expect(ok(remove(squad(), "mem", "mem")).roles.has("mem")).toBe(false);
    expect(ok(remove(squad(), "mod", "mod")).roles.has("mod")).toBe(false);
    expect(remove(squad(), "ann", "ann")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });

  it("let only the owner change roles, and never the owner's own", () => {
    expect(setRole(squad(), "mod", "mem", "moderator")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
    expect(setRole(squad(), "ann", "ann", "member")).toMatchObject({ ok: false, rejection: { code: "OUTRANKED" } });
    expect(setRole(squad(), "ann", "outsider", "moderator")).toMatchObject({ ok: false, rejection: { code: "NOT_A_MEMBER" } });
  });

  it("never change the channel they were given", () => {
    const group = squad();
    ok(invite(group, "ann", "new"));
    ok(remove(group, "ann", "mem"));
    expect([...group.roles.keys()].sort()).toEqual(["ann", "mem", "mod"]);
  });
});

describe("match channels", () => {
  const match = matchChannel("r1", ["p1", "p2"]);

  it("hold the game's players and nobody else", () => {
    expect(match.id).toBe("match:r1");
    expect(maySend(match, "p1")).toEqual({ ok: true });
    expect(maySend(match, "spectator")).toMatchObject({ ok: false, rejection: { code: "NOT_A_MEMBER" } });
  });

  it("take no invitations and cannot be left: the game room decides who is in", () => {
    expect(invite(match, "p1", "friend")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
    expect(remove(match, "p1", "p1")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
    expect(remove(match, "p1", "p2")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });
});

describe("direct channels", () => {
  const dm = ok(directChannel("bob", "ann"));
  const noBlocks = { senderBlockedRecipient: false, recipientBlockedSender: false };

  it("have one id per pair, whoever opens them, and know the other side", () => {
    expect(dm.id).toBe(directChannelId("ann", "bob"));
    expect(directPeer(dm.id, "ann")).toBe("bob");
    expect(directPeer(dm.id, "bob")).toBe("ann");
    expect(directPeer(dm.id, "cat")).toBeUndefined();
    expect(directPeer("global", "ann")).toBeUndefined();
  });

  it("cannot be opened with yourself", () => {
    expect(directChannel("ann", "ann")).toMatchObject({ ok: false, rejection: { code: "SELF" } });
  });

  it("let either user send unless one has blocked the other", () => {
    expect(maySend(dm, "ann", noBlocks)).toEqual({ ok: true });
    expect(maySend(dm, "cat", noBlocks)).toMatchObject({ ok: false, rejection: { code: "NOT_A_MEMBER" } });
  });

  it("give a blocked sender a clear refusal", () => {
    expect(maySend(dm, "ann", { ...noBlocks, recipientBlockedSender: true })).toMatchObject({
      ok: false, rejection: { code: "BLOCKED", message: "This player has blocked you; your message was not delivered." },
    });
  });

  it("tell a sender who blocked the recipient to unblock first", () => {
    expect(maySend(dm, "ann", { ...noBlocks, senderBlockedRecipient: true })).toMatchObject({ ok: false, rejection: { code: "YOU_BLOCKED_THEM" } });
  });

  it("take no members and lose none", () => {
    expect(invite(dm, "ann", "cat")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
    expect(remove(dm, "ann", "bob")).toMatchObject({ ok: false, rejection: { code: "FORBIDDEN" } });
  });
});

describe("blocking", () => {
  it("refuses blocking yourself and a block list past its limit", () => {
    expect(mayBlock("ann", "ann", 0)).toMatchObject({ ok: false, rejection: { code: "SELF" } });
    expect(mayBlock("ann", "bob", 3, 3)).toMatchObject({ ok: false, rejection: { code: "BLOCK_LIST_FULL" } });
    expect(mayBlock("ann", "bob", 2, 3)).toEqual({ ok: true });
  });
});

describe("typing notices", () => {
  it("pass at most one per interval", () => {
    expect(typingDue(undefined, 1000, 3000)).toBe(true);
    expect(typingDue(1000, 3999, 3000)).toBe(false);
    expect(typingDue(1000, 4000, 3000)).toBe(true);
  });
});

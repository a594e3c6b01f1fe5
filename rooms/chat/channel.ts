/**
 * Who may do what in a channel. Pure functions over an immutable Channel:
 * a refusal is a returned Rejection with a sentence for the player, never a
 * throw, and a change returns the new Channel for the caller to store.
 *
 * A channel's id says its kind, so no id can name two channels of different
 * kinds (a group called "dm:ann~bob" cannot read ann and bob's messages):
 * `global` (public: no colon), `group:<name>`, `match:<room id>`,
 * `dm:<user>~<user>`. kindOf() reads it back.
 *
 * Kinds:
 * - public (`global`, `lobby`): anyone may read and send; only staff (owner,
 *   moderators) are listed; moderators may remove (kick) members.
 * - group: members only; the owner invites, removes and appoints moderators;
 *   moderators invite and remove members; anyone but the owner may leave.
 * - match: the game room's players, set by the game room; no invites.
 * - direct: exactly two users; nobody is added or removed; a block stops it.
 */
import { CHAT_LIMITS, type ChannelKind, type Rejection, type Role } from "./protocol.ts";

export interface Channel {
  readonly id: string;
  readonly kind: ChannelKind;
  /** Members and their roles. A public channel lists only its staff: everyone else is a member. */
  readonly roles: ReadonlyMap<string, Role>;
  readonly maxMembers: number;
}

export type ChannelAction = "read" | "send" | "invite" | "remove" | "setRole";

export type Verdict = { ok: true } | { ok: false; rejection: Rejection };
export type Change = { ok: true; channel: Channel } | { ok: false; rejection: Rejection };

/** What each role may do, by kind. Acting on another user also needs a higher rank than theirs. */
export const PERMISSIONS: Readonly<Record<ChannelKind, Readonly<Record<Role, readonly ChannelAction[]>>>> = Object.freeze({
  public: { owner: ["read", "send", "remove", "setRole"], moderator: ["read", "send", "remove"], member: ["read", "send"] },
  group: { owner: ["read", "send", "invite", "remove", "setRole"], moderator: ["read", "send", "invite", "remove"], member: ["read", "send"] },
  match: { owner: ["read", "send", "remove"], moderator: ["read", "send", "remove"], member: ["read", "send"] },
  direct: { owner: [], moderator: [], member: ["read", "send"] },
});

const RANK: Readonly<Record<Role, number>> = { owner: 3, moderator: 2, member: 1 };

const ACTION_WORDS: Record<ChannelAction, string> = {
  read: "read", send: "send messages", invite: "invite people", remove: "remove people", setRole: "change roles",
};

// ------------------------------------------------------------ opening channels

/** A public channel; `name` has no colon (those mark the other kinds). */
export function publicChannel(name: string, staff: Readonly<Record<string, "owner" | "moderator">> = {}): Channel {
  if (name.includes(":")) throw new Error(`Public channel names have no colon: "${name}"`);
  return { id: name, kind: "public", roles: new Map(Object.entries(staff)), maxMembers: Number.POSITIVE_INFINITY };
}

/** A new group named `name` (id `group:<name>`) with `owner` as its only member. */
export function createGroup(name: string, owner: string, maxMembers: number = CHAT_LIMITS.groupMembers): Channel {
  return { id: `group:${name}`, kind: "group", roles: new Map([[owner, "owner"]]), maxMembers };
}

/** The kind a channel id names, or undefined when it is none of them (refuse it as NO_SUCH_CHANNEL). */
export function kindOf(channelId: string): ChannelKind | undefined {
  const colon = channelId.indexOf(":");
  if (colon === -1) return channelId.length > 0 ? "public" : undefined;
  const rest = channelId.slice(colon + 1);
  if (rest.length === 0) return undefined;
  switch (channelId.slice(0, colon)) {
    case "group": return "group";
    case "match": return "match";
    case "dm": {
      const [a, b, extra] = rest.split("~");
      return a && b && extra === undefined && a < b ? "direct" : undefined;
    }
    default: return undefined;
  }
}

/** The id of a game room's match channel: the game and the client both derive it from the room id. */
export function matchChannelId(matchId: string): string {
  return `match:${matchId}`;
}

/** The channel a game room opens for its players; the game room itself acts as owner. */
export function matchChannel(matchId: string, players: readonly string[]): Channel {
  return { id: matchChannelId(matchId), kind: "match", roles: new Map(players.map((p) => [p, "member"])), maxMembers: players.length };
}

/** The one direct channel between two users, whichever of them opens it. */
export function directChannel(a: string, b: string): Change {
  if (a === b) return refuse("SELF", "You cannot send a direct message to yourself.");
  return { ok: true, channel: { id: directChannelId(a, b), kind: "direct", roles: new Map([[a, "member"], [b, "member"]]), maxMembers: 2 } };
}

/** Stable for the pair: "~" cannot occur in a user id (protocol.ts UserId). */
export function directChannelId(a: string, b: string): string {
  return a < b ? `dm:${a}~${b}` : `dm:${b}~${a}`;
}

/** The other user of a direct channel, or undefined when `channelId` is not `me`'s direct channel. */
export function directPeer(channelId: string, me: string): string | undefined {
  if (!channelId.startsWith("dm:")) return undefined;
  const [a, b] = channelId.slice(3).split("~");
  if (b === undefined) return undefined;
  return a === me ? b : b === me ? a : undefined;
}

// ------------------------------------------------------------ questions

/** The user's role here, or undefined when they are not in the channel. */
export function roleOf(channel: Channel, user: string): Role | undefined {
  return channel.roles.get(user) ?? (channel.kind === "public" ? "member" : undefined);
}

export function may(channel: Channel, user: string, action: ChannelAction): Verdict {
  const role = roleOf(channel, user);
  if (!role) return refuse("NOT_A_MEMBER", `You are not in ${describe(channel)}.`, channel);
  if (!PERMISSIONS[channel.kind][role].includes(action)) {
    return refuse("FORBIDDEN", `${capitalise(aRole(role))} cannot ${ACTION_WORDS[action]} in ${describe(channel)}.`, channel);
  }
  return { ok: true };
}

/** Whether either user of a direct channel has blocked the other; the Room reads both from the store. */
export interface DirectBlocks {
  senderBlockedRecipient: boolean;
  recipientBlockedSender: boolean;
}

/** May `user` send here? A direct channel also needs `blocks`. */
export function maySend(channel: Channel, user: string, blocks?: DirectBlocks): Verdict {
  const verdict = may(channel, user, "send");
  if (!verdict.ok || channel.kind !== "direct") return verdict;
  if (blocks?.recipientBlockedSender) return refuse("BLOCKED", "This player has blocked you; your message was not delivered.", channel);
  if (blocks?.senderBlockedRecipient) return refuse("YOU_BLOCKED_THEM", "You have blocked this player; unblock them to send a message.", channel);
  return verdict;
}

/** May `blocker` add `target` to their block list, which now holds `count`? */
export function mayBlock(blocker: string, target: string, count: number, max: number = CHAT_LIMITS.blocks): Verdict {
  if (blocker === target) return refuse("SELF", "You cannot block yourself.");
  if (count >= max) return refuse("BLOCK_LIST_FULL", `You can block at most ${max} players; unblock someone first.`);
  return { ok: true };
}

// ------------------------------------------------------------ changes

/** Add `target` as a member. `targetBlockedActor`: the target has blocked the inviter, which refuses the invite. */
export function invite(channel: Channel, actor: string, target: string, targetBlockedActor = false): Change {
  const verdict = may(channel, actor, "invite");
  if (!verdict.ok) return verdict;
  if (channel.roles.has(target)) return refuse("ALREADY_MEMBER", `${target} is already in ${describe(channel)}.`, channel);
  if (targetBlockedActor) return refuse("BLOCKED", `${target} has blocked you and cannot be invited by you.`, channel);
  if (channel.roles.size >= channel.maxMembers) return refuse("GROUP_FULL", `${describe(channel)} is full (${channel.maxMembers} members).`, channel);
  return { ok: true, channel: withRoles(channel, (roles) => roles.set(target, "member")) };
}

/** Take `target` out; `target === actor` is leaving, which anyone but an owner may do. */
export function remove(channel: Channel, actor: string, target: string): Change {
  const actorRole = roleOf(channel, actor);
  if (!actorRole) return refuse("NOT_A_MEMBER", `You are not in ${describe(channel)}.`, channel);
  if (actor === target) {
    if (channel.kind === "direct" || channel.kind === "match") return refuse("FORBIDDEN", `You cannot leave ${describe(channel)}.`, channel);
    if (actorRole === "owner") return refuse("FORBIDDEN", `An owner cannot leave ${describe(channel)}; make someone else owner first.`, channel);
    return { ok: true, channel: withRoles(channel, (roles) => roles.delete(actor)) };
  }
  const verdict = may(channel, actor, "remove");
  if (!verdict.ok) return verdict;
  const targetRole = roleOf(channel, target);
  if (!targetRole) return refuse("NOT_A_MEMBER", `${target} is not in ${describe(channel)}.`, channel);
  if (RANK[targetRole] >= RANK[actorRole]) return refuse("OUTRANKED", `${capitalise(aRole(actorRole))} cannot remove ${aRole(targetRole)}.`, channel);
  return { ok: true, channel: withRoles(channel, (roles) => roles.delete(target)) };
}

/** Make a member a moderator or a moderator a member (only the owner may). */
export function setRole(channel: Channel, actor: string, target: string, role: "moderator" | "member"): Change {
  const verdict = may(channel, actor, "setRole");
  if (!verdict.ok) return verdict;
  const targetRole = channel.roles.get(target) ?? (channel.kind === "public" ? "member" : undefined);
  if (!targetRole) return refuse("NOT_A_MEMBER", `${target} is not in ${describe(channel)}.`, channel);
  if (targetRole === "owner") return refuse("OUTRANKED", "The owner's role cannot be changed.", channel);
  return {
    ok: true,
    channel: withRoles(channel, (roles) => {
      // A public channel lists only staff, so a demoted moderator goes back to being unlisted.
      if (role === "member" && channel.kind === "public") roles.delete(target);
      else roles.set(target, role);
    }),
  };
}

// ------------------------------------------------------------ presence

/** Whether a typing notice sent at `lastAt` (undefined: never) leaves room for another at `now`. */
export function typingDue(lastAt: number | undefined, now: number, intervalMs: number = CHAT_LIMITS.typingIntervalMs): boolean {
  return lastAt === undefined || now - lastAt >= intervalMs;
}

// ------------------------------------------------------------ helpers

function withRoles(channel: Channel, edit: (roles: Map<string, Role>) => void): Channel {
  const roles = new Map(channel.roles);
  edit(roles);
  return { ...channel, roles };
}

function describe(channel: Channel): string {
  switch (channel.kind) {
    case "public": return `#${channel.id}`;
    case "group": return `the group ${channel.id.slice("group:".length)}`;
    case "match": return "this match's chat";
    case "direct": return "this conversation";
  }
}

function aRole(role: Role): string {
  return role === "owner" ? "an owner" : `a ${role}`;
}

function capitalise(text: string): string {
  return text[0].toUpperCase() + text.slice(1);
}

function refuse(code: Rejection["code"], message: string, channel?: Channel): { ok: false; rejection: Rejection } {
  return { ok: false, rejection: { code, message, ...(channel ? { channel: channel.id } : {}) } };
}

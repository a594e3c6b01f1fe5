/** What every member of a channel sees live: who is here, with their role. Messages travel as messages, not state. */
import { schema, t, type SchemaType } from "@colyseus/schema";

export const ChatMember = schema({ name: t.string().default(""), role: t.string().default("member") }, "ChatMember");
export type ChatMember = SchemaType<typeof ChatMember>;

export const ChatState = schema({ channel: t.string().default(""), members: t.map(ChatMember) }, "ChatState");
export type ChatState = SchemaType<typeof ChatState>;

/** Chat: one room per channel (public, group, match or direct), with history, presence, typing, roles, receipts and direct messages. */
import { defineRoomType } from "../../server/room/room-type.ts";
import { ChatRoom } from "./ChatRoom.ts";
import { chatSettings } from "./settings.ts";

export const chat = defineRoomType({
  name: "chat",
  title: "Chat",
  summary: "Channels, groups and direct messages between players, with history.",
  room: ChatRoom,
  settings: chatSettings,
  filterBy: ["channel"],
  // Scenes join their channels; it is not a game on the title screen.
  listed: false,
  stateBufferBytes: 32 * 1024,
  // Outlives its process: history is in the Store already, so a snapshot is the members present (server/room/durable.ts).
  durable: { version: 1 },
  drainNotice: "This server is restarting; chat reconnects by itself and nothing you sent is lost.",
  bots: () => import("./bots.ts"),
});

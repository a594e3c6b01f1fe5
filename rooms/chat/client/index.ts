/**
 * Chat in the Phaser client: the panel and the notification toasts over
 * every scene. The toasts come from the player's live notifications
 * (NotificationFeed), heard on every room the player is in: their chat
 * sockets (the title screen included) and their game room. Chat is
 * not a game on the title screen (its descriptor is unlisted), so instead of
 * a RoomClientModule it brings `mountChat`, which the client's shell calls
 * once the game has booted. The panel follows the session: the match channel
 * of the game room the player is in is joined with it and left with it.
 */
import type * as Phaser from "phaser";
import type { GameSession } from "../../../game-client/src/kit.ts";
import { NotificationFeed, type Notification } from "../../../game-client/src/net/notifications.ts";
import { closeSkippedOnOffline } from "../../../game-client/src/net/offline.ts";
import { ChatClient } from "./chat-client.ts";
import { ChatPanel, type Toast } from "./ChatPanel.ts";

export { ChatClient } from "./chat-client.ts";
export { ChatPanel } from "./ChatPanel.ts";

/** Scenes where Enter already means something (PLAY), so it does not open the chat there. */
const ENTER_TAKEN = ["Title"];

export interface MountedChat {
  chat: ChatClient;
  panel: ChatPanel;
  feed: NotificationFeed;
  dispose(): void;
}

export function mountChat(game: Phaser.Game, session: GameSession): MountedChat {
  const chat = new ChatClient(session);
  const parent = game.domContainer ?? (game.canvas.parentElement as HTMLElement);
  const panel = new ChatPanel(chat, parent, {
    enterOpens: () => !ENTER_TAKEN.some((key) => game.scene.isActive(key)),
    // The input swallows key-ups too: a key held when it took focus would stay down in every scene.
    onFocus: () => { for (const scene of game.scene.getScenes(true)) scene.input?.keyboard?.resetKeys(); },
  });
  const feed = new NotificationFeed();
  const offs = [
    feed.subscribe((notification) => {
      const channel = typeof notification.data?.channel === "string" ? notification.data.channel : undefined;
      if (channel === undefined || !chat.onScreen(channel)) panel.toast(toastOf(notification, chat, channel));
    }),
    chat.on("room", (room) => { feed.listen(room); }),
    session.on("room", (room) => {
      feed.listen(room);
      chat.setMatch(room.roomId);
      // A game starts with the chat folded to its tab, so it covers none of the game; Enter opens it.
      if (!panel.inputFocused) panel.close();
    }),
    session.on("state", (state) => {
      if (state !== "idle" && state !== "expired" && state !== "kicked" && state !== "failed") return;
      chat.setMatch(undefined);
      panel.open(false); // back on the title screen, where the chat is open beside the menu
    }),
  ];
  // The chat's sockets make the SDK's offline handling skip some (net/offline.ts): close every one the page holds.
  offs.push(closeSkippedOnOffline(() => [session.room, session.lobby.room, ...chat.rooms()]));
  if (session.room) chat.setMatch(session.room.roomId);
  // Signing in fails while the server is unreachable: try again, backing off, until it answers.
  let retry: ReturnType<typeof setTimeout> | undefined;
  const begin = (attempt: number): void => {
    chat.start().catch((error: Error) => {
      console.warn(`Tickforge: chat could not start (${error.message}); retrying`);
      retry = setTimeout(() => begin(attempt + 1), Math.min(8000, 500 * 2 ** attempt));
    });
  };
  begin(0);
  offs.push(() => clearTimeout(retry));
  return {
    chat,
    panel,
    feed,
    dispose() {
      for (const off of offs) off();
      panel.dispose();
      chat.dispose();
    },
  };
}

/** A notification as a toast: its sentence, and for a message the text itself once its line is here. */
function toastOf(notification: Notification, chat: ChatClient, channel: string | undefined): Toast {
  const seq = notification.data?.seq;
  const preview = notification.kind === "message" && channel !== undefined && typeof seq === "number"
    ? () => chat.lineAt(channel, seq)?.text
    : undefined;
  return {
    title: notification.text,
    text: "",
    ...(channel === undefined ? {} : { channel }),
    ...(preview ? { preview } : {}),
    tone: notification.kind === "announcement" ? "announcement" : "message",
  };
}

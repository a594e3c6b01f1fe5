/**
 * How bots chat (`npm run loadtest -- --room chat`): every bot sits in the
 * public "global" channel and says a line every few seconds, as a person
 * would, and times each line from its send to the server's acknowledgement
 * (the line is stored) for the fleet's ack figure.
 */
import type { Behaviour, BotContext, BotPlayer } from "../../loadtest/behaviour.ts";
import { ChatMessage, type Ack, type Rejection, type SendRequest } from "./protocol.ts";

/** How long a bot waits between its lines (ms), drawn uniformly. */
export const BOT_CHAT_PACE = Object.freeze({ minMs: 2000, maxMs: 6000 });

const CHANNEL = "global";

/** Says a line at a human pace; a line sent before a drop is never timed, its ack may have been lost with the socket. */
function talker({ room, rng, acknowledged }: BotContext): BotPlayer {
  const sentAt = new Map<string, number>();
  let count = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const say = () => {
    timer = setTimeout(() => {
      if (room.connection.isOpen) {
        const id = `${room.sessionId}-${++count}`;
        sentAt.set(id, performance.now());
        room.send(ChatMessage.send, { channel: CHANNEL, id, text: `line ${count} from a bot` } satisfies SendRequest);
      }
      say();
    }, BOT_CHAT_PACE.minMs + rng() * (BOT_CHAT_PACE.maxMs - BOT_CHAT_PACE.minMs));
  };
  room.onMessage(ChatMessage.ack, (ack: Ack) => {
    const at = sentAt.get(ack.id);
    if (at === undefined) return;
    sentAt.delete(ack.id);
    acknowledged(performance.now() - at);
  });
  room.onMessage(ChatMessage.rejected, (rejection: Rejection) => { if (rejection.id) sentAt.delete(rejection.id); });
  room.onDrop(() => sentAt.clear());
  say();
  return { stop() { clearTimeout(timer); } };
}

/** The chat room's bot behaviours, by name, for the fleet (loadtest/). */
export const behaviours: Record<string, Behaviour> = {
  /** Sits in the global channel and says a line every 2–6 s. */
  talk: { session: "stay", decodesPatches: true, joinOptions: { channel: CHANNEL }, play: talker },
};

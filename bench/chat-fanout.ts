/**
 * One side's chat users for `npm run bench:chat` (bench/chat-socketio.ts),
 * forked with IPC: `users` users in channels of `channelSize`, each sending
 * `rate` messages a second of `size` characters (the send time first, as
 * the chat bots write it), to a Tickforge chat room (`@colyseus/sdk`, guest
 * tokens, `chat:send`) or to the Socket.IO reference
 * (bench/socketio-chat-server.ts, `socket.io-client`). It counts what the
 * server acknowledged and every line it delivered, the sender's own copy
 * included on both sides, and times send → delivery.
 */
import "../loadtest/node-socket.ts";
import { Client, type Room } from "@colyseus/sdk";
import { io, type Socket } from "socket.io-client";
import { botFetch } from "../loadtest/bot-http.ts";
import { encode, newHistogram, recordMs } from "../loadtest/histogram.ts";
import { requestGuestToken } from "../shared/guest-api.ts";
import { messageText, sentAtOf } from "../rooms/chat/bots.ts";
import { newMessageId } from "../rooms/chat/delivery.ts";
import { ChatMessage } from "../rooms/chat/protocol.ts";

export type FanoutSide = "tickforge" | "socketio";

export interface FanoutPlan {
  side: FanoutSide;
  endpoint: string;
  users: number;
  channelSize: number;
  /** Messages per user per second. */
  rate: number;
  size: number;
}

export type ToFanout = { type: "start"; plan: FanoutPlan } | { type: "go" } | { type: "read" } | { type: "stop" };
export type FromFanout =
  | { type: "ready"; connected: number }
  | { type: "counts"; sent: number; acked: number; delivered: number; delivery: string; cpuUs: number }
  | { type: "error"; message: string };

/** Users connecting at once. */
const CONNECT_CONCURRENCY = 16;

interface User {
  send(channel: string, id: string, text: string): void;
  close(): void;
}

let sent = 0, acked = 0, delivered = 0;
let delivery = newHistogram();
const users: { user: User; channel: string; index: number }[] = [];
const timers: ReturnType<typeof setTimeout>[] = [];
const now = () => performance.timeOrigin + performance.now();

function received(text: string): void {
  delivered++;
  const at = sentAtOf(text);
  if (Number.isFinite(at)) recordMs(delivery, now() - at);
}

async function tickforgeUser(endpoint: string, index: number, channel: string): Promise<User> {
  const client = new Client(endpoint, { fetchFn: botFetch as never } as never);
  client.auth.token = (await requestGuestToken(endpoint, `user ${index}`, botFetch as never)).token;
  const room: Room = await client.joinOrCreate("chat", { channel, name: `user ${index}` });
  room.onMessage("*", () => undefined);
  room.onMessage(ChatMessage.ack, () => { acked++; });
  room.onMessage(ChatMessage.line, (line: { text: string }) => received(line.text));
  return {
    send: (ch, id, text) => room.send(ChatMessage.send, { channel: ch, id, text }),
    close: () => void room.leave(true),
  };
}

async function socketioUser(endpoint: string, _index: number, channel: string): Promise<User> {
  const socket: Socket = io(endpoint, { transports: ["websocket"], forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => { socket.once("connect", resolve); socket.once("connect_error", reject); });
  await socket.emitWithAck("join", channel);
  socket.on("line", (line: { text: string }) => received(line.text));
  return {
    send: (ch, id, text) => socket.emit("send", { channel: ch, id, text }, () => { acked++; }),
    close: () => socket.close(),
  };
}

async function connect(plan: FanoutPlan): Promise<void> {
  const make = plan.side === "tickforge" ? tickforgeUser : socketioUser;
  let next = 0;
  await Promise.all(Array.from({ length: CONNECT_CONCURRENCY }, async () => {
    while (next < plan.users) {
      const index = next++;
      const channel = `fanout-${Math.floor(index / plan.channelSize)}`;
      users.push({ user: await make(plan.endpoint, index, channel), channel, index });
    }
  }));
}

function go(plan: FanoutPlan): void {
  for (const { user, channel, index } of users) {
    // Exponential gaps with mean 1/rate: users do not send in step.
    const next = () => {
      timers[index] = setTimeout(() => {
        sent++;
        user.send(channel, newMessageId(), messageText(now(), index, plan.size));
        next();
      }, (-Math.log(1 - Math.random()) / plan.rate) * 1000);
    };
    next();
  }
}

const send = (message: FromFanout) => process.send?.(message);
let plan: FanoutPlan | undefined;
let cpu = process.cpuUsage();

process.on("message", (message: ToFanout) => {
  if (message.type === "start") {
    plan = message.plan;
    connect(plan).then(() => send({ type: "ready", connected: users.length }), (error: Error) => send({ type: "error", message: error.message }));
  } else if (message.type === "go") {
    go(plan!);
  } else if (message.type === "read") {
    const used = process.cpuUsage(cpu);
    cpu = process.cpuUsage();
    send({ type: "counts", sent, acked, delivered, delivery: delivery.totalCount ? encode(delivery) : "", cpuUs: used.user + used.system });
    sent = acked = delivered = 0;
    delivery.destroy();
    delivery = newHistogram();
  } else if (message.type === "stop") {
    for (const timer of timers) clearTimeout(timer);
    for (const { user } of users) user.close();
    setTimeout(() => process.exit(0), 500);
  }
});
process.on("disconnect", () => process.exit(0));
if (!process.env.LOADTEST_DEBUG) console.info = console.warn = () => {};

/**
 * The Socket.IO reference for `npm run bench:chat` (bench/chat-socketio.ts):
 * channels as Socket.IO rooms, the fan-out a Socket.IO chat server does in
 * its tutorial form. A client joins a channel (`join`, acknowledged); a
 * `send` `{ channel, id, text }` is numbered per channel, acknowledged with
 * `{ id, seq, ts }` through Socket.IO's acknowledgement, and emitted to the
 * room (the sender included, as the Tickforge chat room broadcasts to it).
 * Nothing is stored, validated or deduplicated: it is the floor a chat
 * server's fan-out costs on Socket.IO. Prints `listening <port>` when ready.
 *
 * node bench/socketio-chat-server.ts --port 0
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Server } from "socket.io";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 0;

const http = createServer();
// WebSocket only, as the Tickforge client connects: no long-polling handshake or upgrade.
const io = new Server(http, { transports: ["websocket"], serveClient: false });
const seqs = new Map<string, number>();

io.on("connection", (socket) => {
  socket.on("join", (channel: unknown, ack?: (ok: boolean) => void) => {
    if (typeof channel !== "string") return ack?.(false);
    void socket.join(channel);
    ack?.(true);
  });
  socket.on("send", (message: { channel?: unknown; id?: unknown; text?: unknown }, ack?: (reply: unknown) => void) => {
    const { channel, id, text } = message ?? {};
    if (typeof channel !== "string" || typeof id !== "string" || typeof text !== "string" || !socket.rooms.has(channel)) return;
    const seq = (seqs.get(channel) ?? 0) + 1;
    seqs.set(channel, seq);
    const ts = Date.now();
    ack?.({ channel, id, seq, ts });
    io.to(channel).emit("line", { channel, seq, ts, id, from: socket.id, name: socket.id, text });
  });
});

http.listen(port, "127.0.0.1", () => {
  console.log(`listening ${(http.address() as AddressInfo).port}`);
});
process.on("SIGTERM", () => { io.close(); process.exit(0); });

/**
 * server/patches holds fixes to Colyseus's own packages and to `ws`, applied
 * by patch-package after every `npm install` (docs/operations.md, "Patches to
 * dependencies"). These specs fail when an upgrade leaves a patch behind or
 * when a patch did not take.
 */
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { readdirSync, readFileSync } from "node:fs";
import type { AddressInfo, Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { requestFromIPC, subscribeIPC } from "@colyseus/core";
import { RedisPresence } from "@colyseus/redis-presence";
import { schema, t } from "@colyseus/schema";
import { InputDecoder, InputEncoder } from "@colyseus/schema/input";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { startRedis, type TestRedis } from "../test/scaling/support.ts";
import { StickInput } from "../test/fixtures/stick-input.ts";


const SERVER = dirname(fileURLToPath(import.meta.url));
const PATCHES = join(SERVER, "patches");

/** `@colyseus+core+0.18.17.patch` → ["@colyseus/core", "0.18.17"] */
function patchTarget(file: string): [string, string] {
  const match = /^(.+)\+([^+]+)\.patch$/.exec(file);
  if (!match) throw new Error(`${file} is not named <package>+<version>.patch`);
  return [match[1].replace("+", "/"), match[2]];
}

/** A ws server on loopback with one client connected: both ends of the one connection. */
async function connectedPair(): Promise<{ server: WebSocketServer; client: WebSocket; serverSide: WebSocket }> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const accepted = once(server, "connection");
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  const [serverSide] = (await accepted) as [WebSocket];
  await once(client, "open");
  return { server, client, serverSide };
}

describe("patches to dependencies", () => {
  it("each patch is for the version of its package that is installed", () => {
    const files = readdirSync(PATCHES).filter((f) => f.endsWith(".patch"));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const [name, version] = patchTarget(file);
      const installed = JSON.parse(readFileSync(join(SERVER, "..", "node_modules", name, "package.json"), "utf8")).version;
      expect(installed, `${file}: ${name} ${installed} is installed; refresh the patch (npx patch-package ${name} --patch-dir server/patches) or drop it`).toBe(version);
    }
  });

  it("an input decoder reads an input from an offset inside a larger frame, as the room's decode now passes it", () => {
    const sent = new StickInput();
    sent.moveX = -1;
    sent.moveY = 1;
    sent.fire = true;
    const body = new InputEncoder(sent).encode();
    const frame = new Uint8Array(3 + body.length);
    frame.set([0xff, 0xff, 0xff]); // the protocol prefix the room has already read
    frame.set(body, 3);

    const received = new StickInput();
    new InputDecoder(received).decode(frame, { offset: 3 });

    expect({ moveX: received.moveX, moveY: received.moveY, fire: received.fire }).toEqual({ moveX: -1, moveY: 1, fire: true });
  });

  describe("client-supplied lengths and counts in input frames", () => {
    /**
     * Run `code` (an ES module) in its own Node process, killed after 10 s:
     * without the patches these frames loop forever, and a loop in this worker
     * could not be interrupted. Returns what the module printed.
     */
    function bounded(code: string): string {
      const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: join(SERVER, ".."), timeout: 10_000, encoding: "utf8" });
      if (run.error || run.status !== 0) throw new Error(`${run.error?.message ?? `exit ${run.status}`}\n${run.stderr}`);
      return run.stdout.trim();
    }

    it("an unreliable-input decoder refuses a negative slot length (the body of [0x14, 0x00, 0xff]) and decodes nothing, instead of looping", () => {
      const out = bounded(`
        import { InputDecoder } from "@colyseus/schema/input";
        import { schema, t } from "@colyseus/schema";
        const Input = schema({ moveX: t.int8() }, "Input");
        let decoded = 0;
        const decoder = new InputDecoder(new Input());
        for (const frame of [[0x00, 0xff], [0x00, 0x02, 0x80, 0x01, 0xfd], [0x00, 0x05, 0x80], [0xff, 0x00]]) {
          try { decoder.decodeAll(new Uint8Array(frame), () => decoded++); console.log("accepted"); }
          catch (error) { console.log(error.name); }
        }
        console.log(decoded);
      `);
      expect(out.split("\n")).toEqual(["RangeError", "RangeError", "RangeError", "RangeError", "0"]);
    });

    it("an unreliable-input decoder still reads a well-formed ring", () => {
      const out = bounded(`
        import { InputDecoder } from "@colyseus/schema/input";
        import { schema, t } from "@colyseus/schema";
        const Input = schema({ moveX: t.int8() }, "Input");
        const seen = [];
        new InputDecoder(new Input()).decodeAll(new Uint8Array([7, 2, 0x80, 0x01, 0, 2, 0x80, 0xff]), (input, seq) => seen.push([seq, input.moveX]));
        console.log(JSON.stringify(seen));
      `);
      expect(JSON.parse(out)).toEqual([[7, 1], [8, 1], [9, -1]]);
    });

    it("a room refuses an unreliable input whose stamp block declares 2^31 slots, instead of building that array", () => {
      const out = bounded(`
        import { RoomInput } from "@colyseus/core/input/RoomInput";
        import { schema, t } from "@colyseus/schema";
        const Input = schema({ moveX: t.int8() }, "Input");
        const room = { _timelineMode: () => ({ reckon: true }), clock: { elapsedTime: 0 }, patchRate: 50 };
        const input = new RoomInput(room);
        input.define(Input, { bufferMaxSize: 4 });
        const client = {};
        input.allocate(client);
        console.error = () => {}; // the refusal is logged
        const frame = Buffer.from([0x94, 0xce, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 2, 0x80, 0x01]);
        input.decodeUnreliable(client, frame, 0x80);
        console.log(client._inputBuffer.size);
        const wellFormed = Buffer.from([0x94, 1, 10, 0, 0, 0, 0, 2, 0x80, 0x01]);
        input.decodeUnreliable(client, wellFormed, 0x80);
        console.log(client._inputBuffer.size);
      `);
      expect(out.split("\n")).toEqual(["0", "1"]);
    });
  });

  describe("over Redis, a request to another process", () => {
    let redis: TestRedis;
    let presence: RedisPresence;
    beforeAll(async () => { redis = await startRedis(); presence = new RedisPresence(redis.url); });
    afterAll(async () => { presence.shutdown(); await redis.stop(); });

    it("fails at once when no process listens on its channel, instead of at its timeout", async () => {
      const started = performance.now();
      await expect(requestFromIPC(presence, "p:a-process-that-died", "healthcheck", [], 20_000)).rejects.toThrow("ipc_timeout");
      expect(performance.now() - started).toBeLessThan(10_000);
    });

    it("still gets its answer when a process listens", async () => {
      await subscribeIPC(presence, "p:a-live-process", (method) => (method === "healthcheck" ? "alive" : undefined));
      await expect(requestFromIPC(presence, "p:a-live-process", "healthcheck", [], 20_000)).resolves.toBe("alive");
    });
  });

  describe("a ws server's binary messages", () => {
    let server: WebSocketServer;
    let client: WebSocket;
    let serverSide: WebSocket;
    /** Buffers the server's side handed its TCP socket since the last reset. */
    let chunks = 0;
    beforeAll(async () => {
      ({ server, client, serverSide } = await connectedPair());
      // Corked writes reach the socket as one _writev call with every buffer in it.
      const socket = (serverSide as unknown as { _socket: Socket })._socket;
      const write = socket._write.bind(socket);
      const writev = socket._writev!.bind(socket);
      socket._write = (chunk, encoding, callback) => { chunks++; write(chunk, encoding, callback); };
      socket._writev = (list, callback) => { chunks += list.length; writev(list, callback); };
    });
    afterAll(async () => {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    });

    /** Send `size` bytes from the server; resolves with how many buffers the socket was given once they arrive. */
    async function send(size: number): Promise<number> {
      const sent = Buffer.alloc(size, 7);
      sent[0] = 1;
      sent[size - 1] = 2;
      chunks = 0;
      const arrived = once(client, "message");
      serverSide.send(sent);
      const [received] = (await arrived) as [Buffer];
      expect(received.equals(sent)).toBe(true);
      return chunks;
    }

    it("go to the socket as one buffer, header and payload together, when the payload is small", async () => {
      expect(await send(100)).toBe(1);
    });

    it("go as header and payload, uncopied, when the payload is large", async () => {
      expect(await send(64 * 1024)).toBe(2);
    });

    it("arrive whole from a ws client too, whose small frames are masked into the one buffer", async () => {
      const sent = Buffer.from([3, 1, 4, 1, 5, 9, 2, 6]);
      const arrived = once(serverSide, "message");
      client.send(sent);
      const [received] = (await arrived) as [Buffer];
      expect(received.equals(sent)).toBe(true);
      expect(sent.equals(Buffer.from([3, 1, 4, 1, 5, 9, 2, 6]))).toBe(true); // masked into the copy, not in place
    });
  });

  describe("a ws server's incoming frames", () => {
    let server: WebSocketServer;
    let client: WebSocket;
    let serverSide: WebSocket;
    /** The client's TCP socket, for writing frames byte by byte. */
    let raw: Socket;
    /** Chunks the server's receiver took through its stream (`write()`) since the last reset. */
    let streamed = 0;
    beforeAll(async () => {
      ({ server, client, serverSide } = await connectedPair());
      raw = (client as unknown as { _socket: Socket })._socket;
      const receiver = (serverSide as unknown as { _receiver: { write(chunk: Buffer): boolean } })._receiver;
      const write = receiver.write.bind(receiver);
      receiver.write = (chunk: Buffer) => { streamed++; return write(chunk); };
    });
    afterAll(async () => {
      client.terminate();
      await new Promise((resolve) => server.close(resolve));
    });

    /** A client frame: FIN and `opcode`, masked with a fixed key, 7- or 16-bit length. */
    function frame(payload: Buffer, { opcode = 2, fin = true, masked = true } = {}): Buffer {
      const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
      const length = payload.length < 126 ? Buffer.from([payload.length]) : Buffer.from([126, payload.length >> 8, payload.length & 0xff]);
      length[0] |= masked ? 0x80 : 0;
      const body = Buffer.from(payload.map((b, i) => (masked ? b ^ key[i % 4] : b)));
      return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode]), length, masked ? key : Buffer.alloc(0), body]);
    }

    /** The next `count` messages the server's side delivers. */
    function messages(count: number): Promise<{ data: Buffer; isBinary: boolean }[]> {
      return new Promise((resolve) => {
        const got: { data: Buffer; isBinary: boolean }[] = [];
        const onMessage = (data: Buffer, isBinary: boolean) => {
          got.push({ data: Buffer.from(data), isBinary });
          if (got.length === count) { serverSide.off("message", onMessage); resolve(got); }
        };
        serverSide.on("message", onMessage);
      });
    }

    it("deliver a whole binary frame that arrives alone without the receiver's stream, unmasked", async () => {
      for (const size of [8, 125, 126, 300]) {
        const sent = Buffer.alloc(size, 5);
        sent[0] = 1;
        streamed = 0;
        const arrived = messages(1);
        client.send(sent);
        const [message] = await arrived;
        expect(message.data.equals(sent), `${size} bytes`).toBe(true);
        expect(message.isBinary).toBe(true);
        expect(streamed, `${size} bytes`).toBe(0);
      }
    });

    it("deliver a server's small frame to a client that reads ArrayBuffers (as the SDK does) without the stream, as an ArrayBuffer", async () => {
      const clientReceiver = (client as unknown as { _receiver: { write(chunk: Buffer): boolean } })._receiver;
      let clientStreamed = 0;
      const write = clientReceiver.write.bind(clientReceiver);
      clientReceiver.write = (chunk: Buffer) => { clientStreamed++; return write(chunk); };
      client.binaryType = "arraybuffer";
      try {
        const sent = Buffer.from([2, 7, 1, 8, 2, 8]);
        const arrived = once(client, "message");
        serverSide.send(sent);
        const [received] = (await arrived) as [ArrayBuffer];
        expect(received).toBeInstanceOf(ArrayBuffer);
        expect(Buffer.from(received).equals(sent)).toBe(true);
        expect(clientStreamed).toBe(0);
      } finally {
        client.binaryType = "nodebuffer";
        clientReceiver.write = write;
      }
    });

    it("put a frame split over two socket reads back together", async () => {
      const whole = frame(Buffer.from("split across two reads"));
      const serverSocket = (serverSide as unknown as { _socket: Socket })._socket;
      const arrived = messages(1);
      const firstRead = once(serverSocket, "data");
      raw.write(whole.subarray(0, 5));
      await firstRead;
      raw.write(whole.subarray(5));
      const [message] = await arrived;
      expect(message.data.toString()).toBe("split across two reads");
    });

    it("deliver two frames that arrive in one read, in order", async () => {
      const arrived = messages(2);
      raw.write(Buffer.concat([frame(Buffer.from("first")), frame(Buffer.from("second"))]));
      expect((await arrived).map((m) => m.data.toString())).toEqual(["first", "second"]);
    });

    it("still parse text and fragmented messages in full", async () => {
      const arrived = messages(2);
      client.send("some text");
      raw.write(Buffer.concat([frame(Buffer.from("frag"), { fin: false }), frame(Buffer.from("mented"), { opcode: 0 })]));
      const [text, fragmented] = await arrived;
      expect({ text: text.data.toString(), isBinary: text.isBinary }).toEqual({ text: "some text", isBinary: false });
      expect({ text: fragmented.data.toString(), isBinary: fragmented.isBinary }).toEqual({ text: "fragmented", isBinary: true });
    });

    it("still refuse an unmasked frame from a client, closing with 1002", async () => {
      const closed = once(client, "close");
      const refused = once(serverSide, "error");
      raw.write(frame(Buffer.from("no mask"), { masked: false }));
      const [error] = (await refused) as [Error & { code: string }];
      expect(error.code).toBe("WS_ERR_EXPECTED_MASK");
      const [code] = (await closed) as [number];
      expect(code).toBe(1002);
    });
  });
});

/**
 * An SDK client that measures its own socket, the way a player's network tab
 * would: bytes and messages each way (counted as WebSocket frames), state-patch
 * arrival times, and the input-to-acknowledgement round trip. It also puts a
 * link conditioner between the socket and the SDK.
 *
 * It hooks the SDK at its transport seam (Connection.events / transport.send)
 * rather than replacing the socket, so joins, the handshake, reconnection and
 * input encoding are the SDK's own code paths, exactly as in the browser. Only
 * the HTTP client under the matchmaking request differs (loadtest/bot-http.ts).
 */
import WebSocket from "ws";
import { Client, Protocol, Room, type FetchFn, type InputHandle } from "@colyseus/sdk";
import { PROTOCOL_CODE_MASK } from "@colyseus/shared-types";
import { recordMs } from "./histogram.ts";
import { ArrivalJitter } from "../shared/interpolation.ts";
import { LinkConditioner, type LinkSettings } from "../shared/link.ts";
import type { Meter } from "./meter.ts";
import { botFetch } from "./bot-http.ts";

/** Sent-input timestamps kept for the ack round trip: 1024 inputs is 34 s at 30 Hz. */
const SEND_RING = 1024;

/** Bytes a WebSocket frame adds to its payload; client frames also carry a 4-byte mask. */
export function frameOverhead(length: number, masked: boolean): number {
  return (length < 126 ? 2 : length < 65536 ? 4 : 10) + (masked ? 4 : 0);
}

export interface ProbeOptions {
  meter: Meter;
  link: LinkSettings;
  /**
   * Decode state patches (true), or only read their envelope (false): the ack
   * and server clock in the TIMED prefix, arrival time and size. Every figure
   * the tester reports comes from the envelope, so skipping the schema decode
   * changes none of them; it only means `room.state` stops updating after the
   * first full state.
   */
  decodePatches: boolean;
}

export class SocketProbe {
  readonly meter: Meter;
  readonly options: ProbeOptions;
  private input: InputHandle<any> | undefined;
  private sentAt = new Float64Array(SEND_RING);
  private lastAcked = 0;
  private epoch = 0;
  private lastPatchAt = 0;
  /** Each patch's lateness behind the fastest recent one: the browser's arrival-jitter definition. */
  private arrivals = new ArrivalJitter();
  /** The browser's link conditioner; undefined on a clean link, so frames skip it entirely. */
  private link: LinkConditioner | undefined;
  private connection: Room["connection"] | undefined;

  constructor(options: ProbeOptions) {
    this.options = options;
    this.meter = options.meter;
    const link = new LinkConditioner(options.link);
    if (!link.clean) this.link = link;
  }

  /** The link conditioner between the socket and the SDK; undefined on a clean link. */
  get conditioner(): LinkConditioner | undefined {
    return this.link;
  }

  /** Hook a room's connection right after the SDK created it, before any frame flows. */
  attach(room: Room): void {
    const connection = room.connection;
    this.connection = connection;
    const events = connection.events;
    const transport = connection.transport as { send(data: Uint8Array): void; ws?: WebSocket };
    const meter = this.meter;

    const deliver = events.onmessage!;
    events.onmessage = (event: { data: ArrayBuffer }) => {
      const length = event.data.byteLength;
      meter.bytesIn += length + frameOverhead(length, false);
      meter.messagesIn++;
      if (this.link) this.link.down.push(() => this.receive(room, deliver, event));
      else this.receive(room, deliver, event);
    };

    const onclose = events.onclose!;
    events.onclose = (event: { code: number; reason?: string }) => {
      // The socket is gone: whatever the link still held for it is lost with it.
      this.link?.up.clear();
      this.link?.down.clear();
      this.lastPatchAt = 0;
      this.arrivals.reset();
      onclose(event);
    };

    const write = transport.send.bind(transport);
    transport.send = (data: Uint8Array) => {
      const length = data.byteLength;
      meter.bytesOut += length + frameOverhead(length, true);
      meter.messagesOut++;
      if (!this.link) return write(data);
      // The SDK reuses its send buffer: copy before the link holds on to it.
      const copy = data.slice();
      const socket = transport.ws;
      this.link.up.push(() => { if (transport.ws === socket && socket?.readyState === WebSocket.OPEN) write(copy); });
    };
  }

  /** Time every input this handle sends, to measure when the server acknowledges it. */
  watchInput(input: InputHandle<any>): void {
    this.input = input;
    this.epoch = input.epoch;
    input.onSend((seq) => {
      this.sentAt[seq % SEND_RING] = performance.now();
      this.meter.inputsSent++;
    });
  }

  /** Cut the TCP connection without a close frame, as a lost network does. */
  dropSocket(): void {
    const ws = (this.connection?.transport as { ws?: WebSocket } | undefined)?.ws;
    if (!ws) return;
    if (typeof ws.terminate !== "function") {
      throw new Error("Dropping a socket needs the `ws` package under the SDK: import loadtest/node-socket.ts before @colyseus/sdk.");
    }
    if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
  }

  private receive(room: Room, deliver: (event: unknown) => void, event: { data: ArrayBuffer }): void {
    const code = new Uint8Array(event.data, 0, 1)[0] & PROTOCOL_CODE_MASK; // the low bits: high bits are modifiers
    const now = performance.now();
    if (code === Protocol.ROOM_STATE_PATCH) {
      if (this.lastPatchAt > 0) recordMs(this.meter.patchInterval, now - this.lastPatchAt);
      this.lastPatchAt = now;
      if (!this.options.decodePatches) skipDecoding(room);
    }
    deliver(event);
    // The server stamp rides in the patch's envelope, read by the SDK as it delivered it.
    const stamp = room.clock.lastServerTime();
    if (code === Protocol.ROOM_STATE_PATCH && stamp > 0) recordMs(this.meter.patchJitter, this.arrivals.add(stamp, now));
    if (this.input) {
      this.readAck(now);
      // How many of this player's inputs the server has received or will receive but not yet applied.
      if (code === Protocol.ROOM_STATE_PATCH) recordMs(this.meter.inputBacklog, Math.max(0, this.input.sentCount - this.input.lastProcessed));
    }
  }

  /** Inputs up to `lastProcessed` were applied by the server: each one's round trip ends now. */
  private readAck(now: number): void {
    const input = this.input!;
    if (input.epoch !== this.epoch) {
      // The SDK restarted its input sequence after a reconnection.
      this.epoch = input.epoch;
      this.lastAcked = 0;
    }
    const acked = input.lastProcessed;
    if (acked <= this.lastAcked) return;
    const oldest = Math.max(this.lastAcked + 1, acked - SEND_RING + 1);
    for (let seq = oldest; seq <= acked; seq++) {
      const sentAt = this.sentAt[seq % SEND_RING];
      if (sentAt > 0) recordMs(this.meter.ack, now - sentAt);
    }
    this.meter.inputsAcked += acked - this.lastAcked;
    this.lastAcked = acked;
  }
}

const ignorePatch = () => {};
function skipDecoding(room: Room): void {
  const serializer = room.serializer as { patch: unknown } | undefined;
  if (serializer && serializer.patch !== ignorePatch) serializer.patch = ignorePatch;
}

/** A Room whose connection is probed from its first frame. */
class ProbedRoom extends Room<any, any> {
  probe!: SocketProbe;
  override connect(endpoint: string, options?: any, headers?: any): void {
    super.connect(endpoint, options, headers);
    this.probe.attach(this);
  }
}

/** One player's SDK client: every room it joins is probed; matchmaking goes through loadtest/bot-http.ts. */
export class ProbedClient extends Client {
  readonly probe: SocketProbe;
  constructor(endpoint: string, probe: SocketProbe) {
    super(endpoint, { fetchFn: botFetch as unknown as FetchFn });
    this.probe = probe;
  }
  protected override createRoom<T>(roomName: string, rootSchema?: any): Room<any, T> {
    const room = new ProbedRoom(roomName, rootSchema);
    room.probe = this.probe;
    return room as Room<any, T>;
  }
}

/**
 * The HTTP(S) server every request and socket enters through, built here
 * rather than by the transport so the edge comes first:
 * - short header and request timeouts, checked every second (Node's default
 *   check runs every 30 s), so slowloris sockets are closed within
 *   HEADERS_TIMEOUT_SECONDS and a second, and an idle timeout as long for
 *   sockets that never send a request;
 * - per-address limits (server/edge/limits.ts) answered before any listener,
 *   Colyseus's included, sees the request or the upgrade;
 * - TLS when TLS_CERT and TLS_KEY are set, with the same handshake timeout.
 */
import { readFileSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import type { Config } from "../config.ts";
import { EDGE_REFUSAL_STATUS, EdgeErrorCode } from "../../shared/protocol.ts";
import { clientAddress, requestAddress } from "./addresses.ts";
import { corsHeadersFor } from "./cors.ts";
import type { AddressLimits } from "./limits.ts";

/** How often Node looks for connections past their header or request timeout. */
const TIMEOUT_CHECK_MS = 1000;

/** The server's HTTP(S) server, answering over-limit requests and upgrades from `limits` (the server's, which also counts room creation). */
export function createEdgeServer(config: Config, limits: AddressLimits): http.Server {
  const edge = config.edge;

  const refuseRequest = (req: IncomingMessage, res: ServerResponse): boolean => {
    // Every POST spends a token: the routers behind normalise paths (absolute-form targets, case), so a path test here could be dodged.
    if (req.method !== "POST") return false;
    const wait = limits.takeMatchmakingToken(clientAddress(req, edge.trustedProxies));
    if (wait === 0) return false;
    const retryAfter = Math.max(1, Math.ceil(wait));
    const code = EdgeErrorCode.MATCHMAKING_RATE_LIMITED;
    res.writeHead(EDGE_REFUSAL_STATUS[code], {
      ...corsHeadersFor(edge, req.headers.origin ?? null, req.headers.host ?? null),
      "content-type": "application/json",
      "retry-after": String(retryAfter),
    });
    res.end(JSON.stringify({ code, error: `Too many matchmaking requests from your address: at most ${edge.matchmakingPerSecond} a second. Retry in ${retryAfter} s.` }));
    return true;
  };

  const refuseUpgrade = (req: IncomingMessage, socket: Duplex): boolean => {
    const address = clientAddress(req, edge.trustedProxies);
    if (!limits.openSocket(address)) {
      const code = EdgeErrorCode.TOO_MANY_SOCKETS;
      writeRawRefusal(socket, EDGE_REFUSAL_STATUS[code], { code, error: `Your address already has ${edge.maxSocketsPerAddress} sockets open here.` });
      return true;
    }
    socket.once("close", () => limits.closeSocket(address));
    return false;
  };

  const options = {
    headersTimeout: edge.headersTimeoutMs,
    requestTimeout: edge.headersTimeoutMs * 2,
    keepAliveTimeout: 5000,
    connectionsCheckingInterval: TIMEOUT_CHECK_MS,
  };
  const server = config.tls
    ? new (gated(https.Server))({ ...options, cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath), handshakeTimeout: edge.headersTimeoutMs })
    : new (gated(http.Server))(options);
  // A socket silent this long is closed, even before its first byte (the header timeout starts with the first request); ws clears it on upgraded sockets.
  server.timeout = edge.headersTimeoutMs;
  (server as unknown as Gated).edge = { refuseRequest, refuseUpgrade, trustedProxies: edge.trustedProxies };
  server.on("close", () => limits.stop());
  return server as http.Server;
}

interface Gated {
  edge: {
    refuseRequest(req: IncomingMessage, res: ServerResponse): boolean;
    refuseUpgrade(req: IncomingMessage, socket: Duplex): boolean;
    trustedProxies: readonly string[];
  };
}

/**
 * A server class whose "request" and "upgrade" events pass the edge first: a
 * refused one is answered here and never reaches a listener. The request's
 * address is kept (requestAddress) for code that runs while it is handled.
 */
function gated<Base extends new (...args: any[]) => { emit(event: string | symbol, ...args: any[]): boolean }>(base: Base) {
  return class GatedServer extends base {
    declare edge: Gated["edge"];
    override emit(event: string | symbol, ...args: any[]): boolean {
      if (event === "request") {
        const [req, res] = args as [IncomingMessage, ServerResponse];
        if (this.edge.refuseRequest(req, res)) return true;
        return requestAddress.run(clientAddress(req, this.edge.trustedProxies), () => super.emit(event, ...args));
      }
      if (event === "upgrade" && this.edge.refuseUpgrade(args[0], args[1])) return true;
      return super.emit(event, ...args);
    }
  };
}

function writeRawRefusal(socket: Duplex, status: number, body: object): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
  );
}

/**
 * The checks a WebSocket upgrade passes before its handshake (Colyseus's
 * `beforeUpgrade` hook): the page's Origin, the process the path names, and
 * for a reconnection, that the identity presenting it owns the seat. A
 * refusal is an HTTP response with `{ code, error }` (EdgeErrorCode, AuthErrorCode).
 */
import { matchMaker, ServerError, type AuthContext } from "@colyseus/core";
import type { EdgeConfig } from "../config.ts";
import { EDGE_REFUSAL_STATUS, EdgeErrorCode } from "../../shared/protocol.ts";
import { checkReconnectingIdentity } from "../identity/reconnection.ts";
import type { IdentityVerifier } from "../identity/tokens.ts";
import { seatOwner } from "../room/seats.ts";
import { originAllowed } from "./origins.ts";

/** `/<processId>/<roomId>` at the end of a room socket's path (a proxy may have stripped a prefix before it). */
const ROOM_PATH = /\/([\w-]+)\/([\w-]+)$/;

export function upgradeGate(edge: EdgeConfig, verifier: IdentityVerifier) {
  return async function beforeUpgrade(request: Request, context: Readonly<AuthContext>): Promise<Response | undefined> {
    const headers = request.headers;
    if (!originAllowed(edge, headers.get("origin"), headers.get("host"))) {
      return refusal(EdgeErrorCode.ORIGIN_NOT_ALLOWED, `Origin ${headers.get("origin")} may not open game sockets here (ALLOWED_ORIGINS).`);
    }
    const url = new URL(request.url);
    const room = ROOM_PATH.exec(url.pathname);
    if (!room) return undefined; // the SDK's latency probe: Colyseus answers and closes it
    const [, processId, roomId] = room;
    if (processId !== matchMaker.processId) {
      return refusal(EdgeErrorCode.WRONG_PROCESS, `This is process ${matchMaker.processId}; the socket names ${processId}. Matchmake again.`);
    }
    const reconnectionToken = url.searchParams.get("reconnectionToken");
    const local = reconnectionToken ? matchMaker.getLocalRoomById(roomId) : undefined;
    if (reconnectionToken && local) {
      try {
        await checkReconnectingIdentity(verifier, seatOwner(local, reconnectionToken), context.token);
      } catch (error) {
        if (!(error instanceof ServerError)) throw error;
        return json(403, { code: error.code, error: error.message });
      }
    }
    return undefined;
  };
}

function refusal(code: number, error: string): Response {
  return json(EDGE_REFUSAL_STATUS[code], { code, error });
}

function json(status: number, body: object): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/** The code catalogue (shared/protocol.ts): a client tells every refusal and every close apart by its number alone. */
import { CloseCode as ColyseusCloseCode, ErrorCode as ColyseusErrorCode } from "@colyseus/shared-types";
import { describe, expect, it } from "vitest";
import { AuthErrorCode, ClientErrorCode, CloseCode, EDGE_REFUSAL_STATUS, EdgeErrorCode, MatchmakingErrorCode } from "./protocol.ts";

function duplicates(values: number[]): number[] {
  return values.filter((value, i) => values.indexOf(value) !== i);
}

describe("the code catalogue", () => {
  it("keeps every code distinct, across client errors, close codes, matchmaking, identity and edge refusals", () => {
    const codes = [ClientErrorCode, CloseCode, MatchmakingErrorCode, AuthErrorCode, EdgeErrorCode].flatMap((catalogue) => Object.values(catalogue) as number[]);
    expect(duplicates(codes)).toEqual([]);
  });

  it("gives every error code of ours its own number, none of them one of Colyseus's matchmaking errors", () => {
    const ours = [ClientErrorCode, MatchmakingErrorCode, AuthErrorCode, EdgeErrorCode].flatMap((catalogue) => Object.values(catalogue));
    expect(duplicates(ours)).toEqual([]);
    expect(ours.filter((code) => (Object.values(ColyseusErrorCode) as number[]).includes(code))).toEqual([]);
  });

  it("gives every close code its own number; ours beyond Colyseus's are not among its own", () => {
    expect(duplicates(Object.values(CloseCode))).toEqual([]);
    const colyseus = Object.values(ColyseusCloseCode) as number[];
    expect(colyseus).not.toContain(CloseCode.PROTOCOL_ERROR);
    expect(colyseus).not.toContain(CloseCode.SLOW_CONSUMER);
  });

  it("answers every edge refusal but the room-creation limit (a matchmaking refusal) with an HTTP status", () => {
    const { ROOM_CREATION_LIMITED, ...answeredAtTheEdge } = EdgeErrorCode;
    for (const code of Object.values(answeredAtTheEdge)) expect(EDGE_REFUSAL_STATUS[code]).toBeGreaterThanOrEqual(400);
    expect(EDGE_REFUSAL_STATUS[ROOM_CREATION_LIMITED]).toBeUndefined();
  });
});

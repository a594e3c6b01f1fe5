/** The wire vocabulary (shared/protocol.ts): a client tells every error and close code apart. */
import { CloseCode as ColyseusCloseCode } from "@colyseus/shared-types";
import { describe, expect, it } from "vitest";
import { ClientErrorCode, CloseCode, MatchmakingErrorCode } from "./protocol.ts";

describe("the framework's codes", () => {
  it("are all distinct, across client errors, close codes and matchmaking refusals", () => {
    const codes = [...Object.values(ClientErrorCode), ...Object.values(CloseCode), ...Object.values(MatchmakingErrorCode)];
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("give the protocol-error close a code Colyseus does not use for anything of its own", () => {
    expect(Object.values(ColyseusCloseCode)).not.toContain(CloseCode.PROTOCOL_ERROR);
  });
});

import { describe, expect, it } from "vitest";
import { measureFloor } from "./floor.ts";

describe("the bare-ws floor the bench measures beside each run", () => {
  it("carries the traffic it is given, in both directions, and reports both sides' CPU", async () => {
    const floor = await measureFloor({
      clients: 48, roomSize: 16, holdSeconds: 2,
      messagesInPerClientS: 20, bytesInPerClientS: 20 * 110,
      messagesOutPerClientS: 30, bytesOutPerClientS: 30 * 8,
    });
    expect(floor.clients).toBe(48);
    // Patches keep Colyseus's clock (a setInterval that a busy loop delays); inputs keep deadlines.
    expect(floor.messagesInPerClientS).toBeGreaterThan(20 * 0.8);
    expect(floor.messagesInPerClientS).toBeLessThan(20 * 1.1);
    expect(floor.messagesOutPerClientS).toBeGreaterThan(30 * 0.9);
    expect(floor.messagesOutPerClientS).toBeLessThan(30 * 1.1);
    expect(floor.serverCpuMsPerCcuS).toBeGreaterThan(0);
    expect(floor.clientCpuMsPerClientS).toBeGreaterThan(0);
  });
});

/** Per-address limits count an IPv4 address, or an IPv6 address's /64, however it is written. */
import { describe, expect, it } from "vitest";
import { limitHolder } from "./addresses.ts";

describe("the holder a limit counts", () => {
  it("is the address itself for IPv4", () => {
    expect(limitHolder("203.0.113.7")).toBe("203.0.113.7");
  });

  it("is the /64 for IPv6, so a subscriber's many addresses share one holder", () => {
    expect(limitHolder("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:1:2::/64");
    expect(limitHolder("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(limitHolder("2001:0DB8:0001:0002:0:0:0:9")).toBe("2001:db8:1:2::/64");
    expect(limitHolder("2001:db8:1:3::1")).not.toBe(limitHolder("2001:db8:1:2::1"));
  });

  it("expands compressed forms and drops a zone index", () => {
    expect(limitHolder("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(limitHolder("::1")).toBe("0:0:0:0::/64");
    expect(limitHolder("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(limitHolder("64:ff9b::192.0.2.33")).toBe("64:ff9b:0:0::/64");
  });
});

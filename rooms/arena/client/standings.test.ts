import { describe, expect, it } from "vitest";
import { MAX_NAME_LENGTH } from "../../../shared/protocol.ts";
import { standingsRow } from "./standings.ts";

describe("the arena's standings", () => {
  it("show the longest name the server accepts whole, with (you), and the columns after it", () => {
    const name = "W".repeat(MAX_NAME_LENGTH);
    const row = standingsRow(1, name, true, 12, 3);
    expect(row).toContain(`${name} (you)`);
    expect(row).toMatch(/\(you\)\s+12\s+3$/);
  });

  it("line up every row's columns, whatever the name's length", () => {
    const rows = [standingsRow(1, "Al", false, 1, 2), standingsRow(12, "W".repeat(MAX_NAME_LENGTH), true, 100, 20)];
    expect(rows[0].length).toBe(rows[1].length);
  });
});

/** Every room reaches the process's one Store through its setup; without REDIS_URL it is a SQLite file under DATA_DIR that outlives the server. */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { definePlugins } from "@colyseus/core";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config.ts";
import { framework, GameRoom } from "../../server/room/GameRoom.ts";
import { defineRoomType } from "../../server/room/room-type.ts";
import { localRoom, startServer } from "../../tools/server.ts";
import { waitForState } from "../../tools/wait.ts";
import { Table } from "./rooms.ts";

class LedgerRoom extends GameRoom<{ state: Table }> {
  state = new Table();
  plugins = definePlugins([...framework()]);
}
const ledger = defineRoomType({ name: "ledger", title: "Ledger", summary: "Writes to the store.", room: LedgerRoom });

const dataDir = mkdtempSync(join(tmpdir(), "tickforge-store-"));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("the server's store", () => {
  it("reaches every room as this.store, one instance per process, kept in DATA_DIR across a restart", async () => {
    const first = await startServer({ DATA_DIR: dataDir }, [ledger]);
    try {
      const a = await first.client().create("ledger");
      const b = await first.client().create("ledger");
      await waitForState(a, () => true, 10_000, "joined");
      await waitForState(b, () => true, 10_000, "joined");
      const roomA = localRoom(a.roomId) as unknown as LedgerRoom;
      const roomB = localRoom(b.roomId) as unknown as LedgerRoom;
      expect(roomA.store).toBe(first.server.store);
      expect(roomB.store).toBe(first.server.store);
      await roomA.store.append("ledger:log", { id: "one", body: "kept" }, { maxLength: 10 });
      await a.leave();
      await b.leave();
    } finally {
      await first.close();
    }
    expect(existsSync(join(dataDir, "tickforge.sqlite"))).toBe(true);

    const second = await startServer({ DATA_DIR: dataDir }, [ledger]);
    try {
      const page = await second.server.store.pageBack("ledger:log", 10);
      expect(page.entries.map((e) => e.body)).toEqual(["kept"]);
    } finally {
      await second.close();
    }
  });

  it("is closed when the server shuts down", async () => {
    const server = await startServer({ DATA_DIR: dataDir }, [ledger]);
    await server.close();
    await expect(server.server.store.pageBack("ledger:log", 1)).rejects.toMatchObject({ code: "CLOSED" });
  });

  it("stops the server from starting, naming DATA_DIR, when the folder cannot be made", async () => {
    await expect(startServer({ DATA_DIR: "/dev/null/tickforge" }, [ledger])).rejects.toMatchObject({
      name: "StoreError", code: "UNAVAILABLE", message: expect.stringContaining("DATA_DIR=/dev/null/tickforge"),
    });
  });

  it("takes DATA_DIR from the environment, defaulting to ./data", () => {
    expect(loadConfig({}).dataDir).toBe("data");
    expect(loadConfig({ DATA_DIR: "/var/lib/tickforge" }).dataDir).toBe("/var/lib/tickforge");
  });
});

/**
 * Live list of open arenas for the title screen. The server's `lobby` room
 * (Colyseus's LobbyRoom) sends the full list on join ("rooms"), then one
 * "+" per added or changed room and one "-" per removed room.
 */
import type { Client, Room } from "@colyseus/sdk";
import { Emitter } from "./emitter.ts";

export interface ArenaListing {
  roomId: string;
  clients: number;
  maxClients: number;
  mode: string;
  locked: boolean;
}

interface RoomCache {
  roomId: string;
  name: string;
  clients: number;
  maxClients: number;
  locked?: boolean;
  metadata?: { mode?: string };
}

export class LobbyListing extends Emitter<{ change: [ArenaListing[]]; announcement: [{ text: string; sentAt: number }] }> {
  readonly #client: Client;
  /** Signs the player in before the lobby is joined: every room needs an identity. */
  readonly #signIn: () => Promise<unknown>;
  #room: Room | undefined;
  #rooms = new Map<string, ArenaListing>();
  #stopped = true;

  constructor(client: Client, signIn: () => Promise<unknown> = async () => {}) {
    super();
    this.#client = client;
    this.#signIn = signIn;
  }

  get rooms(): ArenaListing[] {
    return [...this.#rooms.values()].filter((r) => !r.locked && r.clients < r.maxClients);
  }

  get connected(): boolean {
    return this.#room !== undefined;
  }

  async start(): Promise<void> {
    this.#stopped = false;
    if (this.#room) return;
    let room: Room;
    try {
      await this.#signIn();
      room = await this.#client.joinOrCreate("lobby", { filter: { name: "arena" } });
    } catch (error) {
      console.warn("Tickforge: the room list is unavailable:", (error as Error).message);
      return;
    }
    if (this.#stopped) {
      room.leave();
      return;
    }
    this.#room = room;
    room.onMessage("rooms", (list: RoomCache[]) => {
      this.#rooms.clear();
      for (const r of list) this.#put(r);
      this.#changed();
    });
    room.onMessage("+", ([roomId, r]: [string, RoomCache]) => {
      this.#put({ ...r, roomId });
      this.#changed();
    });
    room.onMessage("-", (roomId: string) => {
      this.#rooms.delete(roomId);
      this.#changed();
    });
    room.onMessage("announcement", (a: { text: string; sentAt: number }) => this.emit("announcement", a));
    room.onLeave(() => {
      this.#room = undefined;
    });
  }

  stop(): void {
    this.#stopped = true;
    this.#room?.leave();
    this.#room = undefined;
  }

  #put(r: RoomCache): void {
    if (r.name !== "arena") return;
    this.#rooms.set(r.roomId, {
      roomId: r.roomId,
      clients: r.clients,
      maxClients: r.maxClients,
      mode: r.metadata?.mode ?? "ffa",
      locked: Boolean(r.locked),
    });
  }

  #changed(): void {
    this.emit("change", this.rooms);
  }
}

/**
 * Live list of open rooms of every type, for the title screen, and the
 * operator's announcements. The server's lobby room (Colyseus's LobbyRoom,
 * which also composes the drain/announcement piece) sends the full list on
 * join, then one "+" per added or changed room and one "-" per removed one.
 */
import type { Client, Room } from "@colyseus/sdk";
import { FrameworkMessage, LOBBY_ROOM, LobbyMessage, type Announcement } from "../../../shared/protocol.ts";
import { Emitter } from "./emitter.ts";

export interface RoomListing {
  roomId: string;
  /** The room type's name. */
  roomType: string;
  clients: number;
  maxClients: number;
  /** What the room type lists about itself (the arena: its mode). */
  metadata: Record<string, unknown>;
  locked: boolean;
}

interface RoomCache {
  roomId: string;
  name: string;
  clients: number;
  maxClients: number;
  locked?: boolean;
  metadata?: Record<string, unknown>;
}

export class LobbyListing extends Emitter<{ change: [RoomListing[]]; announcement: [Announcement] }> {
  readonly #client: Client;
  /** Signs the player in before the lobby is joined: every room needs an identity. */
  readonly #signIn: () => Promise<unknown>;
  #room: Room | undefined;
  #rooms = new Map<string, RoomListing>();
  #stopped = true;

  constructor(client: Client, signIn: () => Promise<unknown> = async () => {}) {
    super();
    this.#client = client;
    this.#signIn = signIn;
  }

  /** Rooms a player can join now. */
  get rooms(): RoomListing[] {
    return [...this.#rooms.values()].filter((r) => !r.locked && r.clients < r.maxClients);
  }

  /** The lobby room while the title screen is in it. */
  get room(): Room | undefined {
    return this.#room;
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
      room = await this.#client.joinOrCreate(LOBBY_ROOM);
    } catch (error) {
      console.warn("Tickforge: the room list is unavailable:", (error as Error).message);
      return;
    }
    if (this.#stopped) {
      room.leave();
      return;
    }
    this.#room = room;
    room.onMessage(LobbyMessage.ROOMS, (list: RoomCache[]) => {
      this.#rooms.clear();
      for (const r of list) this.#put(r);
      this.#changed();
    });
    room.onMessage(LobbyMessage.ADDED, ([roomId, r]: [string, RoomCache]) => {
      this.#put({ ...r, roomId });
      this.#changed();
    });
    room.onMessage(LobbyMessage.REMOVED, (roomId: string) => {
      this.#rooms.delete(roomId);
      this.#changed();
    });
    room.onMessage(FrameworkMessage.ANNOUNCEMENT, (a: Announcement) => this.emit("announcement", a));
    room.onMessage(FrameworkMessage.SHUTDOWN, () => { /* the lobby is closed with the rest; it reopens on the next visit */ });
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
    this.#rooms.set(r.roomId, {
      roomId: r.roomId,
      roomType: r.name,
      clients: r.clients,
      maxClients: r.maxClients,
      metadata: r.metadata ?? {},
      locked: Boolean(r.locked),
    });
  }

  #changed(): void {
    this.emit("change", this.rooms);
  }
}

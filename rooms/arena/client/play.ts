/**
 * The arena's side of one room the player is in: prediction (started once
 * the own player is in the state, stopped on a drop, restarted from the
 * full state after a reconnection) and the arena's own messages. Made by
 * the module's `attach` for every arena room; the scenes reach it with
 * `arenaOf(scene)`.
 */
import type { Room } from "@colyseus/sdk";
import type * as Phaser from "phaser";
import { Emitter, type DebugHook, type GameSession } from "../../../game-client/src/kit.ts";
import { ArenaMessage, type Chat, type Killed } from "../protocol.ts";
import type { ArenaState, Player } from "../state.ts";
import { ArenaPrediction } from "./prediction.ts";

export type ArenaRoom = Room<any, ArenaState>;

export class ArenaPlay extends Emitter<{ prediction: [ArenaPrediction]; killed: [Killed]; chat: [Chat] }> {
  readonly session: GameSession;
  readonly room: ArenaRoom;
  prediction: ArenaPrediction | undefined;
  readonly #offs: (() => void)[] = [];
  #disposed = false;

  constructor(session: GameSession, room: ArenaRoom, debug: DebugHook) {
    super();
    this.session = session;
    this.room = room;
    room.onStateChange(() => {
      if (!this.#disposed && !this.prediction && session.state === "connected") this.#startPrediction();
    });
    room.onMessage(ArenaMessage.KILLED, (k: Killed) => this.emit("killed", k));
    room.onMessage(ArenaMessage.CHAT, (c: Chat) => this.emit("chat", c));
    this.#offs.push(session.on("drop", () => this.#stopPrediction()));
    // The server re-sends the whole state after a reconnection; prediction restarts from it on the next patch.
    debug.prediction = () => this.prediction?.stats;
    debug.remoteView = () => this.prediction;
    this.#offs.push(() => { debug.prediction = undefined; debug.remoteView = undefined; });
    if (room.state.players?.has(room.sessionId)) this.#startPrediction();
  }

  get sessionId(): string {
    return this.room.sessionId;
  }

  get self(): Player | undefined {
    return this.room.state.players?.get(this.room.sessionId);
  }

  /** Send a chat line; the server validates and rate-limits it. */
  chat(text: string): void {
    this.room.send(ArenaMessage.CHAT, { text });
  }

  dispose(): void {
    this.#disposed = true;
    this.#stopPrediction();
    for (const off of this.#offs) off();
  }

  #startPrediction(): void {
    const self = this.self;
    if (!self) return;
    this.prediction = new ArenaPrediction(this.room, self, () => this.session.baseRttMs, this.session.remotes);
    this.emit("prediction", this.prediction);
  }

  #stopPrediction(): void {
    this.prediction?.dispose();
    this.prediction = undefined;
  }
}

/** The arena play of the room the player is in; undefined outside one. */
export function arenaOf(scene: Phaser.Scene): ArenaPlay | undefined {
  return scene.registry.get(ARENA_KEY) as ArenaPlay | undefined;
}

export const ARENA_KEY = "arena";

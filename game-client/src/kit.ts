/**
 * What a room type's client module builds its scenes with: the session,
 * the shared layout, palette and widgets, the debug hook. One import for a
 * module (rooms/<type>/client/), so the client's private layout can move.
 */
export { debugOf, sessionOf } from "./game/context.ts";
export type { DebugHook, PlayerSnapshot } from "./game/debug.ts";
export { CENTER_X, CENTER_Y, FONT, HEIGHT, HUD_BAR, PAD, WIDTH } from "./game/layout.ts";
export { COLORS, css, FONT_FAMILY, MONO_FAMILY, playerColor, TEX } from "./game/style.ts";
export { button, formatClock, panel, textStyle, type Button } from "./game/ui.ts";
export { Emitter } from "./net/emitter.ts";
export type { RoomListing } from "./net/lobby.ts";
export { EntityTracks, PatchTimeline, type RemoteDrawing, type RemoteView } from "./net/remotes.ts";
export type { ConnectionState, GameSession } from "./net/session.ts";
export { MotionFigures, type MotionSummary } from "../../shared/motion-figures.ts";
export { defineClientModule, type RoomClientModule, type RoomContext } from "./room-module.ts";

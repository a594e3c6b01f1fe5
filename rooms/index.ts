/**
 * Every room type this server offers, in title-screen order: a new type is a
 * folder under rooms/ and one line here.
 */
import { listRoomTypes } from "../server/room/room-type.ts";

export const roomTypes = listRoomTypes(
  await import("./arena/index.ts"),
  await import("./cards/index.ts"),
  await import("./chat/index.ts"),
  await import("./board/index.ts"),
);

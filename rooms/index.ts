/** Every room type this server offers. A new type is a folder under rooms/ and one line here. */
import { arena } from "./arena/index.ts";
import { cards } from "./cards/index.ts";

export const roomTypes = [
  arena,
  cards,
] as const;

/**
 * permessage-deflate for messages of at least COMPRESSION_THRESHOLD_BYTES
 * (0: off). Each message is compressed on its own (no context takeover) with
 * a 2 KB window and a small zlib state, because ws keeps a deflate stream per
 * socket once it has compressed one message, and at zlib's defaults that
 * stream outweighs the rest of a connection (docs/security.md, "Compression").
 */
import type { PerMessageDeflateOptions } from "ws";

const WINDOW_BITS = 11;

export function compressionOptions(thresholdBytes: number): PerMessageDeflateOptions | false {
  if (thresholdBytes <= 0) return false;
  return {
    threshold: thresholdBytes,
    serverNoContextTakeover: true,
    clientNoContextTakeover: true,
    serverMaxWindowBits: WINDOW_BITS,
    clientMaxWindowBits: WINDOW_BITS,
    zlibDeflateOptions: { level: 6, memLevel: 4 },
    zlibInflateOptions: { windowBits: WINDOW_BITS },
    concurrencyLimit: 4,
  };
}

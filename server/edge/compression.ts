/**
 * permessage-deflate for messages of at least COMPRESSION_THRESHOLD_BYTES
 * (0: off). Each message is compressed on its own (no context takeover) with
 * a 2 KB window and a small zlib state, because ws keeps a deflate stream per
 * socket once it has compressed one message: at zlib's defaults that stream
 * holds about 256 KB, against the 15 KB a whole arena connection costs
 * (docs/security.md, "Compression", has the figures).
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

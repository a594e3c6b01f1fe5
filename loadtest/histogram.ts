/**
 * Latency histograms (HdrHistogram, 3 significant digits) recorded in
 * microseconds, shipped between processes as compressed base64 and merged by
 * the coordinator, so percentiles are exact over the whole fleet rather than
 * averages of per-worker percentiles.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** Longest duration a histogram can hold: a minute, in µs. */
const HIGHEST_US = 60_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

/** Record a duration given in milliseconds. */
export function recordMs(histogram: Histogram, ms: number): void {
  const us = Math.round(ms * 1000);
  histogram.recordValue(us < 1 ? 1 : us > HIGHEST_US ? HIGHEST_US : us);
}

export function encode(histogram: Histogram): string {
  return hdr.encodeIntoCompressedBase64(histogram);
}

/** Add an encoded histogram into `into`; empty strings are skipped. */
export function mergeInto(into: Histogram, encoded: string | undefined): void {
  if (!encoded) return;
  const decoded = hdr.decodeFromCompressedBase64(encoded, 32, false);
  if (decoded.totalCount > 0) into.add(decoded);
  decoded.destroy();
}

export interface Percentiles { count: number; p50: number; p95: number; p99: number; max: number }

/** Percentiles in milliseconds; all zero when nothing was recorded. */
export function percentilesMs(histogram: Histogram): Percentiles {
  const ms = (us: number) => Math.round(us / 10) / 100; // 0.01 ms resolution
  if (histogram.totalCount === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0 };
  return {
    count: histogram.totalCount,
    p50: ms(histogram.getValueAtPercentile(50)),
    p95: ms(histogram.getValueAtPercentile(95)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

import {
  build,
  decodeFromCompressedBase64,
  encodeIntoCompressedBase64,
  type Histogram,
} from 'hdr-histogram-js';

/**
 * Latency histograms of the bench. Every value is recorded in microseconds with three
 * significant digits (HdrHistogram: 0.1 % resolution, no lost tail) and travels between
 * processes as compressed base64, so a child reports its whole distribution, not a mean.
 */
export type { Histogram };

/** An empty histogram of microseconds. */
export function newHistogram(): Histogram {
  return build({ bitBucketSize: 32, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Records one value in µs; negative values (clock jitter between processes) count as 0. */
export function recordUs(h: Histogram, us: number): void {
  h.recordValue(us > 0 ? Math.round(us) : 0);
}

/** A histogram as text for IPC. */
export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

/** The histogram of {@link encodeHistogram}'s text. */
export function decodeHistogram(text: string): Histogram {
  return decodeFromCompressedBase64(text, 32, false);
}

/** One histogram holding the values of every encoded histogram given. */
export function mergeEncoded(texts: readonly (string | undefined)[]): Histogram {
  const out = newHistogram();
  for (const text of texts) if (text) out.add(decodeHistogram(text));
  return out;
}

/** A latency distribution as the tables print it: milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

/** The summary of a histogram of µs, in ms. */
export function summarize(h: Histogram): LatencySummary {
  const ms = (us: number): number => Math.round(us) / 1000;
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** Shortcut: the summary of encoded histograms merged. */
export function summarizeEncoded(texts: readonly (string | undefined)[]): LatencySummary {
  return summarize(mergeEncoded(texts));
}

/** The claim-path stages the console's latency page times, in the order a claim passes them. */
export const CLAIM_STAGES = ['dispatch', 'claim', 'serialize', 'write', 'queue_wait'] as const;

/** One stage of {@link CLAIM_STAGES}. */
export type ClaimStage = (typeof CLAIM_STAGES)[number];

/** Buckets per doubling of the duration: each bucket is 2^(1/8) ≈ 9 % wide. */
const PER_OCTAVE = 8;
/** Durations are bucketed in microseconds, from 1 µs to 2^27 µs (about 134 s); longer ones share the overflow bucket. */
const OCTAVES = 27;
/** The last bucket: every duration from 2^27 µs on, however long. */
const OVERFLOW = PER_OCTAVE * OCTAVES + 1;
const BUCKETS = OVERFLOW + 1;

/**
 * Where the buckets end, in ms (about 134 s): a percentile that falls beyond reads as
 * exactly this, and is only known to be at least this long.
 */
export const HISTOGRAM_TOP_MS = 2 ** OCTAVES / 1000;
const STAGE_INDEX = new Map<string, number>(CLAIM_STAGES.map((s, i) => [s, i]));

/** What a window of a stage's histogram says; durations in ms, NaN when `count` is 0. */
export interface StageSummary {
  stage: ClaimStage;
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** One slot of a stage's time series: its start (ms since the epoch) and percentiles, NaN when empty. */
export interface StagePoint {
  at: number;
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
}

/** The bucket of a duration in ms. */
function bucketOf(ms: number): number {
  const us = ms * 1000;
  if (!(us >= 1)) return 0;
  if (us >= 2 ** OCTAVES) return OVERFLOW;
  return Math.min(OVERFLOW - 1, 1 + Math.floor(Math.log2(us) * PER_OCTAVE));
}

/** The duration a bucket stands for, in ms: its geometric middle. */
function valueOf(bucket: number): number {
  if (bucket === 0) return 0.0005;
  return 2 ** ((bucket - 0.5) / PER_OCTAVE) / 1000;
}

/**
 * Always-on latency histograms of the claim-path stages, one per stage and time slot
 * (default 10 s slots over 15 minutes), in log buckets 9 % wide. Recording costs a
 * logarithm and an array increment, allocates nothing, and ignores the OTel sampler:
 * every claim is counted. Memory is fixed: stages × slots × 218 counters.
 */
export class StageHistograms {
  readonly #counts: Uint32Array[];
  readonly #max: Float64Array[];
  readonly #epochs: Float64Array;

  /** `slotMs` long slots, `slots` of them kept. */
  constructor(
    readonly slotMs = 10_000,
    readonly slots = 90,
  ) {
    this.#counts = Array.from({ length: slots }, () => new Uint32Array(CLAIM_STAGES.length * BUCKETS));
    this.#max = Array.from({ length: slots }, () => new Float64Array(CLAIM_STAGES.length));
    this.#epochs = new Float64Array(slots).fill(-1);
  }

  /** Counts one `ms` long pass through `stage` at `now` (ms since the epoch). */
  record(stage: ClaimStage, ms: number, now: number): void {
    const epoch = Math.floor(now / this.slotMs);
    const slot = epoch % this.slots;
    if (this.#epochs[slot] !== epoch) {
      this.#counts[slot]!.fill(0);
      this.#max[slot]!.fill(0);
      this.#epochs[slot] = epoch;
    }
    const s = STAGE_INDEX.get(stage)!;
    this.#counts[slot]![s * BUCKETS + bucketOf(ms)]!++;
    const max = this.#max[slot]!;
    if (ms > max[s]!) max[s] = ms;
  }

  /** Every stage's percentiles over the last `windowMs` before `now`. */
  summary(windowMs: number, now: number): StageSummary[] {
    const last = Math.floor(now / this.slotMs);
    const first = Math.max(last - this.slots + 1, Math.floor((now - windowMs) / this.slotMs) + 1);
    return CLAIM_STAGES.map((stage, s) => {
      const merged = new Float64Array(BUCKETS);
      let maxMs = 0;
      for (let epoch = first; epoch <= last; epoch++) {
        const slot = epoch % this.slots;
        if (this.#epochs[slot] !== epoch) continue;
        const counts = this.#counts[slot]!;
        for (let b = 0; b < BUCKETS; b++) merged[b]! += counts[s * BUCKETS + b]!;
        maxMs = Math.max(maxMs, this.#max[slot]![s]!);
      }
      const p = percentiles(merged, maxMs);
      return {
        stage,
        count: p.count,
        p50Ms: p.p50,
        p90Ms: p.p90,
        p99Ms: p.p99,
        maxMs: p.count ? maxMs : NaN,
      };
    });
  }

  /** One stage's percentiles per slot over the whole kept history, oldest first, ending with the slot of `now`. */
  series(stage: ClaimStage, now: number): StagePoint[] {
    const s = STAGE_INDEX.get(stage)!;
    const last = Math.floor(now / this.slotMs);
    const points: StagePoint[] = [];
    for (let epoch = last - this.slots + 1; epoch <= last; epoch++) {
      const slot = ((epoch % this.slots) + this.slots) % this.slots;
      const at = epoch * this.slotMs;
      if (this.#epochs[slot] !== epoch) {
        points.push({ at, count: 0, p50Ms: NaN, p90Ms: NaN, p99Ms: NaN });
        continue;
      }
      const counts = this.#counts[slot]!.subarray(s * BUCKETS, (s + 1) * BUCKETS);
      const p = percentiles(counts, this.#max[slot]![s]!);
      points.push({ at, count: p.count, p50Ms: p.p50, p90Ms: p.p90, p99Ms: p.p99 });
    }
    return points;
  }
}

/**
 * p50, p90 and p99 of a histogram, each its bucket's middle value but never above `maxMs`,
 * the longest pass recorded: a p99 above the max reads as a bug. One in the overflow
 * bucket is {@link HISTOGRAM_TOP_MS}: its bucket has no middle.
 */
function percentiles(
  counts: ArrayLike<number>,
  maxMs: number,
): { count: number; p50: number; p90: number; p99: number } {
  let count = 0;
  for (let b = 0; b < counts.length; b++) count += counts[b]!;
  if (count === 0) return { count, p50: NaN, p90: NaN, p99: NaN };
  const value = (b: number): number => (b === OVERFLOW ? HISTOGRAM_TOP_MS : Math.min(valueOf(b), maxMs));
  const at = (q: number): number => {
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let b = 0; b < counts.length; b++) {
      seen += counts[b]!;
      if (seen >= rank) return value(b);
    }
    return value(counts.length - 1);
  };
  return { count, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

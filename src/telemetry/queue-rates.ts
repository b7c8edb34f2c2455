import { OTHER_QUEUE, type CodeqMetrics } from './codeq-metrics.js';

/** The counters the rate charts follow. */
export const RATE_COUNTERS = ['enqueued', 'leased', 'completed'] as const;

/** One of {@link RATE_COUNTERS}. */
export type RateCounter = (typeof RATE_COUNTERS)[number];

/** Per counter, tasks per second in each slot, oldest first. */
export type RateSeries = Record<RateCounter, number[]>;

interface Ring {
  last: Record<RateCounter, number>;
  /** The number of the last sample that counted anything, -Infinity for none. */
  lastBusy: number;
  /** Tasks counted per slot, per counter. */
  counts: Record<RateCounter, Float64Array>;
}

/** Name of the series that adds every queue up. */
const ALL = '\u0000all';

/**
 * This replica's enqueue, claim and complete rates per queue over the last `slots ×
 * slotMs` (default 15 minutes in 10 s slots), sampled from {@link CodeqMetrics}' plain
 * counters: a timer reads the counters once a slot, so the hot path pays nothing more.
 * Covers the queues the metrics count (up to their series limit).
 */
export class QueueRates {
  readonly #rings = new Map<string, Ring>();
  #timer: NodeJS.Timeout | undefined;
  #slot = 0;
  /** Samples taken so far: numbers them, for {@link Ring.lastBusy}. */
  #samples = 0;
  #sampledAt = Date.now();
  readonly #metrics: CodeqMetrics;

  constructor(
    metrics: CodeqMetrics,
    readonly slotMs = 10_000,
    readonly slots = 90,
  ) {
    this.#metrics = metrics;
  }

  /** Starts sampling every `slotMs`. */
  start(): void {
    this.sample();
    this.#timer = setInterval(() => this.sample(), this.slotMs);
    this.#timer.unref();
  }

  /** Stops sampling; the rings keep what they hold. */
  stop(): void {
    clearInterval(this.#timer);
  }

  /** Takes one sample: the counts since the last one become the newest slot. */
  sample(): void {
    this.#sampledAt = Date.now();
    this.#slot = (this.#slot + 1) % this.slots;
    this.#samples++;
    const total = this.#ring(ALL);
    for (const c of RATE_COUNTERS) total.counts[c][this.#slot] = 0;
    for (const queue of this.#metrics.queues()) {
      const ring = this.#ring(queue);
      for (const c of RATE_COUNTERS) {
        const now = this.#metrics.count(queue, c);
        const delta = Math.max(0, now - ring.last[c]);
        ring.last[c] = now;
        ring.counts[c][this.#slot] = delta;
        total.counts[c][this.#slot]! += delta;
        if (delta > 0) ring.lastBusy = this.#samples;
      }
    }
  }

  /**
   * Rates of one queue (every queue added up when `queue` is undefined), oldest slot
   * first; the last value is the slot in progress, from the counters as they stand now.
   * Undefined when this replica never counted the queue.
   */
  series(queue?: string): RateSeries | undefined {
    const ring = this.#rings.get(queue ?? ALL);
    const counted =
      queue === undefined ||
      this.#metrics.count(queue, 'enqueued') + this.#metrics.count(queue, 'leased') > 0;
    if (!ring && !counted) return undefined;
    const elapsed = Math.max(1, Date.now() - this.#sampledAt);
    const out = {} as RateSeries;
    for (const c of RATE_COUNTERS) {
      const values: number[] = [];
      if (ring)
        for (let i = 2; i <= this.slots; i++)
          values.push((ring.counts[c][(this.#slot + i) % this.slots]! * 1000) / this.slotMs);
      else for (let i = 2; i <= this.slots; i++) values.push(0);
      values.push((this.#pending(queue, c) * 1000) / elapsed);
      out[c] = values;
    }
    return out;
  }

  /**
   * Tasks per second over the last `slotMs`, per counter: what was counted since the last
   * sample plus the part of the slot before it that the window still covers (spread evenly
   * over that slot). Unlike the slot in progress, it does not fall to 0 at every sample.
   * Undefined when this replica never counted the queue.
   */
  recent(queue?: string): Record<RateCounter, number> | undefined {
    const ring = this.#rings.get(queue ?? ALL);
    if (
      !ring &&
      queue !== undefined &&
      this.#pending(queue, 'enqueued') + this.#pending(queue, 'leased') === 0
    )
      return undefined;
    const elapsed = Math.min(this.slotMs, Math.max(0, Date.now() - this.#sampledAt));
    const out = {} as Record<RateCounter, number>;
    for (const c of RATE_COUNTERS) {
      const previous = ring?.counts[c][this.#slot] ?? 0;
      out[c] =
        ((previous * (this.slotMs - elapsed)) / this.slotMs + this.#pending(queue, c)) * (1000 / this.slotMs);
    }
    return out;
  }

  /**
   * Whether this replica counted an enqueue, claim or completion of `queue` within the
   * window {@link series} draws (its full slots and the slot in progress): a queue whose
   * workers keep up shows traffic here while the store holds none of its tasks.
   */
  busy(queue: string): boolean {
    const ring = this.#rings.get(queue);
    // series() draws the newest `slots - 1` full slots: samples #samples - slots + 2 on.
    if (ring && ring.lastBusy > this.#samples - this.slots + 1) return true;
    return RATE_COUNTERS.some((c) => this.#pending(queue, c) > 0);
  }

  /** The queues {@link busy} now, in no order; never the overflow series of queues past the metrics' limit. */
  busyQueues(): string[] {
    const out: string[] = [];
    for (const queue of this.#metrics.queues())
      if (queue !== OTHER_QUEUE && this.busy(queue)) out.push(queue);
    return out;
  }

  /** What `c` counted since the last sample, for one queue or all. */
  #pending(queue: string | undefined, c: RateCounter): number {
    if (queue !== undefined)
      return Math.max(0, this.#metrics.count(queue, c) - (this.#rings.get(queue)?.last[c] ?? 0));
    let sum = 0;
    for (const q of this.#metrics.queues()) sum += this.#pending(q, c);
    return sum;
  }

  #ring(queue: string): Ring {
    let ring = this.#rings.get(queue);
    if (!ring) {
      ring = {
        // The sampler runs from the server's start, so whatever a new queue counted
        // happened since the last sample.
        last: { enqueued: 0, leased: 0, completed: 0 },
        lastBusy: -Infinity,
        counts: {
          enqueued: new Float64Array(this.slots),
          leased: new Float64Array(this.slots),
          completed: new Float64Array(this.slots),
        },
      };
      this.#rings.set(queue, ring);
    }
    return ring;
  }
}

import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import type { Lease, SettleOp, SettleResult } from '../domain/task.js';
import type { QueueStats } from '../lease-store/lease-store.js';
import { ATTR } from '../spans/semconv.js';

/** What the gauges read when a reader collects. */
export interface MetricSources {
  /** The store's counts for one queue. */
  stats(queue: string): Promise<QueueStats>;
  /**
   * The first `limit` queues the store knows, whichever replica used it, so that any
   * replica reports the depth of every queue up to the cap. Optional: without it, only
   * queues this replica saw.
   */
  queues?(limit: number): Promise<string[]>;
  /** Queues with their own series, at most (`--metrics-max-queues`). Default MAX_QUEUES. */
  maxQueues?: number;
  /**
   * Open Claim streams, the credit they were granted and have not used, and the lease
   * bytes written to them that the network has not taken yet.
   */
  streams(): { open: number; credit: number; bufferedBytes: number };
}

/** Queues with their own series by default; later ones share the series of `OTHER_QUEUE`. */
export const MAX_QUEUES = 1000;
/** The series that queues past `MAX_QUEUES` add up under: no queue's name (a name starts alphanumeric). */
export const OTHER_QUEUE = '_other';

/** Buckets of the latency histograms, in seconds: 0.5 ms to 5 min. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** Per-queue counts since start, read by the observable counters at collection. */
interface QueueSeries {
  readonly attributes: Attributes;
  enqueued: number;
  leased: number;
  completed: number;
  failed: number;
  retried: number;
  expired: number;
  dead: number;
}

const COUNTERS = [
  [
    'enqueued',
    'Tasks stored by Enqueue and EnqueueBatch (duplicates of an idempotency key not counted), in tasks',
  ],
  ['leased', 'Leases delivered to workers, in leases'],
  ['completed', 'Leases completed, in leases'],
  ['failed', 'Leases failed by their worker, in leases'],
  ['retried', 'Deliveries of a second or later attempt, or of a task redriven from DEAD, in leases'],
  ['expired', 'Leases that ran out and were reaped, in leases'],
  ['dead', 'Tasks that became DEAD (failed permanently, or out of attempts), in tasks'],
] as const;

type CounterName = (typeof COUNTERS)[number][0];

/**
 * codeQ's OpenTelemetry metrics, per queue: claim latency (enqueue → lease, first
 * attempts) and settle latency histograms; enqueued, leased, completed, failed, retried,
 * expired and dead counters; gauges of ready, scheduled, leased and dead depth, the age of
 * the oldest ready task (for every queue the store knows, from any replica), open streams
 * and unused credit.
 *
 * The hot path only adds to plain numbers (counters are observed at collection, so no
 * attribute set is hashed per task) and records histograms with one attribute object per
 * queue. Without a meter nothing is recorded at all.
 */
export class CodeqMetrics {
  readonly enabled: boolean;
  readonly #series = new Map<string, QueueSeries>();
  readonly #claimLatency: Histogram | undefined;
  readonly #settleLatency: Histogram | undefined;
  readonly #enqueueLatency: Histogram | undefined;
  readonly #maxQueues: number;

  /**
   * Without a meter nothing is recorded, unless `options.count`: then the per-queue
   * counters are kept as plain numbers for in-process readers (the console's rate charts).
   */
  constructor(meter: Meter | undefined, sources: MetricSources, options: { count?: boolean } = {}) {
    this.enabled = meter !== undefined || options.count === true;
    this.#maxQueues = sources.maxQueues ?? MAX_QUEUES;
    if (!meter) return;
    this.#claimLatency = meter.createHistogram('codeq.claim.latency_seconds', {
      description: "Time from a task's enqueue to its first lease (not after a redrive), in seconds",
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.#enqueueLatency = meter.createHistogram('codeq.enqueue.latency_seconds', {
      description: 'Time from the server handing a task to the store to the store holding it, in seconds',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    this.#settleLatency = meter.createHistogram('codeq.settle.latency_seconds', {
      description: 'Time from a settle reaching the server to the store applying it, in seconds',
      unit: 's',
      advice: { explicitBucketBoundaries: LATENCY_BUCKETS },
    });
    const counters = COUNTERS.map(
      ([name, description]) =>
        [name, meter.createObservableCounter(`codeq.tasks.${name}`, { description })] as const,
    );
    meter.addBatchObservableCallback(
      (result) => {
        for (const series of this.#series.values())
          for (const [name, counter] of counters) result.observe(counter, series[name], series.attributes);
      },
      counters.map(([, c]) => c),
    );

    const depth = meter.createObservableGauge('codeq.queue.depth', {
      description: 'Tasks of a queue by state (ready, scheduled, leased, dead), in tasks',
    });
    const oldest = meter.createObservableGauge('codeq.queue.oldest_ready_age_seconds', {
      description: 'How long the ready task that has waited longest has waited, in seconds',
      unit: 's',
    });
    meter.addBatchObservableCallback(
      async (result) => {
        const now = Date.now();
        let known: string[] = [];
        try {
          known = (await sources.queues?.(this.#maxQueues)) ?? [];
        } catch {
          // store unreachable: the per-queue reads below fail the same way
        }
        for (const queue of known) if (this.#series.size < this.#maxQueues) this.#seriesOf(queue);
        await Promise.all(
          [...this.#series].map(async ([queue, series]) => {
            if (queue === OTHER_QUEUE) return;
            let stats: QueueStats;
            try {
              stats = await sources.stats(queue);
            } catch {
              return; // store unreachable: no sample beats a wrong one
            }
            for (const state of ['ready', 'scheduled', 'leased', 'dead'] as const)
              result.observe(depth, stats[state], { ...series.attributes, state });
            const age = stats.oldestReadySince === null ? 0 : (now - stats.oldestReadySince) / 1000;
            result.observe(oldest, Math.max(0, age), series.attributes);
          }),
        );
      },
      [depth, oldest],
    );

    const open = meter.createObservableGauge('codeq.streams.open', {
      description: 'Open Claim streams, in streams',
    });
    const credit = meter.createObservableGauge('codeq.streams.credit', {
      description: 'Credit workers granted and no lease has used yet, in leases',
    });
    const buffered = meter.createObservableGauge('codeq.streams.buffered_bytes', {
      description:
        'Bytes held for streams: leases written to Claim streams and not yet taken by the network, and EnqueueStream requests read and not yet stored (at most --max-buffered-bytes), in bytes',
    });
    // The server's own memory, read without --inspect: what a memory bound is checked against.
    const heap = meter.createObservableGauge('codeq.process.heap_used_bytes', {
      description: 'V8 heap in use, in bytes',
    });
    const external = meter.createObservableGauge('codeq.process.external_bytes', {
      description: 'Memory outside the V8 heap held by JavaScript objects (Buffers), in bytes',
    });
    meter.addBatchObservableCallback(
      (result) => {
        const s = sources.streams();
        result.observe(open, s.open);
        result.observe(credit, s.credit);
        result.observe(buffered, s.bufferedBytes);
        const memory = process.memoryUsage();
        result.observe(heap, memory.heapUsed);
        result.observe(external, memory.external);
      },
      [open, credit, buffered, heap, external],
    );
  }

  /** A queue the server serves (a stream named it, or a task was enqueued to it): its gauges are reported from now on. */
  queueSeen(queue: string): void {
    if (this.enabled) this.#seriesOf(queue);
  }

  enqueued(queue: string, count: number): void {
    if (this.enabled && count > 0) this.#seriesOf(queue).enqueued += count;
  }

  /**
   * One task the store answered for, `latencyMs` after the server handed it over: new or a
   * duplicate of an earlier one (only a new one counts as enqueued).
   */
  stored(queue: string, duplicate: boolean, latencyMs: number): void {
    if (!this.enabled) return;
    if (!duplicate) this.enqueued(queue, 1);
    this.#enqueueLatency?.record(latencyMs / 1000, this.#seriesOf(queue).attributes);
  }

  /** Leases delivered: counts them, and the claim latency of first attempts (`leaseMs` recovers the lease time from the deadline). */
  leased(queue: string, leases: readonly Lease[], leaseMs: number): void {
    if (!this.enabled) return;
    const series = this.#seriesOf(queue);
    series.leased += leases.length;
    for (const lease of leases) {
      const task = lease.task;
      // A redriven task starts again at attempt 1 but keeps its enqueue time, and carries
      // the operator's note: a delivery again, not a first lease minutes after its enqueue.
      if (task.attempt > 1 || task.history !== undefined) {
        series.retried++;
      } else {
        const waited = lease.deadline - leaseMs - task.enqueueTime;
        this.#claimLatency?.record(Math.max(0, waited) / 1000, series.attributes);
      }
    }
  }

  /** A claim's maintenance reaped `expired` leases, `dead` of which killed their task. */
  reaped(queue: string, expired: number, dead: number): void {
    if (!this.enabled || (expired === 0 && dead === 0)) return;
    const series = this.#seriesOf(queue);
    series.expired += expired;
    series.dead += dead;
  }

  /** One settle applied (or refused) by the store, `latencyMs` after it reached the server. */
  settled(queue: string, op: SettleOp, result: SettleResult, latencyMs: number): void {
    if (!this.enabled || op.kind === 'extend') return;
    const series = this.#seriesOf(queue);
    this.#settleLatency?.record(latencyMs / 1000, series.attributes);
    if (result.status !== 'ok') return;
    if (op.kind === 'complete') series.completed++;
    else if (op.kind === 'fail') {
      series.failed++;
      if (result.dead) series.dead++;
    }
  }

  /** The queues this replica keeps counters for (at most {@link MAX_QUEUES}, then `_other`). */
  queues(): IterableIterator<string> {
    return this.#series.keys();
  }

  /** How many of `name` this replica counted for `queue` (tests and tools). */
  count(queue: string, name: CounterName): number {
    return this.#series.get(queue)?.[name] ?? 0;
  }

  #seriesOf(queue: string): QueueSeries {
    let series = this.#series.get(queue);
    if (series) return series;
    if (this.#series.size >= this.#maxQueues && queue !== OTHER_QUEUE) return this.#seriesOf(OTHER_QUEUE);
    series = {
      attributes: { [ATTR.destination]: queue },
      enqueued: 0,
      leased: 0,
      completed: 0,
      failed: 0,
      retried: 0,
      expired: 0,
      dead: 0,
    };
    this.#series.set(queue, series);
    return series;
  }
}

import type { BenchOptions } from '../cli/options.js';
import { ChildHandle } from '../core/child-handle.js';
import { LOAD_CPU, pinProcess } from '../core/pin.js';
import type { ProcessStats } from '../core/process-stats.js';
import type { LeaseInterval, LeaseSnapshot } from '../load/lease-recorder.js';
import type { WorkerSpec } from '../load/load-workers.js';
import type { PrefillArgs, ProduceArgs, ProduceResult, ProducerInitArgs } from '../load/producer-process.js';
import type { WorkerInitArgs } from '../load/worker-process.js';
import type { SystemUnderTest } from './system.js';

/** What the worker processes hold, merged. */
export interface FleetSnapshot {
  leases: LeaseSnapshot[];
  held: number;
  workers: ProcessStats[];
}

/** Options of {@link Fleet.start}. */
export interface FleetOptions {
  queue: string;
  /** Worker side; `streams: 0` starts no worker process. */
  workers: Omit<WorkerSpec, 'queue'>;
  usePriorities?: boolean;
  /** Producer processes; default `options.producers` (0 for a worker-only fleet). */
  producers?: number;
  /** Measure this epoch from the moment the workers start (they take a prefilled queue at once). */
  measureFrom?: { epoch: number; startedAt: number };
}

/**
 * The load generator of one run: producer processes and worker processes, each apart
 * from the system under test. Rates are split over the producers and streams over the
 * worker processes; their reports are merged here.
 */
export class Fleet {
  readonly #producers: ChildHandle[];
  readonly #workers: ChildHandle[];

  private constructor(producers: ChildHandle[], workers: ChildHandle[]) {
    this.#producers = producers;
    this.#workers = workers;
  }

  static async start(sut: SystemUnderTest, options: BenchOptions, fleet: FleetOptions): Promise<Fleet> {
    const producers: ChildHandle[] = [];
    const workers: ChildHandle[] = [];
    const started = new Fleet(producers, workers);
    try {
      const streams = fleet.workers.streams;
      const procs = streams === 0 ? 0 : Math.max(1, Math.min(options.workerProcs, streams));
      const spawnWorkers = Array.from({ length: procs }, async (_, i) => {
        const child = await ChildHandle.start({ name: `workers-${i}`, module: 'load/worker-process' });
        workers.push(child);
        if (options.pin) pinProcess(child.pid, LOAD_CPU);
        const share = Math.floor(streams / procs) + (i < streams % procs ? 1 : 0);
        const firstStream = i * Math.floor(streams / procs) + Math.min(i, streams % procs);
        const args: WorkerInitArgs = {
          system: sut.name,
          address: sut.address,
          redisUrl: sut.redisUrl,
          client: options.client,
          spec: {
            ...fleet.workers,
            queue: fleet.queue,
            queues: options.queues,
            firstStream,
            streams: share,
            prefetch: options.prefetch,
          },
          measureFrom: fleet.measureFrom,
        };
        await child.call('init', args);
      });
      const spawnProducers = Array.from({ length: fleet.producers ?? options.producers }, async (_, i) => {
        const child = await ChildHandle.start({ name: `producer-${i}`, module: 'load/producer-process' });
        producers.push(child);
        if (options.pin) pinProcess(child.pid, LOAD_CPU);
        const args: ProducerInitArgs = {
          system: sut.name,
          address: sut.address,
          redisUrl: sut.redisUrl,
          spec: {
            queue: fleet.queue,
            queues: options.queues,
            payloadBytes: options.payloadBytes,
            usePriorities: fleet.usePriorities ?? false,
            transport: options.producer,
          },
        };
        await child.call('init', args);
      });
      await Promise.all([...spawnWorkers, ...spawnProducers]);
    } catch (err) {
      await started.stop();
      throw err;
    }
    return started;
  }

  /** Sends a load from every producer (rate and count split evenly) and merges the results. */
  async produce(args: ProduceArgs): Promise<ProduceResult[]> {
    const n = this.#producers.length;
    return Promise.all(
      this.#producers.map((p, i) =>
        p.call<ProduceResult>('produce', {
          ...args,
          rate: args.rate / n,
          count: Number.isFinite(args.count)
            ? Math.floor(args.count / n) + (i < args.count % n ? 1 : 0)
            : args.count,
          seed: args.seed + i,
        } satisfies ProduceArgs),
      ),
    );
  }

  /** Fills the queue, split over the producers. */
  async prefill(args: PrefillArgs): Promise<{ count: number; elapsedMs: number }> {
    const n = this.#producers.length;
    const parts = await Promise.all(
      this.#producers.map((p, i) =>
        p.call<{ count: number; elapsedMs: number }>('prefill', {
          ...args,
          count: Math.floor(args.count / n) + (i < args.count % n ? 1 : 0),
        } satisfies PrefillArgs),
      ),
    );
    return {
      count: parts.reduce((sum, p) => sum + p.count, 0),
      elapsedMs: Math.max(...parts.map((p) => p.elapsedMs)),
    };
  }

  /** Starts measuring `epoch` on every worker process. */
  async measure(epoch: number, startedAt: number): Promise<void> {
    await Promise.all([
      ...this.#workers.map((w) => w.call('measure', { epoch, startedAt })),
      ...this.#producers.map((p) => p.call('resetStats')),
    ]);
  }

  /** Leases and completions of the measured epoch so far, summed. */
  async counts(): Promise<{ received: number; completed: number; other: number; held: number }> {
    const all = await Promise.all(
      this.#workers.map((w) =>
        w.call<{ received: number; completed: number; other: number; held: number }>('counts'),
      ),
    );
    return all.reduce(
      (a, b) => ({
        received: a.received + b.received,
        completed: a.completed + b.completed,
        other: a.other + b.other,
        held: a.held + b.held,
      }),
      { received: 0, completed: 0, other: 0, held: 0 },
    );
  }

  async snapshot(): Promise<FleetSnapshot> {
    const all = await Promise.all(
      this.#workers.map((w) =>
        w.call<{ leases: LeaseSnapshot; held: number; process: ProcessStats }>('snapshot'),
      ),
    );
    return {
      leases: all.map((a) => a.leases),
      held: all.reduce((sum, a) => sum + a.held, 0),
      workers: all.map((a) => a.process),
    };
  }

  async producerStats(): Promise<ProcessStats[]> {
    return Promise.all(this.#producers.map((p) => p.call<ProcessStats>('processStats')));
  }

  /** Hears every worker process's once-a-second report; returns the function that stops listening. */
  onLeaseInterval(listener: (interval: LeaseInterval) => void): () => void {
    const offs = this.#workers.map((w) => w.on('interval', (data) => listener(data as LeaseInterval)));
    return () => offs.forEach((off) => off());
  }

  async stop(): Promise<void> {
    await Promise.all([...this.#producers, ...this.#workers].map((c) => c.stop()));
  }
}

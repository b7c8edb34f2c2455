import { Worker, type ConnectionOptions } from 'bullmq';
import { jobDataStamp, type JobData } from '../core/stamp.js';
import type { LeaseRecorder } from './lease-recorder.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';
import { streamQueue } from './queue-spread.js';

/** BullMQ's connection settings for the bench's private Redis (workers need no request retry limit). */
export function bullmqConnection(redisUrl: string): ConnectionOptions {
  const url = new URL(redisUrl);
  return { host: url.hostname, port: Number(url.port), maxRetriesPerRequest: null };
}

const never = new Promise<never>(() => {});

/**
 * The worker side on BullMQ: `spec.streams` Worker instances with `spec.concurrency`
 * each. A job counts as leased when its processor starts (BullMQ has moved it to active
 * and holds its lock) and as completed on the worker's 'completed' event, which fires
 * once the job is moved to completed in Redis.
 */
export class BullmqWorkers implements LoadWorkers {
  readonly #workers: Worker<JobData>[] = [];
  #held = 0;
  readonly #redisUrl: string;
  readonly #spec: WorkerSpec;
  readonly #recorder: LeaseRecorder;

  constructor(redisUrl: string, spec: WorkerSpec, recorder: LeaseRecorder) {
    this.#redisUrl = redisUrl;
    this.#spec = spec;
    this.#recorder = recorder;
  }

  async start(): Promise<void> {
    const spec = this.#spec;
    const recorder = this.#recorder;
    for (let i = 0; i < spec.streams; i++) {
      const worker = new Worker<JobData>(
        streamQueue(spec, i),
        async (job) => {
          recorder.lease(i, jobDataStamp(job.data));
          if (spec.hold) {
            this.#held++;
            await never;
          }
          if (spec.workMs > 0) await new Promise((r) => setTimeout(r, spec.workMs));
          recorder.slotFreed(i);
        },
        {
          connection: bullmqConnection(this.#redisUrl),
          concurrency: spec.concurrency,
          lockDuration: spec.leaseMs,
          // The bench drives its own loads: no stalled-job checks racing the measurement.
          stalledInterval: Math.max(30_000, spec.leaseMs),
          removeOnComplete: { count: 0 },
          removeOnFail: { count: 0 },
        },
      );
      worker.on('completed', (job) => recorder.completed(jobDataStamp(job.data)));
      worker.on('error', () => {});
      this.#workers.push(worker);
    }
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
  }

  held(): number {
    return this.#held;
  }

  async stop(): Promise<void> {
    // force: held jobs never finish; their locks simply lapse in the discarded Redis.
    await Promise.all(this.#workers.map((w) => w.close(true)));
  }
}

import { Queue, type JobsOptions } from 'bullmq';
import { stampJobData, type JobData, type Stamp } from '../core/stamp.js';
import { bullmqConnection } from './bullmq-workers.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';

/**
 * Enqueues with BullMQ's `Queue.add` (one round trip per job, like a unary Enqueue) and
 * `addBulk` for prefill. Completed and failed jobs are removed at once, the setting that
 * costs BullMQ least; codeQ keeps finished tasks readable for its retention window.
 */
export class BullmqProducer implements LoadProducer {
  readonly #queue: Queue<JobData>;
  readonly #spec: ProducerSpec;

  constructor(redisUrl: string, spec: ProducerSpec) {
    this.#spec = spec;
    this.#queue = new Queue<JobData>(spec.queue, { connection: bullmqConnection(redisUrl) });
  }

  async send(stamp: Stamp): Promise<void> {
    await this.#queue.add('t', stampJobData(stamp, this.#spec.payloadBytes), this.#options(stamp));
  }

  async sendBatch(stamps: readonly Stamp[]): Promise<void> {
    await this.#queue.addBulk(
      stamps.map((stamp) => ({
        name: 't',
        data: stampJobData(stamp, this.#spec.payloadBytes),
        opts: this.#options(stamp),
      })),
    );
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }

  #options(stamp: Stamp): JobsOptions {
    const opts: JobsOptions = { removeOnComplete: true, removeOnFail: true };
    // BullMQ: 1 is the highest priority; codeQ: 9 is.
    if (this.#spec.usePriorities) opts.priority = 10 - stamp.priority;
    if (stamp.delayMs > 0) opts.delay = stamp.delayMs;
    return opts;
  }
}

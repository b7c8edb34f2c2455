import { Queue, type JobsOptions } from 'bullmq';
import { groupBy } from '../../src/domain/group-by.js';
import { stampJobData, type JobData, type Stamp } from '../core/stamp.js';
import { bullmqConnection } from './bullmq-workers.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';
import { QueueTurns } from './queue-spread.js';

/**
 * Enqueues with BullMQ's `Queue.add` (one round trip per job, like a unary Enqueue) and
 * `addBulk` for prefill. Completed and failed jobs are removed at once, the setting that
 * costs BullMQ least; codeQ keeps finished tasks readable for its retention window.
 */
export class BullmqProducer implements LoadProducer {
  /** One Queue object per queue name (`--queues`), made when first used. */
  readonly #queues = new Map<string, Queue<JobData>>();
  readonly #turns: QueueTurns;
  readonly #redisUrl: string;
  readonly #spec: ProducerSpec;

  constructor(redisUrl: string, spec: ProducerSpec) {
    this.#redisUrl = redisUrl;
    this.#spec = spec;
    this.#turns = new QueueTurns(spec.queue, spec.queues);
  }

  async send(stamp: Stamp): Promise<void> {
    await this.#queue(this.#turns.next()).add(
      't',
      stampJobData(stamp, this.#spec.payloadBytes),
      this.#options(stamp),
    );
  }

  async sendBatch(stamps: readonly Stamp[]): Promise<void> {
    const byQueue = groupBy(stamps, () => this.#turns.next());
    await Promise.all(
      [...byQueue].map(([name, list]) =>
        this.#queue(name).addBulk(
          list.map((stamp) => ({
            name: 't',
            data: stampJobData(stamp, this.#spec.payloadBytes),
            opts: this.#options(stamp),
          })),
        ),
      ),
    );
  }

  async close(): Promise<void> {
    await Promise.all([...this.#queues.values()].map((q) => q.close()));
  }

  #queue(name: string): Queue<JobData> {
    let queue = this.#queues.get(name);
    if (!queue) {
      queue = new Queue<JobData>(name, { connection: bullmqConnection(this.#redisUrl) });
      this.#queues.set(name, queue);
    }
    return queue;
  }

  #options(stamp: Stamp): JobsOptions {
    const opts: JobsOptions = { removeOnComplete: true, removeOnFail: true };
    // BullMQ: 1 is the highest priority; codeQ: 9 is.
    if (this.#spec.usePriorities) opts.priority = 10 - stamp.priority;
    if (stamp.delayMs > 0) opts.delay = stamp.delayMs;
    return opts;
  }
}

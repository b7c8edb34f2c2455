import { Producer, type BatchTask, type TaskOptions } from '../../clients/producer.js';
import { encodeStamp, type Stamp } from '../core/stamp.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';
import { QueueTurns } from './queue-spread.js';

/**
 * Enqueues over the codeQ client library (`clients/Producer`): one EnqueueStream message
 * per task, or one unary Enqueue call per task with `--producer unary`.
 */
export class CodeqProducer implements LoadProducer {
  readonly #producer: Producer;
  readonly #spec: ProducerSpec;
  readonly #queues: QueueTurns;

  constructor(address: string, spec: ProducerSpec) {
    this.#spec = spec;
    this.#queues = new QueueTurns(spec.queue, spec.queues);
    this.#producer = new Producer({ address, transport: spec.transport === 'stream' ? 'stream' : 'unary' });
  }

  async send(stamp: Stamp): Promise<void> {
    await this.#producer.enqueue(
      this.#queues.next(),
      encodeStamp(stamp, this.#spec.payloadBytes),
      options(stamp),
    );
  }

  async sendBatch(stamps: readonly Stamp[]): Promise<void> {
    const tasks: BatchTask[] = stamps.map((stamp) => ({
      queue: this.#queues.next(),
      payload: encodeStamp(stamp, this.#spec.payloadBytes),
      ...options(stamp),
    }));
    await this.#producer.enqueueBatch(tasks);
  }

  close(): Promise<void> {
    this.#producer.close();
    return Promise.resolve();
  }
}

/** Only what differs from the defaults, so requests stay as small as users' would. */
export function options(stamp: Stamp): TaskOptions {
  const out: TaskOptions = {};
  if (stamp.priority !== 0) out.priority = stamp.priority;
  if (stamp.delayMs > 0) out.delayMs = stamp.delayMs;
  if (stamp.key !== undefined) out.fairnessKey = stamp.key;
  return out;
}

import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { rabbitQueueName } from '../infra/rabbitmq.js';
import { encodeStamp, type Stamp } from '../core/stamp.js';
import type { LoadProducer, ProducerSpec } from './load-producer.js';

/**
 * Publishes to RabbitMQ as a careful producer would: persistent messages on a durable
 * queue over a confirm channel, each send resolving when the broker confirmed it (the
 * counterpart of an acknowledged Enqueue). Priorities and delays are not passed: the
 * scenarios that compare use neither.
 */
export class RabbitmqProducer implements LoadProducer {
  readonly #queue: string;
  readonly #ready: Promise<{ connection: ChannelModel; channel: ConfirmChannel }>;
  readonly #spec: ProducerSpec;

  constructor(url: string, spec: ProducerSpec) {
    this.#spec = spec;
    const queue = rabbitQueueName(spec.queue);
    this.#queue = queue;
    this.#ready = (async () => {
      const connection = await connect(url);
      const channel = await connection.createConfirmChannel();
      await channel.assertQueue(queue, { durable: true });
      return { connection, channel };
    })();
  }

  async send(stamp: Stamp): Promise<void> {
    const { channel } = await this.#ready;
    await new Promise<void>((resolve, reject) => {
      channel.sendToQueue(
        this.#queue,
        encodeStamp(stamp, this.#spec.payloadBytes),
        { persistent: true },
        (err: unknown) =>
          err ? reject(err instanceof Error ? err : new Error('publish nacked')) : resolve(),
      );
    });
  }

  async sendBatch(stamps: readonly Stamp[]): Promise<void> {
    const { channel } = await this.#ready;
    for (const stamp of stamps)
      channel.sendToQueue(this.#queue, encodeStamp(stamp, this.#spec.payloadBytes), { persistent: true });
    await channel.waitForConfirms();
  }

  async close(): Promise<void> {
    const { connection } = await this.#ready;
    await connection.close();
  }
}

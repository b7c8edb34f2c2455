import { connect, type Channel, type ChannelModel } from 'amqplib';
import { rabbitQueueName } from '../infra/rabbitmq.js';
import { decodeStamp } from '../core/stamp.js';
import type { LeaseRecorder } from './lease-recorder.js';
import type { LoadWorkers, WorkerSpec } from './load-workers.js';

/**
 * The worker side on RabbitMQ: one channel per stream on one connection per process,
 * `prefetch` = concurrency, manual acks (the counterpart of codeQ's credit and settles).
 * A message counts as leased when it is delivered and as completed when the worker acks
 * it: AMQP does not confirm acks, so "completed" is one hop earlier than codeQ's.
 */
export class RabbitmqWorkers implements LoadWorkers {
  readonly #channels: Channel[] = [];
  #connection: ChannelModel | undefined;
  #held = 0;
  readonly #url: string;
  readonly #spec: WorkerSpec;
  readonly #recorder: LeaseRecorder;

  constructor(url: string, spec: WorkerSpec, recorder: LeaseRecorder) {
    this.#url = url;
    this.#spec = spec;
    this.#recorder = recorder;
  }

  async start(): Promise<void> {
    const spec = this.#spec;
    const recorder = this.#recorder;
    const queue = rabbitQueueName(spec.queue);
    this.#connection = await connect(this.#url);
    for (let i = 0; i < spec.streams; i++) {
      const channel = await this.#connection.createChannel();
      await channel.assertQueue(queue, { durable: true });
      await channel.prefetch(spec.concurrency);
      this.#channels.push(channel);
      await channel.consume(
        queue,
        (msg) => {
          if (!msg) return;
          const stamp = decodeStamp(msg.content);
          recorder.lease(i, stamp);
          if (spec.hold) {
            this.#held++;
            return;
          }
          const finish = (): void => {
            recorder.slotFreed(i);
            channel.ack(msg);
            recorder.completed(stamp);
          };
          if (spec.workMs > 0) setTimeout(finish, spec.workMs);
          else finish();
        },
        { noAck: false },
      );
    }
  }

  held(): number {
    return this.#held;
  }

  async stop(): Promise<void> {
    // Closing the connection returns unacked (held) messages to the queue, purged next run.
    await this.#connection?.close();
  }
}

import { FinishWaiters } from '../finish-waiters.js';
import type { RedisClient } from './connection.js';
import type { KeySpace } from './keys.js';

const noop = (): void => {};

/**
 * What this replica hears from the others over its second connection: wake-ups on the
 * wake channel (`<instanceId>:<queue>`, its own echo skipped) and finish events on the
 * finish channel, which wake the store's callers of `waitFinished`.
 *
 * Messages published while the connection was down are lost. Once it is subscribed
 * again, every queue this replica serves is announced ready and every waiter re-reads
 * its task, so a missed wake-up or finish costs a re-check, never a stuck claim or wait.
 */
export class ReplicaChannel {
  /** Callers of `waitFinished`, by task hash key: what the finish channel's messages name. */
  readonly waiters = new FinishWaiters();
  /** Queues this store claimed from: told `ready` after the subscriber reconnects. */
  readonly #served = new Set<string>();
  readonly #subscriber: RedisClient;
  readonly #keys: KeySpace;
  readonly #instanceId: string;
  readonly #onReady: (queue: string) => void;

  constructor(subscriber: RedisClient, keys: KeySpace, instanceId: string, onReady: (queue: string) => void) {
    this.#subscriber = subscriber;
    this.#keys = keys;
    this.#instanceId = instanceId;
    this.#onReady = onReady;
  }

  /** Subscribes to both channels; resolves once Redis confirmed it. */
  async subscribe(): Promise<void> {
    this.#subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.#keys.finishChannel) {
        this.waiters.notify(message);
        return;
      }
      if (channel !== this.#keys.wakeChannel) return;
      const sep = message.indexOf(':');
      if (sep < 0 || message.slice(0, sep) === this.#instanceId) return;
      this.#onReady(message.slice(sep + 1));
    });
    await this.#subscriber.subscribe(this.#keys.wakeChannel, this.#keys.finishChannel);
    // ioredis re-subscribes after a reconnect; subscribing twice is harmless and tells us when.
    this.#subscriber.on('ready', () => {
      this.#subscriber.subscribe(this.#keys.wakeChannel, this.#keys.finishChannel).then(() => {
        for (const queue of this.#served) this.#onReady(queue);
        this.waiters.notifyAll();
      }, noop);
    });
  }

  /** This store claims from `queue`: announce it ready after a reconnect, in case a wake-up was missed. */
  serve(queue: string): void {
    this.#served.add(queue);
  }

  /** Wakes every waiter and closes the connection. */
  async close(): Promise<void> {
    this.waiters.notifyAll();
    await this.#subscriber.quit().catch(noop);
    this.#subscriber.disconnect();
  }
}

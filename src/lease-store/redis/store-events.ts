import type { StoreListener } from '../lease-store.js';
import type { ReplicaTracker } from './replica-tracker.js';

/**
 * The Redis store's listener and what it is told: `ready` when tasks became claimable
 * (this replica's operations, other replicas' wake-ups, a reconnect's re-check) and `due`
 * when an operation of this replica scheduled something, which also goes into the due
 * index (replica-tracker.ts). Events are told synchronously, after the operation has
 * happened in Redis.
 */
export class StoreEvents {
  #listener: StoreListener | undefined;
  readonly #replica: ReplicaTracker;

  constructor(replica: ReplicaTracker) {
    this.#replica = replica;
  }

  /** Replaces the listener; undefined stops the events (the store closed). */
  listen(listener: StoreListener | undefined): void {
    this.#listener = listener;
  }

  /** `queue` has ready tasks: `count` of them when the caller knows (a listener that throws is only warned of). */
  ready(queue: string, count?: number): void {
    // The operation has already happened in Redis when the listener hears of it: a
    // listener that throws must not turn that success into an error the caller retries.
    try {
      this.#listener?.ready(queue, count);
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** `queue` has timed work `inMs` from now: noted in the due index, then told to the listener. */
  due(queue: string, inMs: number): void {
    this.#replica.noteDue(queue, inMs, false);
    try {
      this.#listener?.due(queue, inMs);
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

import { MinHeap } from './min-heap.js';
import type { QueueState } from './queue-state.js';

type Expiry =
  | { kind: 'task'; at: number; queue: string; taskId: string; finishedAt: number }
  | { kind: 'key'; at: number; queue: string; key: string; firstUsed: number };

/**
 * Forgets finished tasks and spent idempotency keys once their time is up, so an
 * embedded store that runs for weeks holds only what is still readable. One heap by
 * expiry for the whole store: a purge looks at nothing that is not due.
 */
export class Retention {
  readonly #heap = new MinHeap<Expiry>((a, b) => a.at < b.at);

  /**
   * The task, which finished at `finishedAt`, may be dropped at `at`, unless it no longer
   * finished then (a DEAD task redriven since).
   */
  expireTask(queue: string, taskId: string, finishedAt: number, at: number): void {
    this.#heap.push({ kind: 'task', at, queue, taskId, finishedAt });
  }

  /** The idempotency key first used at `firstUsed` stops answering at `at`. */
  expireKey(queue: string, key: string, firstUsed: number, at: number): void {
    this.#heap.push({ kind: 'key', at, queue, key, firstUsed });
  }

  /**
   * Drops up to `limit` entries due at or before `now`, and queues left with nothing in
   * them. Bounded so that one call stays cheap after a long idle spell; the rest goes on
   * the next call.
   */
  purge(now: number, queues: Map<string, QueueState>, limit: number): void {
    for (let i = 0; i < limit; i++) {
      const e = this.#heap.peek();
      if (e === undefined || e.at > now) return;
      this.#heap.pop();
      const q = queues.get(e.queue);
      if (q === undefined) continue;
      if (e.kind === 'task') {
        if (q.tasks.get(e.taskId)?.finishedAt === e.finishedAt) q.tasks.delete(e.taskId);
      } else if (q.idempotency.get(e.key)?.firstUsed === e.firstUsed) {
        // A key reused after its window has a newer entry; only the entry this expiry names goes.
        q.idempotency.delete(e.key);
      }
      if (q.isEmpty) queues.delete(e.queue);
    }
  }

  clear(): void {
    this.#heap.retain(() => false);
  }
}

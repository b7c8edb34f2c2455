import type { NewTask } from '../../src/domain/task.js';

/** A ready task of `queue` with a 100-byte payload, default attempts, no backoff, no key or headers: what the store tools enqueue. */
export function plainTask(queue: string): NewTask {
  return {
    queue,
    payload: Buffer.alloc(100),
    priority: 0,
    delayMs: 0,
    maxAttempts: 5,
    retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
    idempotencyKey: '',
    headers: {},
  };
}

import type { NewTask } from '../../src/domain/task.js';

/** A valid task for `queue` with a 1-byte payload, no delay and no backoff; `overrides` change any field. */
export function newTask(queue: string, overrides: Partial<NewTask> = {}): NewTask {
  return {
    queue,
    payload: Buffer.from('p'),
    priority: 0,
    delayMs: 0,
    maxAttempts: 5,
    retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
    idempotencyKey: '',
    headers: {},
    ...overrides,
  };
}

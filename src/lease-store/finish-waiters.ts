import type { TaskState } from '../domain/task.js';

/** The states a task never leaves: what `waitFinished` waits for. */
export function isFinal(state: TaskState): boolean {
  return state === 'COMPLETED' || state === 'DEAD' || state === 'CANCELLED';
}

/**
 * In-process waiters of `waitFinished`, by key (one per task). A store calls `notify`
 * when it learns that a task finished; each waiter then reads the task again, so a
 * notification that arrives for a task which has not finished does no harm.
 */
export class FinishWaiters {
  readonly #waiting = new Map<string, Set<() => void>>();

  /** Resolves on `notify(key)`, after `timeoutMs`, or when `signal` aborts, whichever comes first. */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      let set = this.#waiting.get(key);
      if (!set) this.#waiting.set(key, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiting.get(key) === waiters) this.#waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
    });
  }

  /** Wakes every waiter of `key`. */
  notify(key: string): void {
    const set = this.#waiting.get(key);
    if (set) for (const done of [...set]) done();
  }

  /** Keys someone waits for: to re-check after events may have been missed. */
  keys(): string[] {
    return [...this.#waiting.keys()];
  }

  /** Whether anyone waits for `key`. */
  has(key: string): boolean {
    return this.#waiting.has(key);
  }

  /** Wakes every waiter. */
  notifyAll(): void {
    for (const key of this.keys()) this.notify(key);
  }
}

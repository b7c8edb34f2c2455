import type { TaskState } from '../domain/task.js';
import { setLongTimeout } from '../domain/long-timeout.js';

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

  /**
   * A wait that resolves on `notify(key)`, after `timeoutMs`, or when `signal` aborts,
   * whichever comes first; `cancel` resolves it at once without waking anyone else.
   */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): { woken: Promise<void>; cancel(): void } {
    let cancel = (): void => {};
    const woken = new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      let set = this.#waiting.get(key);
      if (!set) this.#waiting.set(key, (set = new Set()));
      const waiters = set;
      const done = (): void => {
        timer.clear();
        signal?.removeEventListener('abort', done);
        waiters.delete(done);
        if (waiters.size === 0 && this.#waiting.get(key) === waiters) this.#waiting.delete(key);
        resolve();
      };
      // A WaitTask's timeout is the caller's number: any length must wait, not fire at once.
      const timer = setLongTimeout(done, timeoutMs);
      signal?.addEventListener('abort', done, { once: true });
      waiters.add(done);
      cancel = done;
    });
    return { woken, cancel: () => cancel() };
  }

  /**
   * Waits until `read` returns null or a finished task, or `timeoutMs` passes, or `signal`
   * aborts, reading again on every `notify(key)`: a wake-up that was not a finish (or one
   * sent to every waiter after events may have been lost) never ends the wait early.
   * Each wait starts before its read, so a finish between the two is not missed.
   */
  async until<T extends { state: TaskState }>(
    key: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
    read: () => Promise<T | null>,
  ): Promise<T | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const wait = this.wait(key, end - Date.now(), signal);
      let task: T | null;
      try {
        task = await read();
      } catch (err) {
        wait.cancel();
        throw err;
      }
      if (task === null || isFinal(task.state) || Date.now() >= end || signal?.aborted) {
        wait.cancel();
        return task;
      }
      await wait.woken;
    }
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

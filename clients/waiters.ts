import { setLongTimeout } from '../src/domain/long-timeout.js';

/**
 * Promises that wait for a condition on state that changes in callbacks. The owner calls
 * {@link changed} after every change that could matter; each waiter re-checks its own
 * condition then, so no waiter needs to know which change it waits for.
 */
export class Waiters {
  readonly #checks = new Set<() => void>();

  /** Resolves true once `predicate` holds, false after `timeoutMs`. */
  until(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        timer.clear();
        this.#checks.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (predicate()) done(true);
      };
      const timer = setLongTimeout(() => done(false), timeoutMs);
      this.#checks.add(check);
    });
  }

  /** Re-checks every waiter. */
  changed(): void {
    if (this.#checks.size === 0) return;
    for (const check of [...this.#checks]) check();
  }
}

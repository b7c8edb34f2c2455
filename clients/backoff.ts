import { backoffMs } from '../src/domain/backoff.js';

/**
 * Exponential backoff with full jitter: the n-th delay (from 0) is uniform in
 * [0, min(max, initial × 2ⁿ)]. Full jitter spreads the workers of a restarted replica over
 * the whole window instead of bringing them back in synchronized waves.
 */
export class Backoff {
  #attempt = 0;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #random: () => number;

  constructor(initialMs: number, maxMs: number, random: () => number = Math.random) {
    this.#initialMs = initialMs;
    this.#maxMs = maxMs;
    this.#random = random;
  }

  /** Failed attempts since the last reset. */
  get attempt(): number {
    return this.#attempt;
  }

  /** The delay before the next attempt, in ms; each call widens the window of the next. */
  next(): number {
    this.#attempt++;
    return backoffMs(
      { initialBackoffMs: this.#initialMs, maxBackoffMs: this.#maxMs, multiplier: 2 },
      this.#attempt,
      this.#random(),
    );
  }

  /** Starts over from the initial window, after a connection succeeded. */
  reset(): void {
    this.#attempt = 0;
  }
}

/**
 * The longest delay one Node.js timer is armed for, in ms: one day. Node's `setTimeout`
 * turns any delay past 2^31−1 ms (24.8 days) into 1 ms, with a `TimeoutOverflowWarning`,
 * so a timer fed by a task's 30-day delay would fire at once, and a loop that re-arms it
 * after every wake-up would spin. Longer waits are taken in steps of at most this much.
 */
export const MAX_TIMER_STEP_MS = 24 * 3_600_000;

/**
 * A one-shot timer for any delay, however long: the wait is cut into steps of at most
 * {@link MAX_TIMER_STEP_MS}, and a step that ends before the due instant (by `Date.now`)
 * simply arms the next one. The callback runs once, at or after the due instant, never
 * early. Every timer whose delay comes from a user's number (a task's delay or retry
 * delay, a request's timeout) goes through this class.
 */
export class LongTimeout {
  readonly #callback: () => void;
  /** When the callback is due (ms since the epoch, `Date.now`). */
  readonly dueAt: number;
  #timer: NodeJS.Timeout | undefined;
  #unref = false;
  #cleared = false;

  /** Arms the timer: `callback` runs after `delayMs` (negative or NaN: at once; Infinity: never). */
  constructor(callback: () => void, delayMs: number) {
    this.#callback = callback;
    const ms = delayMs > 0 ? delayMs : 0;
    this.dueAt = Date.now() + ms;
    this.#arm(ms);
  }

  /** Lets the process exit while only this timer is left, as `Timeout.unref` does. */
  unref(): this {
    this.#unref = true;
    this.#timer?.unref();
    return this;
  }

  /** Cancels the timer; safe to call more than once, or after it fired. */
  clear(): void {
    this.#cleared = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    const step = Math.min(ms, MAX_TIMER_STEP_MS);
    // Only a clamped step needs the clock checked when it ends: a whole delay fires as usual.
    const last = step === ms;
    this.#timer = setTimeout(() => this.#fired(last), step);
    if (this.#unref) this.#timer.unref();
  }

  #fired(last: boolean): void {
    this.#timer = undefined;
    if (this.#cleared) return;
    const left = this.dueAt - Date.now();
    if (!last && left > 0) {
      this.#arm(left);
      return;
    }
    this.#callback();
  }
}

/** Arms a {@link LongTimeout}: `setTimeout` for delays of any length. */
export function setLongTimeout(callback: () => void, delayMs: number): LongTimeout {
  return new LongTimeout(callback, delayMs);
}

/**
 * A manual clock for lease stores under test: time moves only when the test moves it, so
 * expiry and due times are exact. `now` is a bound function, ready to pass as the
 * store's `clock` option.
 */
export class FakeClock {
  #ms: number;

  /** Starts at a realistic epoch time by default, so stores that format or compare real timestamps behave. */
  constructor(startMs = 1_700_000_000_000) {
    this.#ms = startMs;
  }

  readonly now = (): number => this.#ms;

  /** Moves time forward; a clock that runs backwards would test something no store promises. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`advance: ${ms} is not a duration >= 0`);
    this.#ms += ms;
  }

  /** Jumps to an absolute time. */
  set(ms: number): void {
    this.#ms = ms;
  }
}

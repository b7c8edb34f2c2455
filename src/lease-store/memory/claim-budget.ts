/**
 * A queue's rate limit as the memory store keeps it, mirroring scripts/snippets/fair.lua
 * (fairBudget, fairSpend): a token bucket of one second's worth of leases, refilled
 * continuously on the store clock, in thousandths of a lease so that every step is exact.
 */
export class ClaimBudget {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = perSecond * 1000;
    this.#at = now;
  }

  /** How many of `max` leases the queue may take at `now`. */
  allowed(now: number, max: number): number {
    if (now > this.#at)
      this.#tokens = Math.min(this.perSecond * 1000, this.#tokens + (now - this.#at) * this.perSecond);
    this.#at = now;
    return Math.min(max, Math.floor(this.#tokens / 1000));
  }

  /** Spends `n` leases allowed at the last `allowed`; returns the ms until the next one (0: now). */
  spend(n: number): number {
    this.#tokens -= n * 1000;
    return this.#tokens >= 1000 ? 0 : Math.ceil((1000 - this.#tokens) / this.perSecond);
  }
}

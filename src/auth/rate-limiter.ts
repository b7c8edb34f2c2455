import type { RateLimit } from './principal.js';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets, one per key (a credential's name): each holds up to `burst` tasks and
 * refills at `perSecond`. Buckets live in this process only, so a limit holds per replica.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /**
   * Takes `count` tasks from `key`'s bucket. Returns 0 when they were taken; otherwise
   * takes nothing and returns how many ms until the bucket holds `count` (Infinity when
   * `count` is over the burst and never fits).
   */
  take(key: string, limit: RateLimit, count: number): number {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = { tokens: limit.burst, updatedMs: now }));
    bucket.tokens = Math.min(
      limit.burst,
      bucket.tokens + ((now - bucket.updatedMs) * limit.perSecond) / 1_000,
    );
    bucket.updatedMs = now;
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return 0;
    }
    if (count > limit.burst) return Infinity;
    return Math.ceil(((count - bucket.tokens) * 1_000) / limit.perSecond);
  }

  /** Forgets the buckets of keys no longer in use (after a token file reload). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.buckets.keys()) if (!keys.has(key)) this.buckets.delete(key);
  }
}

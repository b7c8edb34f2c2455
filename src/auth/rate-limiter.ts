import type { RateLimit } from './principal.js';

/**
 * Where enqueue rate limits are counted: `RateLimiter` in this process, or the lease
 * store for a limit every replica shares (src/server/auth/store-rate-limits.ts).
 */
export interface RateLimits {
  /**
   * Takes `count` tasks from `key`'s bucket. Resolves 0 when they were taken; otherwise
   * takes nothing and resolves how many ms until the bucket holds `count` (Infinity when
   * `count` is over the burst and never fits).
   */
  take(key: string, limit: RateLimit, count: number): number | Promise<number>;
  /** Forgets the buckets of keys no longer in use (after a token file reload). */
  retain(keys: ReadonlySet<string>): void;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets, one per key (a credential's name): each holds up to `burst` tasks and
 * refills at `perSecond`. Buckets live in this process only, so a limit holds per replica.
 */
export class RateLimiter implements RateLimits {
  readonly #buckets = new Map<string, Bucket>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /**
   * Takes `count` tasks from `key`'s bucket. Returns 0 when they were taken; otherwise
   * takes nothing and returns how many ms until the bucket holds `count` (Infinity when
   * `count` is over the burst and never fits).
   */
  take(key: string, limit: RateLimit, count: number): number {
    const bucket = this.#refilled(key, limit);
    if (bucket.tokens >= count) {
      bucket.tokens -= count;
      return 0;
    }
    return waitFor(bucket, limit, count);
  }

  /**
   * How many ms until `key`'s bucket holds `count`, taking nothing: 0 when it holds them
   * now (Infinity when `count` is over the burst). A check before work that only a
   * failure pays for (a wrong console token), where `take` follows the failure.
   */
  waitMs(key: string, limit: RateLimit, count: number): number {
    const bucket = this.#buckets.get(key);
    if (!bucket) return count > limit.burst ? Infinity : 0;
    const tokens = Math.min(
      limit.burst,
      bucket.tokens + ((this.#now() - bucket.updatedMs) * limit.perSecond) / 1_000,
    );
    return tokens >= count ? 0 : waitFor({ tokens, updatedMs: 0 }, limit, count);
  }

  /** How many keys hold a bucket. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Forgets the buckets that have refilled to `limit`'s burst: a new bucket would be the same. */
  forgetFull(limit: RateLimit): void {
    const now = this.#now();
    for (const [key, b] of this.#buckets) {
      if (b.tokens + ((now - b.updatedMs) * limit.perSecond) / 1_000 >= limit.burst)
        this.#buckets.delete(key);
    }
  }

  #refilled(key: string, limit: RateLimit): Bucket {
    const now = this.#now();
    let bucket = this.#buckets.get(key);
    if (!bucket) this.#buckets.set(key, (bucket = { tokens: limit.burst, updatedMs: now }));
    bucket.tokens = Math.min(
      limit.burst,
      bucket.tokens + ((now - bucket.updatedMs) * limit.perSecond) / 1_000,
    );
    bucket.updatedMs = now;
    return bucket;
  }

  /** Forgets the buckets of keys no longer in use (after a token file reload). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of this.#buckets.keys()) if (!keys.has(key)) this.#buckets.delete(key);
  }
}

/** Ms until `bucket` (just refilled) holds `count`; Infinity when `count` is over the burst. */
function waitFor(bucket: Bucket, limit: RateLimit, count: number): number {
  if (count > limit.burst) return Infinity;
  return Math.ceil(((count - bucket.tokens) * 1_000) / limit.perSecond);
}

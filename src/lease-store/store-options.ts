/** Options shared by every lease store. */
export interface StoreOptions {
  /**
   * Milliseconds since the epoch. Default: for the memory store, `nowMs` (span-helpers.ts),
   * the clock the spans use, with sub-millisecond resolution, so a lease time drawn on a
   * span lands inside the claim span that took it; for the Redis
   * store, Redis's own clock (`TIME` inside the scripts), so every replica agrees. Tests
   * pass a fake clock to drive expiry and due times.
   */
  clock?: () => number;
  /**
   * Uniform random number in [0, 1) for backoff jitter. Default `Math.random`. The memory
   * store draws one per backoff; the Redis store one per script call, as the seed of the
   * generator the script draws its backoffs from (redis/jitter-generator.ts mirrors it).
   */
  random?: () => number;
  /** How long an idempotency key keeps answering with the first task's id. Default 24 h. */
  idempotencyWindowMs?: number;
  /** How long COMPLETED and CANCELLED tasks stay readable. Default 24 h. */
  finishedRetentionMs?: number;
  /** How long DEAD tasks stay readable. Default 7 days. */
  deadRetentionMs?: number;
  /**
   * The longest a lease may be held, counted from when it was taken: an extend stops its
   * deadline there, one of a lease already there is refused, and the lease runs out.
   * Default 1 h.
   */
  maxLeaseAgeMs?: number;
}

/** StoreOptions with every default filled in. */
export interface ResolvedStoreOptions {
  clock: (() => number) | undefined;
  random: () => number;
  idempotencyWindowMs: number;
  finishedRetentionMs: number;
  deadRetentionMs: number;
  maxLeaseAgeMs: number;
}

const HOUR = 3_600_000;

/** Fills in defaults; `clock` stays undefined when not given, so each store picks its own. */
export function resolveStoreOptions(options: StoreOptions = {}): ResolvedStoreOptions {
  return {
    clock: options.clock,
    random: options.random ?? Math.random,
    idempotencyWindowMs: options.idempotencyWindowMs ?? 24 * HOUR,
    finishedRetentionMs: options.finishedRetentionMs ?? 24 * HOUR,
    deadRetentionMs: options.deadRetentionMs ?? 7 * 24 * HOUR,
    maxLeaseAgeMs: options.maxLeaseAgeMs ?? HOUR,
  };
}

export { backoffMs } from '../domain/backoff.js';

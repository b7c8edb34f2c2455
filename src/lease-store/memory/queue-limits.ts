import { NO_LIMITS, type QueueConfig } from '../lease-store.js';
import { ClaimBudget } from './claim-budget.js';

/**
 * Each queue's fair-share limits and, for a rate-limited queue, its claim budget. A
 * config outlives the queue's tasks, like a pause; a new config starts a full budget.
 */
export class QueueLimits {
  /** Absent: no limits. */
  readonly #configs = new Map<string, QueueConfig>();
  readonly #buckets = new Map<string, ClaimBudget>();

  /** The queue's config; `NO_LIMITS` when never set. A copy. */
  get(queue: string): QueueConfig {
    return { ...(this.#configs.get(queue) ?? NO_LIMITS) };
  }

  set(queue: string, config: QueueConfig): void {
    this.#configs.set(queue, { ...config });
    this.#buckets.delete(queue);
  }

  /** The queue's max_leased_per_key (0 = none). */
  maxLeasedPerKey(queue: string): number {
    return this.#configs.get(queue)?.maxLeasedPerKey ?? 0;
  }

  /** The queue's rate-limit bucket, or undefined when it has no rate limit. */
  budget(queue: string, now: number): ClaimBudget | undefined {
    const perSecond = this.#configs.get(queue)?.maxClaimsPerSecond ?? 0;
    if (perSecond <= 0) return undefined;
    let bucket = this.#buckets.get(queue);
    if (bucket?.perSecond !== perSecond) this.#buckets.set(queue, (bucket = new ClaimBudget(perSecond, now)));
    return bucket;
  }
}

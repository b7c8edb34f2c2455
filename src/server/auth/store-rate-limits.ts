import { createHash } from 'node:crypto';
import type { RateLimit } from '../../auth/principal.js';
import type { RateLimits } from '../../auth/rate-limiter.js';
import type { LeaseStore } from '../../lease-store/lease-store.js';
import { CallBatch } from '../../dispatcher/call-batch.js';

/** Most calls of one caller charged in one store call. */
const MAX_CHARGES_PER_CALL = 256;

/**
 * Enqueue rate limits kept in the lease store (Redis: charge-1.lua), so a caller's limit
 * holds over every replica sharing the store instead of once per replica. The charges
 * of one event-loop turn are gathered per caller into one store call, answered per call:
 * a refused call takes nothing, the others are taken in order.
 *
 * The store sees a digest of the caller's key (`source:name`), never a credential; the
 * digest is also the bucket's Cluster hash tag, so callers spread over the shards. This
 * is a round trip of its own before the enqueue's: a batch of one queue mixes callers,
 * and a caller's bucket is not in that queue's slot.
 */
export class StoreRateLimits implements RateLimits {
  readonly #charge: NonNullable<LeaseStore['chargeRate']>;
  /** This turn's charges, per caller identity. */
  #pending = new Map<string, CallBatch<Charge, number>>();
  #flushing = false;

  constructor(charge: NonNullable<LeaseStore['chargeRate']>) {
    this.#charge = charge;
  }

  take(key: string, limit: RateLimit, count: number): Promise<number> {
    const identity = rateIdentity(key);
    let batch = this.#pending.get(identity);
    if (!batch) this.#pending.set(identity, (batch = new CallBatch()));
    const taken = batch.add({ limit, count });
    if (!this.#flushing) {
      this.#flushing = true;
      setImmediate(() => this.#flush());
    }
    return taken;
  }

  /** Nothing to forget: a bucket expires in the store once it would be full again. */
  retain(): void {}

  #flush(): void {
    this.#flushing = false;
    const pending = this.#pending;
    this.#pending = new Map();
    for (const [identity, batch] of pending) {
      for (const part of batch.split(MAX_CHARGES_PER_CALL)) {
        const charges = part.items;
        let answered: Promise<number[]>;
        try {
          // A token file reload may have changed the limit within the turn: the latest applies.
          answered = this.#charge(
            identity,
            charges[charges.length - 1]!.limit,
            charges.map((c) => c.count),
          );
        } catch (err) {
          answered = Promise.reject(err instanceof Error ? err : new Error(String(err)));
        }
        part.answer(answered);
      }
    }
  }
}

/** One call's charge: the caller's limit as it stood, and the tasks it asks for. */
interface Charge {
  readonly limit: RateLimit;
  readonly count: number;
}

/** The store's name for a caller's bucket: 128 bits of SHA-256 of its key, hex. */
export function rateIdentity(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 32);
}

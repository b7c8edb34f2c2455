import Denque from 'denque';
import type { Lease } from '../domain/task.js';

/** How much a replica may lease ahead of demand, per queue. */
export interface ReadAheadOptions {
  /** Most leases held per queue. 0 turns read-ahead off. */
  max: number;
  /** Longest a lease is held before it goes back to its queue, in ms. */
  holdMs: number;
}

interface Held {
  lease: Lease;
  heldAt: number;
}

/**
 * Leases of one queue (and one lease length) claimed before any stream asked for them,
 * so that a stream that frees a slot gets its next task at once instead of after a round
 * trip to the store. Bounded twice: by count (it holds about what streams took in half
 * a hold, never more than `max`), and by time (a lease not taken within `holdMs` goes
 * back to the queue, attempt not counted, for any replica to claim). Sized to half a
 * hold, a lease dealt at a steady rate waits about half its hold, and the other half
 * absorbs a slower stretch. Sized to a whole hold, the last lease of each refill would
 * wait the whole hold, and any pause of the workers would send leases back, each claimed
 * and released for nothing (measured at one slot: one lease in four to ten).
 * The hold counts in the lease: a worker gets a lease that is at most `holdMs` shorter.
 */
export class ReadAheadBuffer {
  /** Oldest first; a lease taken, expired or given back leaves it at once. */
  readonly #held = new Denque<Held>();
  /** Leases handed to streams (from here or straight from claims) in the current period. */
  #servedNow = 0;
  /** What streams took in the period before. */
  #servedBefore = 0;
  #periodStart = 0;
  readonly #options: ReadAheadOptions;
  /** The period demand is counted over, in ms: half the hold. */
  readonly #periodMs: number;

  constructor(
    readonly leaseMs: number,
    options: ReadAheadOptions,
  ) {
    this.#options = options;
    this.#periodMs = options.holdMs / 2;
  }

  get size(): number {
    return this.#held.length;
  }

  /** When the oldest lease held runs past its hold, or undefined when none is held. */
  get nextExpiry(): number | undefined {
    const oldest = this.#held.peekFront();
    return oldest && oldest.heldAt + this.#options.holdMs;
  }

  /**
   * How many more leases a claim for waiting streams should take ahead: what streams took
   * in the last half hold, up to `max` (at least one), less what is held. While every
   * stream is busy, {@link topUp} decides instead.
   */
  room(now: number): number {
    return Math.max(0, Math.min(this.#options.max, Math.max(1, this.#target(now))) - this.size);
  }

  /**
   * How many leases to claim ahead while every stream is busy: none until what is held has
   * fallen to half the target, then up to the target. The buffer is refilled in large
   * claims while half of it is still there to deal from, so a stream that frees a slot is
   * not left waiting for the refill, and the store is not called once per lease dealt.
   * With no lease taken for a whole hold it is 0, so an idle queue is not claimed from.
   */
  topUp(now: number): number {
    const target = this.#target(now);
    return this.size * 2 <= target ? target - this.size : 0;
  }

  /** What streams took in the last half hold, up to `max`: what the buffer aims to hold. */
  #target(now: number): number {
    this.#roll(now);
    return Math.min(this.#options.max, Math.max(this.#servedBefore, this.#servedNow));
  }

  /** Counts leases handed to streams, for the size of the next read-ahead. */
  served(count: number, now: number): void {
    this.#roll(now);
    this.#servedNow += count;
  }

  add(leases: readonly Lease[], now: number): void {
    for (const lease of leases) this.#held.push({ lease, heldAt: now });
  }

  /** Takes up to `count` leases, oldest first. */
  take(count: number, now: number): Lease[] {
    const out: Lease[] = [];
    while (out.length < count && !this.#held.isEmpty()) out.push(this.#held.shift()!.lease);
    if (out.length > 0) this.served(out.length, now);
    return out;
  }

  /** Removes and returns the leases held `holdMs` or longer. */
  expired(now: number): Lease[] {
    const out: Lease[] = [];
    for (;;) {
      const oldest = this.#held.peekFront();
      if (!oldest || oldest.heldAt + this.#options.holdMs > now) break;
      this.#held.shift();
      out.push(oldest.lease);
    }
    return out;
  }

  /** Removes and returns every lease held. */
  takeAll(): Lease[] {
    const out = this.#held.toArray().map((h) => h.lease);
    this.#held.clear();
    return out;
  }

  #roll(now: number): void {
    const elapsed = now - this.#periodStart;
    if (elapsed < this.#periodMs) return;
    // A period with no demand at all leaves nothing to carry over.
    this.#servedBefore = elapsed < 2 * this.#periodMs ? this.#servedNow : 0;
    this.#servedNow = 0;
    this.#periodStart = now;
  }
}

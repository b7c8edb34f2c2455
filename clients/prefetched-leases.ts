import type { _codeq_v1_ClaimResponse_Lease__Output as Lease } from '../src/api/generated/codeq/v1/ClaimResponse.js';
import type { ExtendableLease } from './lease-extender.js';

/** A lease the worker holds ready for the next free slot. */
export interface WaitingLease extends ExtendableLease {
  readonly lease: Lease & { leaseId: string };
  lost: boolean;
}

/**
 * The worker's prefetched leases: up to `capacity` of them, taken oldest first. They are
 * extended like running ones (so waiting costs the task nothing but time) and released
 * at once when the worker stops.
 */
export class PrefetchedLeases {
  /** Insertion order is arrival order. */
  readonly #waiting = new Map<string, WaitingLease>();

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.#waiting.size;
  }

  has(leaseId: string): boolean {
    return this.#waiting.has(leaseId);
  }

  get(leaseId: string): WaitingLease | undefined {
    return this.#waiting.get(leaseId);
  }

  /** Holds `lease` if there is room; false when full. */
  offer(lease: Lease & { leaseId: string }, leaseMs: number, now = Date.now()): WaitingLease | undefined {
    if (this.#waiting.size >= this.capacity) return undefined;
    const waiting: WaitingLease = {
      leaseId: lease.leaseId,
      lease,
      leaseMs,
      nextExtendAt: now + leaseMs / 2,
      lost: false,
    };
    this.#waiting.set(lease.leaseId, waiting);
    return waiting;
  }

  /** The oldest waiting lease that is still ours, removed; undefined when none. */
  take(): WaitingLease | undefined {
    for (const [leaseId, waiting] of this.#waiting) {
      this.#waiting.delete(leaseId);
      if (!waiting.lost) return waiting;
    }
    return undefined;
  }

  /** Forgets one lease (the server refused to extend it). */
  drop(leaseId: string): void {
    this.#waiting.delete(leaseId);
  }

  /** Every waiting lease, removed (to release them). */
  drain(): WaitingLease[] {
    const all = [...this.#waiting.values()];
    this.#waiting.clear();
    return all;
  }

  values(): IterableIterator<WaitingLease> {
    return this.#waiting.values();
  }
}

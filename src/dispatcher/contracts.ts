import type { Lease, SettleOp, SettleResult } from '../domain/task.js';
import type { ClaimResult } from '../lease-store/lease-store.js';
import type { DispatchTrace } from '../telemetry/claim-path-tracer.js';

/**
 * Something that takes leases: in the server, one Claim stream. The dispatcher never
 * hands a consumer more leases than `capacity()` allowed when it reserved them.
 */
export interface Consumer {
  /** Queues it takes tasks from, in the order it listed them. */
  readonly queues: readonly string[];
  /** Length of the leases it takes. */
  readonly leaseMs: number;
  /** How many more leases it can take now: its unused credit, or 0 while it cannot write. */
  capacity(): number;
  /**
   * Takes leases claimed for it; never more than it had capacity for. `dispatch` is the
   * claim's trace when tracing is on: the consumer adds its delivery's spans to it.
   */
  deliver(queue: string, leases: Lease[], dispatch?: DispatchTrace): void;
}

/**
 * Room reserved on this replica's streams for tasks about to be enqueued: the enqueue
 * claims up to `max` leases of `leaseMs` in its own round trip and hands the claim's
 * outcome to `claimed`, which deals the leases out (or, on failure, frees the room).
 */
export interface SyncClaim {
  readonly max: number;
  readonly leaseMs: number;
  claimed(result: Promise<ClaimResult>): void;
}

/** Settles gathered for a store call that a claim of the same queue may carry instead. */
export interface PendingSettles {
  take(queue: string): { ops: SettleOp[]; settled: (results: Promise<SettleResult[]>) => void } | undefined;
}

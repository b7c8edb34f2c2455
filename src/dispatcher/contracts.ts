import type { Lease } from '../domain/task.js';
import type { DispatchTrace } from '../telemetry/dispatch-trace.js';

/**
 * Something that takes leases: in the server, one Claim stream. The dispatcher never
 * hands a consumer more leases than `capacity()` allowed when it reserved them.
 */
export interface Consumer {
  /** Queues it takes tasks from, in the order it listed them. */
  readonly queues: readonly string[];
  /** Length of the leases it takes. */
  readonly leaseMs: number;
  /**
   * The worker it belongs to, when known: a worker's newest consumer is served before its
   * older ones, which are most likely streams of a connection it gave up on.
   */
  readonly workerId?: string;
  /** How many more leases it can take now: its unused credit, or 0 while it cannot write. */
  capacity(): number;
  /**
   * Takes leases claimed for it; never more than it had capacity for. `dispatch` is the
   * claim's trace when tracing is on: the consumer adds its delivery's spans to it.
   */
  deliver(queue: string, leases: Lease[], dispatch?: DispatchTrace): void;
}

import type { LeaseRef } from './task.js';
import { InvalidArgumentError } from './errors.js';

/**
 * Lease ids are opaque to workers. Inside they read `queue/taskId/token`: the queue
 * (which names the Redis hash slot), the task, and the fencing token of this lease.
 * Neither queue names nor task ids contain '/', so the split is unambiguous.
 */
export function formatLeaseId(ref: LeaseRef): string {
  return `${ref.queue}/${ref.taskId}/${ref.token}`;
}

const LEASE_ID = /^([A-Za-z0-9][A-Za-z0-9._:-]{0,127})\/([A-Za-z0-9_-]{1,64})\/([1-9][0-9]{0,14})$/;

/** Parses a lease id; throws InvalidArgumentError naming `field` when it is malformed. */
export function parseLeaseId(leaseId: string, field = 'lease_id'): LeaseRef {
  const m = LEASE_ID.exec(leaseId);
  if (!m)
    throw new InvalidArgumentError(field, `malformed lease id ${JSON.stringify(leaseId.slice(0, 200))}`);
  return { queue: m[1]!, taskId: m[2]!, token: Number(m[3]) };
}

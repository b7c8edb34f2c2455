/**
 * How the free capacity of consumers becomes claims: a pure function, so the policy can
 * be read and tested apart from the dispatcher's timers and store calls.
 *
 * Consumers are served in turn from `start` (the dispatcher rotates it, so no stream is
 * always first in line). Each deals its free capacity one lease at a time over its open
 * queues, round-robin from its own cursor, skipping queues whose claim is already
 * `perQueue` leases. One claim per queue and lease length comes out, listing how many
 * leases each consumer gets.
 */

/** A consumer as the planner sees it. */
export interface Claimant<Q> {
  /** Its queues, in its order (its cursor indexes them). */
  readonly queues: readonly Q[];
  readonly leaseMs: number;
  /** Leases it can take now: its capacity less what claims in flight reserved for it. */
  readonly free: number;
  /** Where its round-robin over its queues starts. */
  readonly cursor: number;
}

/** How {@link planClaims} plans: which queues are open, and how many leases a claim and a consumer get. */
export interface PlanOptions<Q> {
  /** Whether a queue may be claimed now (may hold ready tasks, no claim in flight). */
  isOpen: (queue: Q) => boolean;
  /** Most leases one claim of a queue takes: one figure for all, or each queue's own. */
  perQueue: number | ((queue: Q) => number);
  /** Most leases one consumer gets in this plan. Default: all its free capacity. */
  perConsumer?: number;
  /** Index of the consumer served first. */
  start: number;
  /** Plan for one lease length only, the first consumer's to get a lease. Default false. */
  oneLeaseLength?: boolean;
}

/** Leases of a claim reserved for one consumer (an index into the claimants). */
export interface Share {
  consumer: number;
  count: number;
}

/** One store claim to make: `shares` add up to how many leases it asks for. */
export interface PlannedClaim<Q> {
  queue: Q;
  leaseMs: number;
  shares: Share[];
}

/** What {@link planClaims} decided: the claims to run, and where each claimant's turn moved. */
export interface Plan<Q> {
  claims: PlannedClaim<Q>[];
  /** Each claimant's cursor after the plan: moved on by one for a consumer that was served. */
  cursors: number[];
}

/**
 * Plans one pass: the claims that fill the claimants' free capacity, at most `perQueue`
 * leases per queue and `perConsumer` per claimant, as the file's comment describes.
 */
export function planClaims<Q>(claimants: readonly Claimant<Q>[], options: PlanOptions<Q>): Plan<Q> {
  const { isOpen } = options;
  const limit = options.perQueue;
  const perQueue = typeof limit === 'number' ? (): number => limit : limit;
  const perConsumer = options.perConsumer ?? Infinity;
  const planned = new Map<Q, number>();
  const claims = new Map<Q, Map<number, PlannedClaim<Q>>>();
  const cursors = claimants.map((c) => c.cursor);
  let onlyLeaseMs: number | undefined;
  const n = claimants.length;
  for (let k = 0; k < n; k++) {
    const index = (options.start + k) % n;
    const c = claimants[index]!;
    let free = Math.min(c.free, perConsumer);
    if (free <= 0 || (onlyLeaseMs !== undefined && c.leaseMs !== onlyLeaseMs)) continue;
    const open: Q[] = [];
    const qs = c.queues;
    for (let j = 0; j < qs.length; j++) {
      const queue = qs[(c.cursor + j) % qs.length]!;
      if (isOpen(queue) && (planned.get(queue) ?? 0) < perQueue(queue)) open.push(queue);
    }
    if (open.length === 0) continue;
    cursors[index] = (c.cursor + 1) % qs.length;
    if (options.oneLeaseLength) onlyLeaseMs = c.leaseMs;
    let at = 0;
    while (free > 0) {
      let queue: Q | undefined;
      for (let t = 0; t < open.length && queue === undefined; t++) {
        const candidate = open[(at + t) % open.length]!;
        if ((planned.get(candidate) ?? 0) < perQueue(candidate)) {
          queue = candidate;
          at = (at + t + 1) % open.length;
        }
      }
      if (queue === undefined) break;
      planned.set(queue, (planned.get(queue) ?? 0) + 1);
      free--;
      let byLease = claims.get(queue);
      if (!byLease) claims.set(queue, (byLease = new Map<number, PlannedClaim<Q>>()));
      let claim = byLease.get(c.leaseMs);
      if (!claim) byLease.set(c.leaseMs, (claim = { queue, leaseMs: c.leaseMs, shares: [] }));
      const last = claim.shares[claim.shares.length - 1];
      if (last?.consumer === index) last.count++;
      else claim.shares.push({ consumer: index, count: 1 });
    }
  }
  return { claims: [...claims.values()].flatMap((byLease) => [...byLease.values()]), cursors };
}

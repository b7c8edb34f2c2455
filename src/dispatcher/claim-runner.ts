import type { Lease } from '../domain/task.js';
import type { ClaimResult } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { DispatchTrace } from '../telemetry/dispatch-trace.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { ThrottledWarnings } from '../domain/throttled-warnings.js';
import type { Logger } from '../telemetry/logger.js';
import { nowMs } from '../spans/span-helpers.js';
import { logClaimFailure } from './claim-failure-log.js';
import type { Consumer } from './contracts.js';
import type { HeldLeases } from './held-leases.js';
import type { QueueState } from './queue-state.js';
import type { StoreCalls } from './store-calls.js';

/** Leases a claim takes for one consumer: capacity reserved on it until the claim is dealt. */
export interface Reservation {
  consumer: Consumer;
  count: number;
}

/** What {@link ClaimRunner} needs of the dispatcher it claims for. */
export interface ClaimRunnerHost {
  /** The store calls a claim goes with. */
  readonly calls: StoreCalls;
  /** Where leases claimed beyond the reservations go (read ahead). */
  readonly held: HeldLeases;
  /** Delay before claiming a queue again after the store failed, in ms. */
  readonly retryDelayMs: number;
  readonly logger: Logger;
  readonly tracer: ClaimPathTracer | undefined;
  readonly metrics: CodeqMetrics | undefined;
  /** The store-calls turn now: a claim started in it rides with its calls. */
  turn(): number;
  /** Takes a reservation back off its consumer; false when the consumer is gone. */
  unreserve(consumer: Consumer, count: number): boolean;
  /** Wakes the queue in `inMs` (wake-ups.ts). */
  wakeIn(state: QueueState, inMs: number): void;
  /** Drops a queue's state once nothing needs it. */
  forgetIfIdle(state: QueueState): void;
  /** Asks for a pass at the next turn of the store calls. */
  schedulePass(): void;
}

/**
 * Runs the dispatcher's claims, one queue and one lease length each: asks the store (with
 * the turn's calls of the queue), keeps the queue's count of claims in flight and of ready
 * tasks, gives back leases answered too late to deal, and deals the rest round-robin to
 * the consumers that reserved them; what none reserved is held ahead of demand or given
 * back (held-leases.ts). A failed claim frees its reservations and retries the queue after
 * `retryDelayMs`.
 */
export class ClaimRunner {
  readonly #host: ClaimRunnerHost;
  /** Claims answered too late to deal, told once a minute per queue. */
  readonly #lateClaims: ThrottledWarnings;

  constructor(host: ClaimRunnerHost) {
    this.#host = host;
    this.#lateClaims = new ThrottledWarnings((message, fields) => host.logger.warn(message, fields));
  }

  /**
   * Claims for `reservations` (or only reaps, with none) and deals the leases out. Asked
   * during a turn, the claim rides with the queue's enqueues or settles of that turn.
   * `requestedAt` starts its dispatch span; `ahead` leases are claimed beyond the reservations.
   */
  async claim(
    state: QueueState,
    leaseMs: number,
    reservations: Reservation[],
    requestedAt = 0,
    ahead = 0,
  ): Promise<void> {
    const host = this.#host;
    const want = reservations.reduce((sum, r) => sum + r.count, 0);
    const askedAt = Date.now();
    const run = () => host.calls.claim(state.name, want + ahead, leaseMs);
    const gen = state.wakeGen;
    state.inflight++;
    state.inflightLeases += want + ahead;
    state.claimTurn = host.turn();
    state.readyHint = Math.max(0, state.readyHint - want - ahead);
    // A reap (want 0) serves no one: only claims for streams get a dispatch span.
    const dispatch =
      host.tracer && want > 0
        ? host.tracer.startDispatch(state.name, want, requestedAt || nowMs())
        : undefined;
    let result: ClaimResult;
    try {
      result = dispatch ? await dispatch.claim(run) : await run();
    } catch (err) {
      dispatch?.fail(err);
      state.inflight--;
      state.inflightLeases -= want + ahead;
      for (const r of reservations) host.unreserve(r.consumer, r.count);
      logClaimFailure(host.logger, state.name, err);
      host.wakeIn(state, host.retryDelayMs);
      return;
    }
    const { nextDueInMs } = result;
    const leases = this.#inTime(state.name, result.leases, leaseMs, askedAt);
    state.inflight--;
    state.inflightLeases -= want + ahead;
    if (result.expired) host.metrics?.reaped(state.name, result.expired, result.dead ?? 0);
    // Tasks left: keep claiming, as many as the store counted (a ready signal since the
    // claim started may name tasks it did not see). Nothing left, and no ready signal
    // since the claim started: wait for one.
    if (result.more) {
      const left = result.readyLeft ?? Infinity;
      state.readyHint = state.wakeGen === gen ? left : Math.max(state.readyHint, left);
    } else if (state.wakeGen === gen) state.readyHint = 0;
    if (want + ahead > 0) state.backlog = result.more;
    if (nextDueInMs !== null) host.wakeIn(state, nextDueInMs);
    this.#deal(state, leases, reservations, leaseMs, dispatch);
    dispatch?.end(leases.length);
    host.forgetIfIdle(state);
    host.schedulePass();
  }

  /**
   * The leases of a claim answered in time. A claim answered after half its lease (Redis
   * failing over, writes waiting for a replica that is gone) would hand workers leases
   * with little of their time left, or ones that ran out meanwhile while the task was
   * leased again under a newer fencing token: they go back to the queue instead, the
   * attempt not counted (or run out, if Redis does not take them back).
   */
  #inTime(queue: string, leases: Lease[], leaseMs: number, askedAt: number): Lease[] {
    const tookMs = Date.now() - askedAt;
    if (leases.length === 0 || tookMs < leaseMs / 2) return leases;
    void this.#host.calls.giveBack(queue, leases);
    this.#lateClaims.note(
      queue,
      'a claim was answered after half its lease time; its leases went back to the queue, attempts not counted',
      { queue, leases: leases.length, answered_after_ms: tookMs, lease_ms: leaseMs },
    );
    return [];
  }

  /**
   * Deals leases round-robin over the reservations, one each in turn; leases beyond what
   * was reserved (read ahead) or reserved by consumers that left are held or given back.
   */
  #deal(
    state: QueueState,
    leases: Lease[],
    reservations: Reservation[],
    leaseMs: number,
    dispatch: DispatchTrace | undefined,
  ): void {
    const queue = state.name;
    const reserved = reservations.reduce((sum, r) => sum + r.count, 0);
    const dealt = Math.min(reserved, leases.length);
    const shares: Lease[][] = reservations.map(() => []);
    let next = 0;
    for (let i = 0; i < dealt; i++) {
      while (shares[next]!.length >= reservations[next]!.count) next = (next + 1) % reservations.length;
      shares[next]!.push(leases[i]!);
      next = (next + 1) % reservations.length;
    }
    const rest: Lease[] = leases.slice(dealt);
    let delivered = 0;
    reservations.forEach((r, i) => {
      const live = this.#host.unreserve(r.consumer, r.count);
      const share = shares[i]!;
      if (share.length === 0) return;
      if (live) {
        r.consumer.deliver(queue, share, dispatch);
        this.#host.metrics?.leased(queue, share, leaseMs);
        delivered += share.length;
      } else {
        rest.push(...share);
      }
    });
    if (delivered > 0 && state.held?.leaseMs === leaseMs) state.held.served(delivered, Date.now());
    this.#host.held.hold(state, leaseMs, rest, dispatch);
  }
}

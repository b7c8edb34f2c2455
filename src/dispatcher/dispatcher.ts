import type { Lease } from '../domain/task.js';
import type { ClaimResult, LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer, DispatchTrace } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { nowMs } from '../telemetry/span-helpers.js';
import { logClaimFailure } from './claim-failure-log.js';

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

export interface DispatcherOptions {
  /** Most tasks one claim takes. Default 256. */
  claimBatch?: number;
  /** Period of the safety sweep over known queues, in ms. Default 5000. */
  sweepIntervalMs?: number;
  /** Delay before retrying a queue after the store failed, in ms. Default 250. */
  retryDelayMs?: number;
  logger?: Logger;
  /** The claim-path spans (`codeq.dispatch`, `codeq.redis.claim`). Default: none. */
  tracer?: ClaimPathTracer | undefined;
  /** Counts leases, claim latency, expired leases and deaths. Default: none. */
  metrics?: CodeqMetrics | undefined;
}

interface Slot {
  /** Leases reserved for this consumer by claims in flight. */
  reserved: number;
  /** Where its round-robin over its queues starts next. */
  cursor: number;
}

interface QueueState {
  readonly name: string;
  readonly consumers: Set<Consumer>;
  /** Could the queue have ready tasks? Cleared when a claim comes back short. */
  maybeReady: boolean;
  /** Bumped by every ready signal, so a claim that started before one cannot clear `maybeReady`. */
  wakeGen: number;
  /** Claims in flight for this queue. */
  inflight: number;
  timer: NodeJS.Timeout | undefined;
  timerAt: number;
}

interface Reservation {
  consumer: Consumer;
  count: number;
}

/**
 * Pushes tasks to consumers the moment both exist. A ready signal (an enqueue here, a
 * wake published by another replica, a timer at the queue's next due instant) or new
 * consumer capacity schedules one pass on the next turn of the event loop; the pass
 * reserves each consumer's capacity round-robin over its ready queues, claims each queue's
 * total in one store call, and deals the leases out round-robin across the consumers.
 * There is no polling: a queue is claimed only when it may hold ready tasks.
 */
export class Dispatcher {
  private readonly queues = new Map<string, QueueState>();
  private readonly slots = new Map<Consumer, Slot>();
  private readonly claimBatch: number;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private readonly tracer: ClaimPathTracer | undefined;
  private readonly metrics: CodeqMetrics | undefined;
  private readonly sweep: NodeJS.Timeout;
  private passScheduled = false;
  /** When the wake-up or credit that scheduled the coming pass arrived (ms), the start of its dispatch spans. */
  private passRequestedAt = 0;
  private rotation = 0;
  private stopped = false;

  constructor(
    private readonly store: LeaseStore,
    options: DispatcherOptions = {},
  ) {
    this.claimBatch = options.claimBatch ?? 256;
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.logger = options.logger ?? silentLogger;
    this.tracer = options.tracer;
    this.metrics = options.metrics?.enabled ? options.metrics : undefined;
    store.listen({
      ready: (queue) => this.signalReady(queue),
      due: (queue, inMs) => this.armTimer(this.queue(queue), inMs),
    });
    this.sweep = setInterval(() => this.sweepQueues(), options.sweepIntervalMs ?? 5_000);
    this.sweep.unref();
  }

  /** Starts pushing leases to a consumer. */
  add(consumer: Consumer): void {
    this.slots.set(consumer, { reserved: 0, cursor: 0 });
    for (const name of consumer.queues) this.queue(name).consumers.add(consumer);
    this.schedulePass();
  }

  /** Stops pushing to a consumer; leases claimed for it meanwhile go back to their queue. */
  remove(consumer: Consumer): void {
    if (!this.slots.delete(consumer)) return;
    for (const name of consumer.queues) {
      const state = this.queues.get(name);
      state?.consumers.delete(consumer);
      if (state) this.forgetIfIdle(state);
    }
  }

  /** A consumer's capacity grew (credit granted, stream writable again). */
  poke(): void {
    this.schedulePass();
  }

  /**
   * Reserves room on streams here for `count` tasks about to be enqueued on `queue`, if
   * some stream has room and no claim of the queue is in flight. The caller enqueues and
   * then, in the same turn, calls the returned function: the claim then follows the
   * enqueue in one round trip to the store and sees the new tasks. Undefined when nothing
   * was reserved: then the enqueue must announce its tasks as usual.
   */
  reserveForEnqueue(queue: string, count: number): (() => void) | undefined {
    const state = this.queues.get(queue);
    if (this.stopped || !state || state.inflight > 0 || count <= 0 || state.consumers.size === 0)
      return undefined;
    const reservations: Reservation[] = [];
    let leaseMs = 0;
    let wanted = Math.min(count, this.claimBatch);
    const consumers = [...state.consumers];
    this.rotation = (this.rotation + 1) % consumers.length;
    for (let k = 0; k < consumers.length && wanted > 0; k++) {
      const consumer = consumers[(this.rotation + k) % consumers.length]!;
      const slot = this.slots.get(consumer)!;
      if (consumer.capacity() - slot.reserved <= 0 || (leaseMs !== 0 && consumer.leaseMs !== leaseMs))
        continue;
      leaseMs = consumer.leaseMs;
      // One each keeps a burst fair across streams; what is left goes to the next pass.
      slot.reserved++;
      wanted--;
      reservations.push({ consumer, count: 1 });
    }
    if (reservations.length === 0) return undefined;
    // Counted as in flight from now, so no pass claims the queue before this claim leaves.
    state.inflight++;
    return () => {
      state.inflight--;
      void this.claim(state, leaseMs, reservations, this.tracer ? nowMs() : 0);
    };
  }

  /** Stops timers; claims in flight still deliver or return their leases. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweep);
    for (const state of this.queues.values()) clearTimeout(state.timer);
  }

  private queue(name: string): QueueState {
    let state = this.queues.get(name);
    if (!state) {
      state = {
        name,
        consumers: new Set(),
        maybeReady: true,
        wakeGen: 0,
        inflight: 0,
        timer: undefined,
        timerAt: Infinity,
      };
      this.queues.set(name, state);
    }
    return state;
  }

  private forgetIfIdle(state: QueueState): void {
    if (state.consumers.size === 0 && state.inflight === 0 && state.timer === undefined) {
      this.queues.delete(state.name);
    }
  }

  private signalReady(name: string): void {
    const state = this.queues.get(name);
    if (!state) return; // no consumer of this queue here, and no timer to honour
    state.wakeGen++;
    state.maybeReady = true;
    if (state.consumers.size > 0) this.schedulePass();
  }

  private armTimer(state: QueueState, inMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, inMs);
    if (state.timer !== undefined && state.timerAt <= at) return;
    clearTimeout(state.timer);
    state.timerAt = at;
    state.timer = setTimeout(() => this.timerFired(state), Math.max(0, inMs));
    state.timer.unref();
  }

  private timerFired(state: QueueState): void {
    state.timer = undefined;
    state.timerAt = Infinity;
    this.wakeForMaintenance(state);
  }

  /** Something may have fallen due: claim if a consumer waits, else only reap, so other replicas hear of it. */
  private wakeForMaintenance(state: QueueState): void {
    state.wakeGen++;
    state.maybeReady = true;
    if (this.hasCapacity(state)) {
      this.schedulePass();
    } else if (state.inflight === 0) {
      void this.claim(state, 0, []);
    }
  }

  private sweepQueues(): void {
    for (const state of this.queues.values()) {
      if (state.consumers.size > 0) this.wakeForMaintenance(state);
    }
  }

  private hasCapacity(state: QueueState): boolean {
    for (const consumer of state.consumers) {
      if (consumer.capacity() > this.slots.get(consumer)!.reserved) return true;
    }
    return false;
  }

  private schedulePass(): void {
    if (this.passScheduled || this.stopped) return;
    this.passScheduled = true;
    if (this.tracer) this.passRequestedAt = nowMs();
    setImmediate(() => this.pass());
  }

  /** Reserves capacity round-robin and starts one claim per queue (and lease length). */
  private pass(): void {
    this.passScheduled = false;
    if (this.stopped) return;
    // Only queues that may hold ready tasks and have no claim in flight take part, and
    // only their consumers are looked at: most passes (after a claim, after a credit
    // grant) find no such queue and end here.
    const openQueues: QueueState[] = [];
    for (const state of this.queues.values()) {
      if (state.maybeReady && state.inflight === 0 && state.consumers.size > 0) openQueues.push(state);
    }
    if (openQueues.length === 0) return;
    const consumers =
      openQueues.length === 1
        ? [...openQueues[0]!.consumers]
        : [...new Set(openQueues.flatMap((state) => [...state.consumers]))];
    const plans = new Map<QueueState, Map<number, Reservation[]>>();
    const planned = new Map<QueueState, number>();
    const n = consumers.length;
    // Rotate the starting consumer so no stream is always first in line.
    this.rotation = (this.rotation + 1) % n;
    for (let k = 0; k < n; k++) {
      const consumer = consumers[(this.rotation + k) % n]!;
      const slot = this.slots.get(consumer)!;
      let free = consumer.capacity() - slot.reserved;
      if (free <= 0) continue;
      const open: QueueState[] = [];
      const qs = consumer.queues;
      for (let j = 0; j < qs.length; j++) {
        const state = this.queues.get(qs[(slot.cursor + j) % qs.length]!);
        if (
          state &&
          state.maybeReady &&
          state.inflight === 0 &&
          (planned.get(state) ?? 0) < this.claimBatch
        ) {
          open.push(state);
        }
      }
      if (open.length === 0) continue;
      slot.cursor = (slot.cursor + 1) % qs.length;
      // Deal this consumer's free capacity over its open queues one unit at a time,
      // skipping queues whose claim is already a full batch.
      let at = 0;
      while (free > 0) {
        let state: QueueState | undefined;
        for (let t = 0; t < open.length && !state; t++) {
          const candidate = open[(at + t) % open.length]!;
          if ((planned.get(candidate) ?? 0) < this.claimBatch) {
            state = candidate;
            at = (at + t + 1) % open.length;
          }
        }
        if (!state) break;
        planned.set(state, (planned.get(state) ?? 0) + 1);
        slot.reserved++;
        free--;
        let byLease = plans.get(state);
        if (!byLease) plans.set(state, (byLease = new Map<number, Reservation[]>()));
        let list = byLease.get(consumer.leaseMs);
        if (!list) byLease.set(consumer.leaseMs, (list = []));
        const last = list[list.length - 1];
        if (last?.consumer === consumer) last.count++;
        else list.push({ consumer, count: 1 });
      }
    }
    for (const [state, byLease] of plans) {
      for (const [leaseMs, reservations] of byLease)
        void this.claim(state, leaseMs, reservations, this.passRequestedAt);
    }
  }

  private async claim(
    state: QueueState,
    leaseMs: number,
    reservations: Reservation[],
    requestedAt = 0,
  ): Promise<void> {
    const want = reservations.reduce((sum, r) => sum + r.count, 0);
    const gen = state.wakeGen;
    state.inflight++;
    // A reap (want 0) serves no one: only claims for streams get a dispatch span.
    const dispatch =
      this.tracer && want > 0
        ? this.tracer.startDispatch(state.name, want, requestedAt || nowMs())
        : undefined;
    let result: ClaimResult;
    try {
      result = dispatch
        ? await dispatch.claim(() => this.store.claim(state.name, want, leaseMs))
        : await this.store.claim(state.name, want, leaseMs);
    } catch (err) {
      dispatch?.fail(err);
      state.inflight--;
      for (const r of reservations) this.unreserve(r.consumer, r.count);
      logClaimFailure(this.logger, state.name, err);
      this.armTimer(state, this.retryDelayMs);
      return;
    }
    const { leases, nextDueInMs } = result;
    state.inflight--;
    if (result.expired) this.metrics?.reaped(state.name, result.expired, result.dead ?? 0);
    // Tasks left: keep claiming. Nothing left, and no ready signal since the claim
    // started: wait for one.
    if (result.more) state.maybeReady = true;
    else if (state.wakeGen === gen) state.maybeReady = false;
    if (nextDueInMs !== null) this.armTimer(state, nextDueInMs);
    this.deal(state.name, leases, reservations, leaseMs, dispatch);
    dispatch?.end(leases.length);
    this.forgetIfIdle(state);
    this.schedulePass();
  }

  /** Deals leases round-robin over the reservations, one each in turn. */
  private deal(
    queue: string,
    leases: Lease[],
    reservations: Reservation[],
    leaseMs: number,
    dispatch: DispatchTrace | undefined,
  ): void {
    const shares: Lease[][] = reservations.map(() => []);
    let next = 0;
    for (const lease of leases) {
      while (shares[next]!.length >= reservations[next]!.count) next = (next + 1) % reservations.length;
      shares[next]!.push(lease);
      next = (next + 1) % reservations.length;
    }
    const orphans: Lease[] = [];
    reservations.forEach((r, i) => {
      const live = this.unreserve(r.consumer, r.count);
      const share = shares[i]!;
      if (share.length === 0) return;
      if (live) {
        r.consumer.deliver(queue, share, dispatch);
        this.metrics?.leased(queue, share, leaseMs);
      } else {
        orphans.push(...share);
      }
    });
    if (orphans.length > 0) void this.giveBack(queue, orphans);
  }

  private unreserve(consumer: Consumer, count: number): boolean {
    const slot = this.slots.get(consumer);
    if (slot) slot.reserved -= count;
    return slot !== undefined;
  }

  /** Leases claimed for a consumer that left before they arrived: the worker never saw them, so the attempt does not count. */
  private async giveBack(queue: string, leases: Lease[]): Promise<void> {
    try {
      await this.store.settle(
        queue,
        leases.map((l) => ({ kind: 'release' as const, taskId: l.task.id, token: l.token })),
      );
    } catch (err) {
      this.logger.warn('could not return leases of a closed stream; they come back when they expire', {
        queue,
        error: err,
      });
    }
  }
}

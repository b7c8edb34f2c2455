import type { Lease } from '../domain/task.js';
import type { ClaimResult, LeaseStore, SettleAndClaimResult } from '../lease-store/lease-store.js';
import type { ClaimPathTracer, DispatchTrace } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { nowMs } from '../spans/span-helpers.js';
import { planClaims, type Share } from './claim-plan.js';
import type { Consumer, PendingSettles, SyncClaim } from './contracts.js';
import { ReadAheadBuffer, type ReadAheadOptions } from './read-ahead.js';
import { logClaimFailure } from './claim-failure-log.js';

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
  /** Leases claimed ahead of demand per queue (read-ahead.ts). Default: off (max 0), hold 5 ms. */
  readAhead?: Partial<ReadAheadOptions>;
  /**
   * Settles waiting to be sent: a claim takes those of its queue along in the same store
   * call (`LeaseStore.settleAndClaim`), so a worker that finishes a task and asks for the
   * next costs one round trip. Default: none.
   */
  settles?: PendingSettles | undefined;
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
  /** The last claim found more ready tasks than it took: the queue has a backlog. */
  backlog: boolean;
  /** Leases claimed ahead of demand, when read-ahead is on and the queue has had a backlog. */
  held: ReadAheadBuffer | undefined;
  /** Gives back held leases that outstayed their hold. */
  holdTimer: NodeJS.Timeout | undefined;
}

interface Reservation {
  consumer: Consumer;
  count: number;
}

/**
 * Every this many sweeps (5 min at the default interval) the sweep claims every known
 * queue: a backstop for a due-index entry lost with a replica that died between a queue's
 * script and its note.
 */
const FULL_SWEEP_EVERY = 60;

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
  private readonly readAhead: ReadAheadOptions;
  private readonly retryDelayMs: number;
  private readonly logger: Logger;
  private readonly tracer: ClaimPathTracer | undefined;
  private readonly metrics: CodeqMetrics | undefined;
  private readonly settles: PendingSettles | undefined;
  private readonly sweep: NodeJS.Timeout;
  private passScheduled = false;
  /** When the wake-up or credit that scheduled the coming pass arrived (ms), the start of its dispatch spans. */
  private passRequestedAt = 0;
  private rotation = 0;
  private sweeps = 0;
  private stopped = false;

  constructor(
    private readonly store: LeaseStore,
    options: DispatcherOptions = {},
  ) {
    this.claimBatch = options.claimBatch ?? 256;
    this.readAhead = {
      max: Math.min(options.readAhead?.max ?? 0, this.claimBatch),
      holdMs: options.readAhead?.holdMs ?? 5,
    };
    this.retryDelayMs = options.retryDelayMs ?? 250;
    this.logger = options.logger ?? silentLogger;
    this.tracer = options.tracer;
    this.metrics = options.metrics?.enabled ? options.metrics : undefined;
    this.settles = options.settles;
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
   * claims in one store call (`LeaseStore.enqueueAndClaim`) and passes the claim's
   * outcome to `claimed`. Undefined when nothing was reserved: then a plain enqueue,
   * which announces its tasks, is the right call.
   */
  reserveForEnqueue(queue: string, count: number): SyncClaim | undefined {
    const state = this.queues.get(queue);
    if (this.stopped || !state || state.inflight > 0 || count <= 0 || state.consumers.size === 0)
      return undefined;
    // Leases held for the queue are older than the new tasks: they go out first, by a pass.
    if (state.held && state.held.size > 0) return undefined;
    const consumers = [...state.consumers];
    this.rotation = (this.rotation + 1) % consumers.length;
    // One lease each keeps a burst fair across streams; what is left goes to the next pass.
    const [claim] = planClaims(
      consumers.map((c) => ({ queues: [state], leaseMs: c.leaseMs, free: this.free(c), cursor: 0 })),
      {
        isOpen: () => true,
        perQueue: Math.min(count, this.claimBatch),
        perConsumer: 1,
        start: this.rotation,
        oneLeaseLength: true,
      },
    ).claims;
    if (!claim) return undefined;
    const reservations = this.reserve(consumers, claim.shares);
    const leaseMs = claim.leaseMs;
    // Counted as in flight from now, so no pass claims the queue before this claim leaves.
    state.inflight++;
    const requestedAt = this.tracer ? nowMs() : 0;
    return {
      max: reservations.length,
      leaseMs,
      claimed: (result) => {
        state.inflight--;
        void this.claim(state, leaseMs, reservations, requestedAt, () => result);
      },
    };
  }

  /** Stops timers; claims in flight still deliver or return their leases. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.sweep);
    for (const state of this.queues.values()) {
      clearTimeout(state.timer);
      clearTimeout(state.holdTimer);
    }
  }

  /** Stops, and gives the leases held ahead of demand back to their queues (attempt not counted). */
  async close(): Promise<void> {
    this.stop();
    const returns: Promise<void>[] = [];
    for (const state of this.queues.values()) {
      const leases = state.held?.takeAll() ?? [];
      if (leases.length > 0) returns.push(this.giveBack(state.name, leases));
    }
    await Promise.all(returns);
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
        backlog: false,
        held: undefined,
        holdTimer: undefined,
      };
      this.queues.set(name, state);
    }
    return state;
  }

  private forgetIfIdle(state: QueueState): void {
    if (
      state.consumers.size === 0 &&
      state.inflight === 0 &&
      state.timer === undefined &&
      (state.held?.size ?? 0) === 0
    ) {
      clearTimeout(state.holdTimer);
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

  /**
   * The safety sweep: claims the known queues that the store says have due work (its cost
   * follows those, not every queue), and every known queue each FULL_SWEEP_EVERY-th time
   * or when the store cannot say.
   */
  private sweepQueues(): void {
    const sweep = (due?: ReadonlySet<string>): void => {
      for (const state of this.queues.values()) {
        if (state.consumers.size > 0 && (!due || due.has(state.name))) this.wakeForMaintenance(state);
      }
    };
    if (!this.store.dueQueues || ++this.sweeps % FULL_SWEEP_EVERY === 0) sweep();
    else this.store.dueQueues().then(sweep, () => sweep());
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
    const now = Date.now();
    // Leases held ahead of demand go out first, without a round trip.
    for (const state of this.queues.values()) {
      if (state.held && state.held.size > 0) this.serveHeld(state, state.held, now);
    }
    // Only queues that may hold ready tasks and have no claim in flight take part, and
    // only their consumers are looked at: most passes (after a claim, after a credit
    // grant) find no such queue and end here.
    const openQueues: QueueState[] = [];
    for (const state of this.queues.values()) {
      if (state.maybeReady && state.inflight === 0 && state.consumers.size > 0) openQueues.push(state);
    }
    if (openQueues.length === 0) return;
    this.planClaims(openQueues, now);
  }

  /** Reserves the free capacity of the open queues' consumers and starts their claims. */
  private planClaims(openQueues: QueueState[], now: number): void {
    const consumers =
      openQueues.length === 1
        ? [...openQueues[0]!.consumers]
        : [...new Set(openQueues.flatMap((state) => [...state.consumers]))];
    if (consumers.length === 0) return;
    // Rotate the starting consumer so no stream is always first in line.
    this.rotation = (this.rotation + 1) % consumers.length;
    const plan = planClaims(
      consumers.map((c) => ({
        queues: c.queues.map((name) => this.queues.get(name)),
        leaseMs: c.leaseMs,
        free: this.free(c),
        cursor: this.slots.get(c)!.cursor,
      })),
      {
        isOpen: (state) => state !== undefined && state.maybeReady && state.inflight === 0,
        perQueue: this.claimBatch,
        start: this.rotation,
      },
    );
    plan.cursors.forEach((cursor, i) => (this.slots.get(consumers[i]!)!.cursor = cursor));
    const claimed = new Set<QueueState>();
    for (const claim of plan.claims) {
      const state = claim.queue!;
      claimed.add(state);
      void this.claim(
        state,
        claim.leaseMs,
        this.reserve(consumers, claim.shares),
        this.passRequestedAt,
        undefined,
        this.aheadOf(state, claim.leaseMs, now, true),
      );
    }
    // Queues with a backlog whose streams are all busy: top up what is held for them.
    for (const state of openQueues) {
      if (claimed.has(state) || !state.held) continue;
      const extra = this.aheadOf(state, state.held.leaseMs, now, false);
      if (extra > 0) void this.claim(state, state.held.leaseMs, [], this.passRequestedAt, undefined, extra);
    }
  }

  /** How many leases of `leaseMs` a claim of `state` should take ahead of demand now (`demand`: streams wait). */
  private aheadOf(state: QueueState, leaseMs: number, now: number, demand: boolean): number {
    if (this.readAhead.max === 0 || !state.backlog) return 0;
    state.held ??= new ReadAheadBuffer(leaseMs, this.readAhead);
    return state.held.leaseMs === leaseMs ? state.held.room(now, demand) : 0;
  }

  /** Deals held leases to the queue's consumers with room, round-robin from a rotating start. */
  private serveHeld(state: QueueState, held: ReadAheadBuffer, now: number): void {
    const consumers = [...state.consumers];
    const n = consumers.length;
    if (n === 0) return;
    this.rotation = (this.rotation + 1) % n;
    for (let k = 0; k < n && held.size > 0; k++) {
      const consumer = consumers[(this.rotation + k) % n]!;
      if (consumer.leaseMs !== held.leaseMs) continue;
      const free = consumer.capacity() - this.slots.get(consumer)!.reserved;
      if (free <= 0) continue;
      const leases = held.take(free, now);
      const dispatch = this.tracer?.startDispatch(state.name, leases.length, this.passRequestedAt || nowMs());
      consumer.deliver(state.name, leases, dispatch);
      dispatch?.end(leases.length);
      this.metrics?.leased(state.name, leases, held.leaseMs);
    }
  }

  /** Keeps leases claimed beyond what streams reserved, or gives them back when read-ahead cannot take them. */
  private hold(state: QueueState, leaseMs: number, leases: Lease[]): void {
    if (leases.length === 0) return;
    const held = state.held;
    if (this.stopped || !held || held.leaseMs !== leaseMs) {
      void this.giveBack(state.name, leases);
      return;
    }
    held.add(leases, Date.now());
    this.armHold(state, held);
  }

  private armHold(state: QueueState, held: ReadAheadBuffer): void {
    const at = held.nextExpiry;
    if (at === undefined || state.holdTimer !== undefined || this.stopped) return;
    state.holdTimer = setTimeout(
      () => {
        state.holdTimer = undefined;
        const stale = held.expired(Date.now());
        if (stale.length > 0) void this.giveBack(state.name, stale);
        this.armHold(state, held);
        this.forgetIfIdle(state);
      },
      Math.max(0, at - Date.now()),
    );
    state.holdTimer.unref();
  }

  /** Claims for `reservations` (or only reaps, with none) and deals the leases out; `run` replaces the store call when the claim already left with an enqueue. */
  private async claim(
    state: QueueState,
    leaseMs: number,
    reservations: Reservation[],
    requestedAt = 0,
    sent?: () => Promise<ClaimResult>,
    ahead = 0,
  ): Promise<void> {
    const want = reservations.reduce((sum, r) => sum + r.count, 0);
    const run = sent ?? (() => this.storeClaim(state.name, want + ahead, leaseMs));
    const gen = state.wakeGen;
    state.inflight++;
    // A reap (want 0) serves no one: only claims for streams get a dispatch span.
    const dispatch =
      this.tracer && want > 0
        ? this.tracer.startDispatch(state.name, want, requestedAt || nowMs())
        : undefined;
    let result: ClaimResult;
    try {
      result = dispatch ? await dispatch.claim(run) : await run();
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
    if (want + ahead > 0) state.backlog = result.more;
    if (nextDueInMs !== null) this.armTimer(state, nextDueInMs);
    this.deal(state, leases, reservations, leaseMs, dispatch);
    dispatch?.end(leases.length);
    this.forgetIfIdle(state);
    this.schedulePass();
  }

  /** A claim of `max` leases, carrying the settles of the queue that wait to be sent. */
  private storeClaim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    const taken = max > 0 ? this.settles?.take(queue) : undefined;
    if (!taken) return this.store.claim(queue, max, leaseMs);
    let both: Promise<SettleAndClaimResult>;
    try {
      both = this.store.settleAndClaim(queue, taken.ops, max, leaseMs);
    } catch (err) {
      // The settles it took are answered whatever happens: with the store's error here.
      both = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    taken.settled(both.then((r) => r.results));
    return both.then((r) => r.claim);
  }

  /**
   * Deals leases round-robin over the reservations, one each in turn; leases beyond what
   * was reserved (read ahead) or reserved by consumers that left are held or given back.
   */
  private deal(
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
      const live = this.unreserve(r.consumer, r.count);
      const share = shares[i]!;
      if (share.length === 0) return;
      if (live) {
        r.consumer.deliver(queue, share, dispatch);
        this.metrics?.leased(queue, share, leaseMs);
        delivered += share.length;
      } else {
        rest.push(...share);
      }
    });
    if (delivered > 0 && state.held?.leaseMs === leaseMs) state.held.served(delivered, Date.now());
    this.hold(state, leaseMs, rest);
  }

  /** Room a consumer has for leases not yet reserved by claims in flight. */
  private free(consumer: Consumer): number {
    return consumer.capacity() - this.slots.get(consumer)!.reserved;
  }

  /** Reserves a plan's shares on the consumers' slots, as the claim's reservations. */
  private reserve(consumers: readonly Consumer[], shares: readonly Share[]): Reservation[] {
    return shares.map(({ consumer: i, count }) => {
      const consumer = consumers[i]!;
      this.slots.get(consumer)!.reserved += count;
      return { consumer, count };
    });
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

export type { Consumer, PendingSettles, SyncClaim } from './contracts.js';

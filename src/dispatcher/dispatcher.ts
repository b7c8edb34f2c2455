import type { LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { nowMs } from '../spans/span-helpers.js';
import { planClaims, type Share } from './claim-plan.js';
import { ClaimRunner, type Reservation } from './claim-runner.js';
import type { Consumer } from './contracts.js';
import { HeldLeases } from './held-leases.js';
import type { ReadAheadOptions } from './read-ahead.js';
import { isIdle, newQueueState, type QueueState } from './queue-state.js';
import { StoreCalls } from './store-calls.js';
import { WakeUps } from './wake-ups.js';

/** How a {@link Dispatcher} claims; every field has a default. */
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
  /** Leases claimed ahead of demand per queue (read-ahead.ts). Default: off (max 0), hold 20 ms. */
  readAhead?: Partial<ReadAheadOptions>;
  /**
   * Longest a settle sent with credit waits for its queue's later turns while the queue's
   * streams are served from read-ahead, so that several share a store call (store-calls.ts).
   * Default 0: off.
   */
  settleHoldMs?: number;
}

interface Slot {
  /** Leases reserved for this consumer by claims in flight. */
  reserved: number;
  /** Where its round-robin over its queues starts next. */
  cursor: number;
}

/** A claim in flight this large lets a second one start (`#claimable`). */
const PIPELINE_MIN_LEASES = 16;

/**
 * Pushes tasks to consumers the moment both exist. A ready signal (an enqueue here, a
 * wake published by another replica, a timer at the queue's next due instant) or new
 * consumer capacity schedules one pass on the next turn of the store calls (`calls`); the
 * pass reserves each consumer's capacity round-robin over its ready queues, claims each
 * queue's total in one store call, which carries the queue's enqueues or settles of the
 * turn, and deals the leases out round-robin across the consumers. There is no polling: a
 * queue is claimed only when it may hold ready tasks. This class keeps the consumers and
 * plans the passes; what wakes a queue is wake-ups.ts, running a claim and dealing its
 * leases claim-runner.ts.
 */
export class Dispatcher {
  readonly #queues = new Map<string, QueueState>();
  /** Open consumers by worker id, for serving a worker's newest stream first. */
  readonly #byWorker = new Map<string, Set<Consumer>>();
  readonly #slots = new Map<Consumer, Slot>();
  readonly #claimBatch: number;
  readonly #tracer: ClaimPathTracer | undefined;
  /**
   * Every store call of a queue goes through here: the server's enqueues and settles, and
   * this dispatcher's claims, which ride with them (store-calls.ts).
   */
  readonly calls: StoreCalls;
  /** Leases claimed ahead of demand, dealt without a store call (held-leases.ts). */
  readonly #held: HeldLeases;
  /** Runs each claim and deals its leases (claim-runner.ts). */
  readonly #claims: ClaimRunner;
  /** Ready signals, due timers and the sweep (wake-ups.ts). */
  readonly #wakeUps: WakeUps;
  #passScheduled = false;
  /** Turns of the store calls so far: a claim started in the current one rides with its calls. */
  #turnCount = 0;
  /** When the wake-up or credit that scheduled the coming pass arrived (ms), the start of its dispatch spans. */
  #passRequestedAt = 0;
  #stopped = false;

  constructor(store: LeaseStore, options: DispatcherOptions = {}) {
    this.#claimBatch = options.claimBatch ?? 256;
    const logger = options.logger ?? silentLogger;
    this.#tracer = options.tracer;
    const metrics = options.metrics?.enabled ? options.metrics : undefined;
    this.calls = new StoreCalls(store, {
      tracer: this.#tracer,
      metrics,
      logger,
      onTurn: (enqueued) => this.#turn(enqueued),
      settleHoldMs: options.settleHoldMs,
      dealingAhead: (queue) => this.#held.holdsAny(queue),
    });
    this.#held = new HeldLeases({
      readAhead: {
        max: Math.min(options.readAhead?.max ?? 0, this.#claimBatch),
        holdMs: options.readAhead?.holdMs ?? 20,
      },
      tracer: this.#tracer,
      metrics,
      queue: (name) => this.#queues.get(name),
      isOpen: (consumer) => this.#slots.has(consumer),
      free: (consumer) => this.#free(consumer),
      stopped: () => this.#stopped,
      giveBack: (queue, leases) => this.calls.giveBack(queue, leases),
      forgetIfIdle: (state) => this.#forgetIfIdle(state),
    });
    this.#claims = new ClaimRunner({
      calls: this.calls,
      held: this.#held,
      retryDelayMs: options.retryDelayMs ?? 250,
      logger,
      tracer: this.#tracer,
      metrics,
      turn: () => this.#turnCount,
      unreserve: (consumer, count) => this.#unreserve(consumer, count),
      wakeIn: (state, inMs) => this.#wakeUps.arm(state, inMs),
      forgetIfIdle: (state) => this.#forgetIfIdle(state),
      schedulePass: () => this.#schedulePass(),
    });
    this.#wakeUps = new WakeUps(store, options.sweepIntervalMs ?? 5_000, {
      queues: this.#queues,
      queue: (name) => this.#queue(name),
      stopped: () => this.#stopped,
      hasCapacity: (state) => this.#hasCapacity(state),
      schedulePass: () => this.#schedulePass(),
      reap: (state) => void this.#claims.claim(state, 0, []),
    });
  }

  /**
   * Starts pushing leases to a consumer. A worker's new consumer goes ahead of its older
   * ones: a worker opens another stream when it gave up on a connection (a frozen network
   * the server cannot see yet), and leases sent down that one would wait out its grace.
   */
  add(consumer: Consumer): void {
    this.#slots.set(consumer, { reserved: 0, cursor: 0 });
    const siblings = consumer.workerId ? this.#byWorker.get(consumer.workerId) : undefined;
    for (const name of consumer.queues) {
      const state = this.#queue(name);
      state.consumers.add(consumer);
      state.ready.add(consumer);
      for (const older of siblings ?? []) state.ready.demote(older);
    }
    if (consumer.workerId) {
      if (siblings) siblings.add(consumer);
      else this.#byWorker.set(consumer.workerId, new Set([consumer]));
    }
    this.#schedulePass();
  }

  /** Stops pushing to a consumer; leases claimed for it meanwhile go back to their queue. */
  remove(consumer: Consumer): void {
    if (!this.#slots.delete(consumer)) return;
    const siblings = consumer.workerId ? this.#byWorker.get(consumer.workerId) : undefined;
    siblings?.delete(consumer);
    if (siblings?.size === 0) this.#byWorker.delete(consumer.workerId!);
    for (const name of consumer.queues) {
      const state = this.#queues.get(name);
      state?.consumers.delete(consumer);
      state?.ready.delete(consumer);
      if (state) this.#forgetIfIdle(state);
    }
  }

  /**
   * A consumer's capacity grew (credit granted, stream writable again). Name it: without
   * one, every consumer is looked at again (a walk over all streams).
   */
  poke(consumer?: Consumer): void {
    if (consumer) {
      this.#mayHaveRoom(consumer);
      this.#held.serveSoon(consumer);
    } else for (const state of this.#queues.values()) for (const c of state.consumers) state.ready.add(c);
    this.#schedulePass();
  }

  /** Puts a consumer back in the ready rings of its queues. */
  #mayHaveRoom(consumer: Consumer): void {
    for (const name of consumer.queues) this.#queues.get(name)?.ready.add(consumer);
  }

  /** Stops timers; claims in flight still deliver or return their leases. */
  stop(): void {
    this.#stopped = true;
    this.#wakeUps.stop();
    for (const state of this.#queues.values()) state.holdTimer?.clear();
  }

  /** Stops, and gives the leases held ahead of demand back to their queues (attempt not counted). */
  async close(): Promise<void> {
    this.stop();
    const returns: Promise<void>[] = [];
    for (const state of this.#queues.values()) {
      const leases = state.held?.takeAll() ?? [];
      if (leases.length > 0) returns.push(this.calls.giveBack(state.name, leases));
    }
    await Promise.all(returns);
  }

  #queue(name: string): QueueState {
    let state = this.#queues.get(name);
    if (!state) {
      state = newQueueState(name);
      this.#queues.set(name, state);
    }
    return state;
  }

  #forgetIfIdle(state: QueueState): void {
    if (isIdle(state)) {
      state.holdTimer?.clear();
      this.#queues.delete(state.name);
    }
  }

  #hasCapacity(state: QueueState): boolean {
    return state.ready.any((c) => this.#free(c) > 0);
  }

  #schedulePass(): void {
    if (this.#passScheduled || this.#stopped) return;
    this.#passScheduled = true;
    if (this.#tracer) this.#passRequestedAt = nowMs();
    this.calls.requestTurn();
  }

  /**
   * One turn of the store calls (store-calls.ts): the pass when one was asked for, then a
   * claim for each queue that gathered ready tasks and has no claim in this turn yet,
   * which the queue's enqueue carries. A claim in flight from an earlier turn does not
   * hold it back: the new tasks' claim costs no call of its own, where waiting for the
   * earlier one to come back would cost a claim call then (and the enqueue a wake-up for
   * every replica). True when the pass wrote held leases to streams.
   */
  #turn(enqueued: ReadonlyMap<string, number>): boolean {
    if (this.#stopped) return false;
    this.#turnCount++;
    const wroteLeases = this.#passScheduled && this.#pass();
    for (const [name, ready] of enqueued) {
      const state = this.#queues.get(name);
      if (state && state.claimTurn !== this.#turnCount && state.consumers.size > 0)
        this.#matchEnqueue(state, ready);
    }
    return wroteLeases;
  }

  /**
   * Claims for streams here that have room, along with `count` ready tasks being enqueued
   * (sync match). Not while leases are held for the queue: they are older than the new
   * tasks, and go out first, by a pass.
   */
  #matchEnqueue(state: QueueState, count: number): void {
    if (state.held && state.held.size > 0) return;
    // One lease each keeps a burst fair across streams; what is left goes to the next pass.
    // One lease length per claim: the first consumer's in turn.
    let first: number | undefined;
    const picked = state.ready.take(
      Math.min(count, this.#claimBatch),
      (c) => this.#free(c) > 0,
      (c) => (first ??= c.leaseMs) === c.leaseMs,
    );
    if (picked.length === 0 || first === undefined) return;
    const reservations = this.#reserve(
      picked,
      picked.map((_, i) => ({ consumer: i, count: 1 })),
    );
    void this.#claims.claim(state, first, reservations, this.#tracer ? nowMs() : 0);
  }

  /**
   * Reserves capacity round-robin and starts one claim per queue (and lease length). True
   * when it wrote leases held ahead of demand.
   */
  #pass(): boolean {
    this.#passScheduled = false;
    const now = Date.now();
    // Leases held ahead of demand go out first, without a round trip.
    let wroteLeases = false;
    for (const state of this.#queues.values()) {
      if (this.#held.serve(state, now, this.#passRequestedAt)) wroteLeases = true;
    }
    // Only queues a claim may start on take part (`#claimable`), and only their consumers
    // are looked at: most passes (after a claim, after a credit
    // grant) find no such queue and end here.
    const openQueues: QueueState[] = [];
    for (const state of this.#queues.values()) {
      if (state.consumers.size > 0 && this.#claimable(state)) openQueues.push(state);
    }
    const claimed = openQueues.length > 0 ? this.#planClaims(openQueues, now) : undefined;
    // Queues with a backlog whose streams are all busy: refill what is held for them once
    // it runs low, while the rest is dealt (read-ahead.ts, topUp).
    for (const state of openQueues) {
      if (claimed?.has(state) || !state.held || state.inflight > 0 || !state.backlog) continue;
      const extra = state.held.topUp(now);
      if (extra > 0) void this.#claims.claim(state, state.held.leaseMs, [], this.#passRequestedAt, extra);
    }
    return wroteLeases;
  }

  /** Reserves the free capacity of the open queues' consumers and starts their claims; returns the queues claimed. */
  #planClaims(openQueues: QueueState[], now: number): ReadonlySet<QueueState> {
    // At most a claim's worth of consumers with room per queue, from the head of its ring
    // (they move to the back, so every stream gets its turn): the plan's cost follows the
    // claims, not the number of open streams.
    const hasRoom = (c: Consumer): boolean => this.#free(c) > 0;
    const perQueue = (state: QueueState | undefined): number =>
      state ? Math.min(this.#claimBatch, state.readyHint) : 0;
    const consumers =
      openQueues.length === 1
        ? openQueues[0]!.ready.take(perQueue(openQueues[0]), hasRoom)
        : [...new Set(openQueues.flatMap((state) => state.ready.take(perQueue(state), hasRoom)))];
    const claimed = new Set<QueueState>();
    if (consumers.length === 0) return claimed;
    const plan = planClaims(
      consumers.map((c) => ({
        queues: c.queues.map((name) => this.#queues.get(name)),
        leaseMs: c.leaseMs,
        free: this.#free(c),
        cursor: this.#slots.get(c)!.cursor,
      })),
      {
        isOpen: (state) => state !== undefined && this.#claimable(state),
        perQueue,
        start: 0,
      },
    );
    plan.cursors.forEach((cursor, i) => (this.#slots.get(consumers[i]!)!.cursor = cursor));
    for (const claim of plan.claims) {
      const state = claim.queue!;
      claimed.add(state);
      void this.#claims.claim(
        state,
        claim.leaseMs,
        this.#reserve(consumers, claim.shares),
        this.#passRequestedAt,
        // Read-ahead rides with the only claim in flight: a second one beside it takes
        // leases for streams alone, so what is held stays within --read-ahead.
        state.inflight === 0 ? this.#held.aheadOf(state, claim.leaseMs, now) : 0,
      );
    }
    return claimed;
  }

  /**
   * Whether a pass may claim the queue now: it may hold ready tasks, and no claim of it is
   * in flight; or one is, large, on a queue with a backlog (batches being drained), so a
   * second lets the store, the server and the workers overlap instead of taking turns on
   * one batch. A queue without a backlog keeps one claim in flight, which gathers the
   * demand of the round trip into the next one.
   */
  #claimable(state: QueueState): boolean {
    if (state.readyHint <= 0) return false;
    if (state.inflight === 0) return true;
    return state.inflight === 1 && state.backlog && state.inflightLeases >= PIPELINE_MIN_LEASES;
  }

  /** Room a consumer has for leases not yet reserved by claims in flight. */
  #free(consumer: Consumer): number {
    return consumer.capacity() - this.#slots.get(consumer)!.reserved;
  }

  /** Reserves a plan's shares on the consumers' slots, as the claim's reservations. */
  #reserve(consumers: readonly Consumer[], shares: readonly Share[]): Reservation[] {
    return shares.map(({ consumer: i, count }) => {
      const consumer = consumers[i]!;
      this.#slots.get(consumer)!.reserved += count;
      return { consumer, count };
    });
  }

  #unreserve(consumer: Consumer, count: number): boolean {
    const slot = this.#slots.get(consumer);
    if (!slot) return false;
    slot.reserved -= count;
    this.#mayHaveRoom(consumer);
    return true;
  }
}

export type { Consumer } from './contracts.js';

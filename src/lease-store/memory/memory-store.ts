import { InvalidArgumentError, UnavailableError } from '../../domain/errors.js';
import {
  type EnqueueResult,
  type Lease,
  type NewTask,
  type SettleOp,
  type SettleResult,
  type TaskRecord,
} from '../../domain/task.js';
import { FinishWaiters } from '../finish-waiters.js';
import { newLeaseNonce } from '../../domain/lease-id.js';
import { nowMs } from '../../spans/span-helpers.js';
import type {
  AbandonedLease,
  ClaimResult,
  EnqueueAndClaimResult,
  KeyPage,
  LeaseStore,
  ListableState,
  ListQueuesOptions,
  QueueConfig,
  QueueInfo,
  QueueStats,
  SettleAndClaimResult,
  StoreListener,
  TaskPage,
} from '../lease-store.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from '../store-options.js';
import { MemoryAdminOps } from './admin-ops.js';
import { QueueLimits } from './queue-limits.js';
import { newStoredTask, QueueState, toRecord } from './queue-state.js';
import { Retention } from './retention.js';
import { isHeld, Settler, waitKey } from './settler.js';
import { Signals } from './signals.js';

/**
 * How many expired leases, due tasks and retention entries one call handles at most, so a
 * claim after a long pause stays cheap; what is left waits for the next call.
 */
const MAINTENANCE_BATCH = 1000;

/**
 * The embedded lease store: all state in this process, nothing survives a restart. It is
 * also the reference the Redis store is held to, so it follows
 * docs/lease-store-semantics.md to the letter.
 *
 * Every operation reads the clock once and runs to completion before it returns, so
 * operations never interleave. Claim cost is O(log n) per lease and per maintenance step,
 * whatever the queue depth. There are no timers: time only moves inside operations, and
 * the listener tells the dispatcher when to come back.
 *
 * Buffers and records are copied on the way in and out: a caller cannot change stored
 * state by mutating what it passed or got back.
 */
export class MemoryStore implements LeaseStore {
  readonly kind = 'memory';
  readonly #options: ResolvedStoreOptions;
  readonly #clock: () => number;
  readonly #queues = new Map<string, QueueState>();
  readonly #retention = new Retention();
  readonly #paused = new Set<string>();
  /** Each queue's fair-share limits and rate-limit budget (queue-limits.ts). */
  readonly #limits = new QueueLimits();
  /** The operator's side over the same state (admin-ops.ts). */
  readonly #admin = new MemoryAdminOps({ queues: this.#queues, paused: this.#paused, limits: this.#limits });
  readonly #waiters = new FinishWaiters();
  /** Settle ops and the ends of a lease, which expiries and cancels share (settler.ts). */
  readonly #settler: Settler;
  #listener: StoreListener | undefined;
  #closed = false;

  constructor(options?: StoreOptions) {
    this.#options = resolveStoreOptions(options);
    // The spans' clock, not Date.now(): the queue wait span ends at the lease time, which
    // must fall inside the claim span, not on the next whole millisecond after it.
    this.#clock = this.#options.clock ?? nowMs;
    this.#settler = new Settler({
      options: this.#options,
      retention: this.#retention,
      waiters: this.#waiters,
    });
  }

  enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    return this.#run((now, signals) => tasks.map((task) => this.#enqueueOne(task, now, signals)));
  }

  enqueueAndClaim(
    queue: string,
    tasks: readonly NewTask[],
    max: number,
    leaseMs: number,
  ): Promise<EnqueueAndClaimResult> {
    return this.#run((now, signals) => {
      const results = tasks.map((task) => this.#enqueueOne(task, now, signals));
      // The claim takes them, and its `more` tells what it leaves; `due` still stands.
      signals.clearReady();
      return { results, claim: this.#claim(queue, max, leaseMs, now, signals) };
    });
  }

  claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    return this.#run((now, signals) => this.#claim(queue, max, leaseMs, now, signals));
  }

  #claim(queue: string, max: number, leaseMs: number, now: number, signals: Signals): ClaimResult {
    if (!Number.isInteger(max) || max < 0) throw new InvalidArgumentError('max', 'must be an integer >= 0');
    const q = this.#queues.get(queue);
    if (q === undefined) return { leases: [], nextDueInMs: null, more: false };

    let expired = 0;
    let dead = 0;
    for (let i = 0; i < MAINTENANCE_BATCH; i++) {
      const task = q.takeExpired(now);
      if (task === undefined) break;
      expired++;
      task.lastError = 'lease expired';
      // Even a zero backoff goes through SCHEDULED, so the task takes its place among
      // the other due tasks in due order, as the next loop hands out places.
      if (!this.#settler.endIfOver(task, now, false)) q.schedule(task, now + this.#settler.backoff(task));
      else if (task.state === 'DEAD') dead++;
    }

    // Parked keys whose expired leases freed them are news to other dispatchers too.
    let promoted = q.fair.takeUnparked() > 0;
    for (let i = 0; i < MAINTENANCE_BATCH; i++) {
      const task = q.takeDue(now);
      if (task === undefined) break;
      q.makeReady(task, task.due);
      promoted = true;
    }

    // A paused queue keeps its maintenance but hands out nothing, and says nothing is
    // left so that no dispatcher comes straight back.
    const paused = this.#paused.has(queue);
    const bucket = paused ? undefined : this.#limits.budget(queue, now);
    const allowed = bucket === undefined ? max : bucket.allowed(now, max);
    const leases: Lease[] = [];
    while (!paused && leases.length < allowed) {
      const task = q.takeReady();
      if (task === undefined) break;
      task.attempt += 1;
      task.token += 1;
      task.nonce = newLeaseNonce();
      task.leasedAt = now;
      q.lease(task, now + leaseMs);
      leases.push({ task: toRecord(task), token: task.token, nonce: task.nonce, deadline: task.deadline });
    }

    // The rate limit held leases back: the claim comes back by its timer, not by `more`.
    const refillIn =
      bucket !== undefined && (allowed < max || leases.length > 0) ? bucket.spend(leases.length) : 0;
    const ready = !paused && q.hasReady();
    const rateLimited = ready && allowed < max;
    // Tasks that were already ready were announced when they became so; only the ones
    // this maintenance woke, and that this claim did not take, need a new announcement.
    if (promoted && ready && !rateLimited) signals.ready(queue, q.fair.readyCount);
    let next = q.nextEventAt();
    if (rateLimited && (next === undefined || now + refillIn < next)) next = now + refillIn;
    const result: ClaimResult = {
      leases,
      nextDueInMs: next === undefined ? null : Math.max(0, next - now),
      more: ready && !rateLimited,
    };
    if (result.more) result.readyLeft = q.fair.readyCount;
    if (rateLimited) result.rateLimited = true;
    if (expired > 0) result.expired = expired;
    if (dead > 0) result.dead = dead;
    return result;
  }

  settleAndClaim(
    queue: string,
    ops: readonly SettleOp[],
    max: number,
    leaseMs: number,
  ): Promise<SettleAndClaimResult> {
    return this.#run((now, signals) => {
      const q = this.#queues.get(queue);
      const results = ops.map((op) => this.#settler.settleOne(queue, q, op, now, signals));
      // The claim takes what the ops made ready, and its `more` tells what it leaves.
      signals.clearReady();
      return { results, claim: this.#claim(queue, max, leaseMs, now, signals) };
    });
  }

  settle(queue: string, ops: readonly SettleOp[]): Promise<SettleResult[]> {
    return this.#run((now, signals) => {
      const q = this.#queues.get(queue);
      return ops.map((op) => this.#settler.settleOne(queue, q, op, now, signals));
    });
  }

  abandon(queue: string, leases: readonly AbandonedLease[], graceMs: number): Promise<void> {
    return this.#run((now, signals) => {
      const q = this.#queues.get(queue);
      if (q === undefined) return;
      let changed = false;
      for (const ref of leases) {
        const task = q.tasks.get(ref.taskId);
        if (task === undefined || !isHeld(task, ref.token, now)) continue;
        // Extended since on another stream: its worker came back.
        if (ref.deadline !== undefined && task.deadline > ref.deadline) continue;
        const deadline = Math.min(task.deadline, now + graceMs);
        if (deadline < task.deadline) {
          q.lease(task, deadline);
          changed = true;
        }
      }
      if (changed) signals.due(queue, graceMs);
    });
  }

  getTask(queue: string, taskId: string): Promise<TaskRecord | null> {
    return this.#run(() => {
      const task = this.#queues.get(queue)?.tasks.get(taskId);
      if (task === undefined) return null;
      return task.state === 'SCHEDULED' ? { ...toRecord(task), dueTime: task.due } : toRecord(task);
    });
  }

  cancel(queue: string, taskId: string): Promise<boolean | null> {
    return this.#run((now) => {
      const q = this.#queues.get(queue);
      const task = q?.tasks.get(taskId);
      if (q === undefined || task === undefined) return null;
      switch (task.state) {
        case 'PENDING':
        case 'SCHEDULED':
          q.unindex(task);
          this.#settler.finish(task, 'CANCELLED', now);
          return true;
        case 'LEASED':
          // The worker may still complete it; every other end of the lease cancels it.
          task.cancelRequested = true;
          return true;
        case 'CANCELLED':
          return true;
        case 'COMPLETED':
        case 'DEAD':
          return false;
      }
    });
  }

  // The operator's side, in admin-ops.ts, run one operation at a time like the rest.

  stats(queue: string): Promise<QueueStats> {
    return this.#run((now) => this.#admin.stats(queue, now));
  }

  listQueues(options?: ListQueuesOptions): Promise<QueueInfo[]> {
    return this.#run(() => this.#admin.listQueues(options));
  }

  listTasks(queue: string, state: ListableState, cursor: string | null, limit: number): Promise<TaskPage> {
    return this.#run(() => this.#admin.listTasks(queue, state, cursor, limit));
  }

  redrive(queue: string, taskIds: readonly string[] | null, note: string): Promise<number> {
    return this.#run((now, signals) => this.#admin.redrive(queue, taskIds, note, now, signals));
  }

  purge(queue: string): Promise<number> {
    return this.#run(() => this.#admin.purge(queue));
  }

  setPaused(queue: string, paused: boolean): Promise<boolean> {
    return this.#run((_now, signals) => this.#admin.setPaused(queue, paused, signals));
  }

  isPaused(queue: string): Promise<boolean> {
    return this.#run(() => this.#admin.isPaused(queue));
  }

  setConfig(queue: string, config: QueueConfig): Promise<void> {
    return this.#run((_now, signals) => this.#admin.setConfig(queue, config, signals));
  }

  getConfig(queue: string): Promise<QueueConfig> {
    return this.#run(() => this.#admin.getConfig(queue));
  }

  listKeys(queue: string, cursor: string | null, limit: number): Promise<KeyPage> {
    return this.#run(() => this.#admin.listKeys(queue, cursor, limit));
  }

  async waitFinished(
    queue: string,
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskRecord | null> {
    return this.#waiters.until(waitKey(queue, taskId), timeoutMs, signal, () => this.getTask(queue, taskId));
  }

  /** Walks the queues in memory (no I/O): those with ready tasks or a timed event at or before now. */
  dueQueues(): Promise<ReadonlySet<string>> {
    return this.#run((now) => {
      const due = new Set<string>();
      for (const [name, q] of this.#queues) {
        if (q.hasReady() || (q.nextEventAt() ?? Infinity) <= now) due.add(name);
      }
      return due;
    });
  }

  /** Replaces the listener. Events are delivered synchronously once the operation's changes are complete. */
  listen(listener: StoreListener): void {
    this.#listener = listener;
  }

  /** Drops all state; later calls reject with UnavailableError. */
  close(): Promise<void> {
    this.#closed = true;
    this.#queues.clear();
    this.#retention.clear();
    this.#listener = undefined;
    this.#waiters.notifyAll();
    return Promise.resolve();
  }

  /**
   * Runs one operation at one instant, purging what retention let go first, then tells the
   * listener. A listener that throws neither fails nor undoes the operation; its error is
   * rethrown on its own so it is not swallowed.
   */
  #run<T>(op: (now: number, signals: Signals) => T): Promise<T> {
    let value: T;
    const signals = new Signals();
    try {
      if (this.#closed) throw new UnavailableError('memory store is closed');
      const now = this.#clock();
      this.#retention.purge(now, this.#queues, MAINTENANCE_BATCH);
      value = op(now, signals);
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    if (this.#listener !== undefined) {
      try {
        signals.deliver(this.#listener);
      } catch (err) {
        queueMicrotask(() => {
          throw err;
        });
      }
    }
    return Promise.resolve(value);
  }

  #newQueueState(queue: string): QueueState {
    return new QueueState(() => this.#limits.maxLeasedPerKey(queue));
  }

  #enqueueOne(t: NewTask, now: number, signals: Signals): EnqueueResult {
    let q = this.#queues.get(t.queue);
    if (q === undefined) this.#queues.set(t.queue, (q = this.#newQueueState(t.queue)));
    const key = t.idempotencyKey;
    const windowMs = this.#options.idempotencyWindowMs;
    const first = key === '' ? undefined : q.idempotency.get(key);
    // A hit names a task that is still there: after a purge, or once the task's retention
    // passed, the key names the new task instead, so an acknowledged enqueue stores one.
    if (first !== undefined && now - first.firstUsed < windowMs && q.tasks.has(first.taskId)) {
      return { taskId: first.taskId, duplicate: true };
    }

    const task = newStoredTask(t, now);
    q.tasks.set(task.id, task);
    if (key !== '' && windowMs > 0) {
      q.idempotency.set(key, { taskId: task.id, firstUsed: now });
      this.#retention.expireKey(t.queue, key, now, now + windowMs);
    }
    if (t.delayMs > 0) {
      q.schedule(task, now + t.delayMs);
      signals.due(t.queue, t.delayMs);
    } else {
      q.makeReady(task, now);
      signals.ready(t.queue, 1);
    }
    return { taskId: task.id, duplicate: false };
  }
}

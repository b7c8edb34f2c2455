import type { EnqueueResult, Lease, NewTask, SettleOp, SettleResult, TaskRecord } from '../domain/task.js';

/** What `enqueueAndClaim` returns: the enqueue's results, in order, and the claim's. */
export interface EnqueueAndClaimResult {
  results: EnqueueResult[];
  claim: ClaimResult;
}

/** What a claim returns: the leases taken, and when something next falls due. */
export interface ClaimResult {
  /** Up to `max` leases, highest priority first, FIFO within a priority. */
  leases: Lease[];
  /**
   * Milliseconds from now until the queue's next timed event (a scheduled task falls due
   * or a lease runs out), or null when nothing is scheduled or leased.
   */
  nextDueInMs: number | null;
  /** Whether ready tasks are left after this claim's leases were taken. */
  more: boolean;
  /** Leases this call's maintenance found run out and ended (absent: none). */
  expired?: number;
  /** How many of those made their task DEAD (absent: none). */
  dead?: number;
}

/** A lease of a stream that ended: the task, its token, and the deadline the stream last knew. */
export interface AbandonedLease {
  taskId: string;
  token: number;
  deadline?: number;
}

/** What `settleAndClaim` returns: one result per op, in order, and the claim's. */
export interface SettleAndClaimResult {
  results: SettleResult[];
  claim: ClaimResult;
}

/** A queue's tasks by state, for metrics: a snapshot, cheap whatever the queue's depth. */
export interface QueueStats {
  /** PENDING tasks. */
  ready: number;
  /** SCHEDULED tasks (delayed, or waiting out a retry backoff). */
  scheduled: number;
  /** LEASED tasks. */
  leased: number;
  /** DEAD tasks still within their retention. */
  dead: number;
  /**
   * Enqueue time (ms since the epoch, store clock) of the ready task waiting longest, or
   * null when none is ready. The Redis store looks at the first task of each priority,
   * which is exact unless a retried task waits behind newer tasks of its priority.
   */
  oldestReadyEnqueueTime: number | null;
}

/** The task states a store keeps an index of, so that it can list them in order. */
export type ListableState = 'PENDING' | 'SCHEDULED' | 'LEASED' | 'DEAD';

/** One page of `listTasks`. */
export interface TaskPage {
  tasks: TaskRecord[];
  /** Pass it back for the next page; null when this was the last one. */
  nextCursor: string | null;
}

/** A queue the store knows, and whether it is paused. */
export interface QueueInfo {
  queue: string;
  paused: boolean;
}

/**
 * Hears about queues that have work. `ready` fires when tasks became claimable now (on
 * this replica, and for the Redis store on any replica); `due` fires when an operation of
 * this replica scheduled something `inMs` from now (a delayed task, a retry backoff, a
 * lease deadline), so the dispatcher can set one timer per queue instead of polling.
 */
export interface StoreListener {
  ready(queue: string): void;
  due(queue: string, inMs: number): void;
}

/**
 * Holds every task and lease (the rules in full: docs/lease-store-semantics.md). Two implementations share these semantics and one
 * conformance suite: `MemoryStore` (embedded, nothing survives a restart) and
 * `RedisStore` (one Lua script per state change, one Cluster hash tag per queue).
 *
 * Time: the store owns the clock. Before a claim takes tasks it makes due scheduled
 * tasks ready and expires overdue leases (a retry with the task's backoff, or DEAD when
 * attempts are used up, or CANCELLED when a cancel was requested), so `claim(queue, 0)`
 * is the reaper. Every operation is idempotent towards replicas running it concurrently.
 *
 * Fencing: a settle names a lease by task id and token. It applies only while that lease
 * is held and unexpired; a repeat of a settle that succeeded is answered `ok` and changes
 * nothing; anything else is `stale`.
 */
export interface LeaseStore {
  /** Stores validated tasks; results in request order. Tasks may span queues. */
  enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]>;

  /**
   * Stores validated tasks of `queue`, then claims as `claim(queue, max, leaseMs)` would,
   * in one round trip: for streams of this replica that wait for the queue. The listener
   * does not hear `ready` for the new tasks (the claim's `more` says whether some are
   * left); other replicas hear of them only when some are left after the claim.
   */
  enqueueAndClaim(
    queue: string,
    tasks: readonly NewTask[],
    max: number,
    leaseMs: number,
  ): Promise<EnqueueAndClaimResult>;

  /**
   * Leases up to `max` ready tasks of `queue` for `leaseMs`, counting an attempt for each.
   * Cost does not grow with queue depth. `max = 0` only reaps.
   */
  claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult>;

  /** Applies settle ops to leases of one queue; one result per op, in order. */
  settle(queue: string, ops: readonly SettleOp[]): Promise<SettleResult[]>;

  /**
   * Applies settle ops to leases of `queue`, then claims as `claim(queue, max, leaseMs)`
   * would, in one round trip: a worker that finishes a task and asks for the next costs
   * one store call. Tasks the ops made ready are announced to other replicas only when
   * some are left after the claim; the claim's `more` tells this replica.
   */
  settleAndClaim(
    queue: string,
    ops: readonly SettleOp[],
    max: number,
    leaseMs: number,
  ): Promise<SettleAndClaimResult>;

  /**
   * A stream ended holding these leases: each one still held runs out at
   * min(its deadline, now + graceMs) unless settled meanwhile; its attempt counts. A
   * lease whose deadline is now later than the `deadline` the stream knew was extended
   * on another stream since (its worker came back) and is left alone.
   */
  abandon(queue: string, leases: readonly AbandonedLease[], graceMs: number): Promise<void>;

  /** Counts `queue`'s tasks by state; read-only. An unknown queue has all zeros. */
  stats(queue: string): Promise<QueueStats>;

  /** The task as it stands, or null when unknown. */
  getTask(queue: string, taskId: string): Promise<TaskRecord | null>;

  /**
   * Cancels a task. PENDING or SCHEDULED: it becomes CANCELLED at once. LEASED: extends
   * are refused and it becomes CANCELLED when the lease ends without completion.
   * Returns true when the task will not run again, false when it had already completed
   * or died, null when unknown.
   */
  cancel(queue: string, taskId: string): Promise<boolean | null>;

  /**
   * Every queue the store knows, whichever replica or process used it, sorted by name: a
   * queue is known from its first enqueue or pause on, and stays known (even purged).
   */
  listQueues(): Promise<QueueInfo[]>;

  /**
   * Up to `limit` tasks of `queue` in `state`, in that state's order (PENDING: claim order;
   * SCHEDULED: due time; LEASED: deadline; DEAD: when they died), from `cursor` (null for
   * the first page). The cursor is a position, not a snapshot: tasks that change state
   * between pages may be missed or shown twice.
   */
  listTasks(queue: string, state: ListableState, cursor: string | null, limit: number): Promise<TaskPage>;

  /**
   * Makes DEAD tasks PENDING again with `attempt = 0`, adding `note` to their history:
   * the named ones (others are skipped), or every DEAD task when `taskIds` is null.
   * Returns how many were redriven; the listener hears `ready` when any were.
   */
  redrive(queue: string, taskIds: readonly string[] | null, note: string): Promise<number>;

  /**
   * Deletes every PENDING, SCHEDULED, LEASED and DEAD task of `queue` (settles of its
   * leases then answer not_found). COMPLETED and CANCELLED tasks stay readable until
   * their retention passes, and idempotency keys keep answering with the ids they named.
   * Returns how many tasks were deleted.
   */
  purge(queue: string): Promise<number>;

  /**
   * Pauses or resumes `queue` for every replica: while paused, claims lease nothing (and
   * report `more: false`) but still do their maintenance, and enqueues are accepted.
   * Resuming wakes every replica's listener (`ready`) when tasks are ready.
   */
  setPaused(queue: string, paused: boolean): Promise<void>;

  /** Whether `queue` is paused. */
  isPaused(queue: string): Promise<boolean>;

  /**
   * Resolves with the task once it is COMPLETED, DEAD or CANCELLED, on any replica (at
   * once when it already is), or as it stands when `timeoutMs` passes or `signal` aborts
   * first; null when the task is unknown. Costs nothing for tasks nobody waits for.
   */
  waitFinished(
    queue: string,
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskRecord | null>;

  /**
   * The queues that have timed work due now (a scheduled task or a lease deadline at or
   * before now, or leases of a replica that stopped beating), for a safety sweep that
   * claims only those: its cost follows the queues with due work, not all queues. May
   * name a queue late (an index written after the fact) but not skip one for long.
   * Optional: a dispatcher sweeps every known queue when a store lacks it.
   */
  dueQueues?(): Promise<ReadonlySet<string>>;

  /** Registers the listener for ready and due events. One listener per store. */
  listen(listener: StoreListener): void;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

import type { EnqueueResult, Lease, NewTask, SettleOp, SettleResult, TaskRecord } from '../domain/task.js';

/** An enqueue rate limit as `chargeRate` applies it: refill in tasks a second, and the most held. */
export interface RateBucket {
  readonly perSecond: number;
  readonly burst: number;
}

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
  /**
   * Whether ready tasks are left after this claim's leases were taken, that a claim could
   * take now (false while the rate limit holds them: see `rateLimited`).
   */
  more: boolean;
  /**
   * With `more`: the ready tasks the store counted after this claim (tasks of keys at
   * their `maxLeasedPerKey` included, so it may count more than a claim could take). A
   * dispatcher sizes its next claim by it instead of asking for a full batch to find one
   * task. Absent: the store does not count them.
   */
  readyLeft?: number;
  /**
   * The queue's `maxClaimsPerSecond` held leases back and ready tasks are left;
   * `nextDueInMs` then counts until the budget allows the next lease (absent: not held).
   */
  rateLimited?: true;
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
   * Since when (ms since the epoch, store clock) the ready task waiting longest has been
   * ready, or null when none is ready. A task is ready since its enqueue, the end of its
   * delay or retry backoff, or its redrive; a released task keeps the time it had, as it
   * keeps its place in line.
   */
  oldestReadySince: number | null;
  /** Fairness keys with ready tasks (including keys held back by `maxLeasedPerKey`). */
  readyKeys: number;
  /**
   * Ready tasks wait for the queue's `maxClaimsPerSecond` budget to refill (absent: they
   * do not). A paused queue is told by `isPaused`, not here.
   */
  rateLimited?: true;
}

/**
 * A queue's fair-share limits (docs/lease-store-semantics.md, "Fair shares"); 0 = no limit.
 * Stored with the queue's data, so it survives restarts and every replica applies it.
 */
export interface QueueConfig {
  /** At most this many LEASED tasks of one fairness key at once. */
  maxLeasedPerKey: number;
  /** At most this many leases of the queue per second over all replicas (burst: one second's worth). */
  maxClaimsPerSecond: number;
}

/** The config of a queue nobody configured: no limits. */
export const NO_LIMITS: Readonly<QueueConfig> = { maxLeasedPerKey: 0, maxClaimsPerSecond: 0 };

/** One fairness key of a queue and its tasks. */
export interface KeyStats {
  /** '' for the queue's default key. */
  fairnessKey: string;
  ready: number;
  leased: number;
}

/** One page of `listKeys`. */
export interface KeyPage {
  keys: KeyStats[];
  /** Pass it back for the next page; null when this was the last one. */
  nextCursor: string | null;
}

/** The task states a store keeps an index of, so that it can list them in order. */
export type ListableState = 'PENDING' | 'SCHEDULED' | 'LEASED' | 'DEAD';

/**
 * A task as `listTasks` lists it. A LEASED task also says when its lease runs out, read
 * from the index the listing walks: for operators' views (the console), not part of the
 * API's Task message.
 */
export interface ListedTask extends TaskRecord {
  /** When the lease of a LEASED task runs out (ms since the epoch, store clock); absent in other states. */
  leaseDeadline?: number;
}

/** One page of `listTasks`. */
export interface TaskPage {
  tasks: ListedTask[];
  /** Pass it back for the next page; null when this was the last one. */
  nextCursor: string | null;
}

/** Which queues `listQueues` returns. */
export interface ListQueuesOptions {
  /**
   * Only queues this accepts are returned, and only they cost a store read (the caller's
   * grants): a caller sees, and pays for, its own queues. Default: every queue.
   */
  visible?: (queue: string) => boolean;
  /** At most this many, the first by name. Default: no limit. */
  limit?: number;
  /** Only names after this one (a page of names). Default: from the first. */
  after?: string;
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
  /** `count`: how many tasks became ready, when the store knows (an enqueue); else unknown. */
  ready(queue: string, count?: number): void;
  due(queue: string, inMs: number): void;
}

/** The lease store implementations, by the name their spans and logs use. */
export type StoreKind = 'memory' | 'redis';

/**
 * Holds every task and lease (the rules in full: docs/lease-store-semantics.md). Two
 * implementations (`kind`) share these semantics and one conformance suite:
 * `MemoryStore` (embedded, nothing survives a restart) and `RedisStore` (one Lua script
 * per state change, one Cluster hash tag per queue).
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
  /** Which implementation this is: names its spans (`codeq.redis.claim`) and the server's logs. */
  readonly kind: StoreKind;

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
   * Takes tasks from one caller's enqueue rate limit kept in the store, so the limit holds
   * over every replica that shares it: a token bucket refilled at `limit.perSecond`,
   * holding at most `limit.burst`. `identity` names the caller (a digest, never a
   * credential). `counts` are the tasks of separate calls, taken in order; one answer
   * each: 0 taken, > 0 nothing taken and ms until it fits, Infinity never (over the
   * burst). Absent on a store that lives in one process (the memory store): the server
   * then keeps the buckets itself.
   */
  chargeRate?(identity: string, limit: RateBucket, counts: readonly number[]): Promise<number[]>;

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
   * The queues the store knows, whichever replica or process used it, sorted by name, as
   * `options` filters and limits them: a queue is known from its first enqueue or pause
   * on, until it holds no PENDING, SCHEDULED, LEASED or DEAD task and is not paused. Then
   * it leaves the list: at once in the memory store, at the next `pruneQueues` pass of
   * the Redis store. Costs one read per queue returned, none per queue filtered out.
   */
  listQueues(options?: ListQueuesOptions): Promise<QueueInfo[]>;

  /**
   * Drops empty queues (no PENDING, SCHEDULED, LEASED or DEAD task, not paused) from a
   * store's registry of queues, so a registry never outgrows the queues in use; returns how
   * many. Optional: a store whose `listQueues` looks at its tasks needs no registry.
   */
  pruneQueues?(): Promise<number>;

  /**
   * Up to `limit` tasks of `queue` in `state`, in that state's order (PENDING: claim order;
   * SCHEDULED: due time, each with its `dueTime`; LEASED: deadline, each with its
   * `leaseDeadline`; DEAD: when they died), from `cursor` (null for the first page), at
   * least one. The cursor names the place in that order of the last task the page
   * examined, and the next page starts strictly after it: a task that keeps its state and
   * place while one pages through is listed exactly once, whatever leaves or joins the
   * state around it. It is not a snapshot: a task that changes state or place between
   * pages may be missed or shown twice.
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
   * their retention passes. An idempotency key that named a deleted task no longer
   * answers with it: its next enqueue stores a new task. Returns how many were deleted.
   */
  purge(queue: string): Promise<number>;

  /**
   * Pauses or resumes `queue` for every replica: while paused, claims lease nothing (and
   * report `more: false`) but still do their maintenance, and enqueues are accepted.
   * Resuming wakes every replica's listener (`ready`) when tasks are ready, and removes a
   * queue with no PENDING, SCHEDULED, LEASED or DEAD task from `listQueues`: a pause of a
   * mistyped queue is undone, and an emptied queue can be removed.
   * Returns whether `queue` was paused before the call: a pause that answers true, or a
   * resume that answers false, changed nothing.
   */
  setPaused(queue: string, paused: boolean): Promise<boolean>;

  /** Whether `queue` is paused. */
  isPaused(queue: string): Promise<boolean>;

  /**
   * Stores `queue`'s fair-share limits for every replica; claims apply them from the next
   * call on. Keys a raised limit no longer holds back get their turn again, and the
   * listener hears `ready` when any have tasks.
   */
  setConfig(queue: string, config: QueueConfig): Promise<void>;

  /** `queue`'s fair-share limits; `NO_LIMITS` when never set. */
  getConfig(queue: string): Promise<QueueConfig>;

  /**
   * Up to `limit` fairness keys of `queue` with ready or leased tasks, busiest (ready +
   * leased) first, ties by key, from `cursor` (null for the first page). Costs O(K) in the
   * queue's busy keys per page: an operator's view, not a hot path.
   */
  listKeys(queue: string, cursor: string | null, limit: number): Promise<KeyPage>;

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

  /**
   * Runs `send`, which starts several calls of this store synchronously, so that what they
   * send leaves together (Redis: one write to the socket instead of one per call). The
   * calls still answer one by one. Optional: without it the calls go as they are made.
   */
  together?(send: () => void): void;

  /** Registers the listener for ready and due events. One listener per store. */
  listen(listener: StoreListener): void;

  /** Releases connections and timers. */
  close(): Promise<void>;
}

import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import {
  type EnqueueResult,
  type Lease,
  type NewTask,
  type SettleOp,
  type SettleResult,
  type TaskRecord,
} from '../../domain/task.js';
import { UnavailableError } from '../../domain/errors.js';
import { groupBy } from '../../domain/group-by.js';
import type { Warn } from '../../domain/throttled-warnings.js';
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
  RateBucket,
  SettleAndClaimResult,
  StoreListener,
  TaskPage,
} from '../lease-store.js';
import { resolveStoreOptions, type ResolvedStoreOptions } from '../store-options.js';
import type { ScriptArg, Scripts } from './commands.js';
import { DEFAULT_COMMAND_TIMEOUT_MS, toStoreError, type RedisClient } from './connection.js';
import { RedisAdminOps } from './admin-ops.js';
import { KeySpace } from './keys.js';
import { QueueCallCache } from './queue-calls.js';
import { QueueRegistry } from './queue-registry.js';
import type { RedisStoreOptions } from './redis-options.js';
import { RefusalLog } from './refusal-log.js';
import { ReplicaChannel } from './replica-channel.js';
import { ReplicaTracker } from './replica-tracker.js';
import { ReplicationWait } from './replication-wait.js';
import { followPrimary, startRedis } from './store-start.js';
import { ScriptReplies } from './script-replies.js';
import { StoreEvents } from './store-events.js';
import { encodeNewTasks, encodeSettleOps } from './task-codec.js';
import { TaskReads } from './task-reads.js';

export type { RedisStoreOptions } from './redis-options.js';
export { MAINTENANCE_LIMIT } from './queue-calls.js';

/**
 * Extra Redis TTL over each logical window (idempotency, retention). The store clock
 * decides; the TTL only collects garbage and must never end a window early, even when
 * a test's fake clock runs behind real time.
 */
const GC_SLACK_MS = 60_000;

const noop = (): void => {};

/**
 * The lease store on Redis or Redis Cluster: one Lua script per state change (see
 * scripts/), one round trip per batch, one Cluster hash tag per queue. Replicas sharing
 * a Redis hear each other's `ready` events through one pub/sub channel.
 */
export class RedisStore implements LeaseStore {
  readonly kind = 'redis';
  /** Random id of this store: the publisher of a wake-up skips its own echo. */
  readonly instanceId = randomBytes(9).toString('base64url');
  /** The listener's ready and due events (store-events.ts). */
  readonly #events: StoreEvents;
  /** The claim path's script replies read into results (script-replies.ts). */
  readonly #replies: ScriptReplies;
  /** Get, wait for and cancel one task by id (task-reads.ts). */
  readonly #reads: TaskReads;
  /** The registry of queues (keys.queues) behind listQueues, pruned of empty queues. */
  readonly #registry: QueueRegistry;
  /** Wake-ups from the other replicas and finish events, on the second connection (replica-channel.ts). */
  readonly #channel: ReplicaChannel;
  readonly #finishedTtlMs: number;
  readonly #deadTtlMs: number;
  readonly #idempotencyTtlMs: number;
  /** Lease owners and the due index: this replica's heartbeats and notes. */
  readonly #replica: ReplicaTracker;
  /** The operator's side: counts, listings, redrive, purge, pause, fair-share config (admin-ops.ts). */
  readonly #admin: RedisAdminOps;
  /** Holds acknowledgements back until enough replicas have the write (off by default). */
  readonly #replication: ReplicationWait;
  readonly #client: RedisClient;
  readonly #scripts: Scripts;
  readonly #keys: KeySpace;
  readonly #options: ResolvedStoreOptions;
  /** Each queue's prepared script calls of the hot paths (queue-calls.ts). */
  readonly #calls: QueueCallCache;
  /** The Redis replies behind UNAVAILABLE answers, for the operator (rate-limited). */
  readonly #refusals: RefusalLog;

  private constructor(
    client: RedisClient,
    subscriber: RedisClient,
    scripts: Scripts,
    keys: KeySpace,
    options: ResolvedStoreOptions,
    owner: { heartbeatMs: number; graceMs: number },
    queuePruneIntervalMs: number,
    wait: { replicas: number; timeoutMs: number },
    commandTimeoutMs: number,
    refusals: RefusalLog,
    warn: Warn | undefined,
  ) {
    this.#client = client;
    this.#refusals = refusals;
    this.#scripts = scripts;
    this.#keys = keys;
    this.#options = options;
    this.#replication = new ReplicationWait(client, wait, refusals, warn);
    this.#channel = new ReplicaChannel(subscriber, keys, this.instanceId, (queue) =>
      this.#events.ready(queue),
    );
    this.#registry = new QueueRegistry(client, scripts, keys, queuePruneIntervalMs);
    this.#finishedTtlMs = options.finishedRetentionMs + GC_SLACK_MS;
    this.#deadTtlMs = options.deadRetentionMs + GC_SLACK_MS;
    this.#idempotencyTtlMs = options.idempotencyWindowMs + GC_SLACK_MS;
    this.#replica = new ReplicaTracker(
      client,
      scripts,
      keys,
      this.instanceId,
      options.clock,
      owner.heartbeatMs,
    );
    this.#events = new StoreEvents(this.#replica);
    this.#calls = new QueueCallCache({
      scripts,
      keys,
      options,
      instanceId: this.instanceId,
      finishedTtlMs: this.#finishedTtlMs,
      deadTtlMs: this.#deadTtlMs,
      idempotencyTtlMs: this.#idempotencyTtlMs,
      ownerTtlMs: this.#replica.ownerTtlMs,
      ownerGraceMs: owner.graceMs,
      commandTimeoutMs,
    });
    this.#admin = new RedisAdminOps({
      client,
      scripts,
      keys,
      options,
      instanceId: this.instanceId,
      registry: this.#registry,
      nowArg: () => this.#nowArg(),
      emitReady: (queue) => this.#events.ready(queue),
    });
    this.#replies = new ScriptReplies({
      events: this.#events,
      registry: this.#registry,
      calls: this.#calls,
      replica: this.#replica,
    });
    this.#reads = new TaskReads({
      scripts,
      keys,
      options,
      finishedTtlMs: this.#finishedTtlMs,
      waiters: this.#channel.waiters,
      nowArg: () => this.#nowArg(),
      run: <T>(call: () => Promise<T>) => this.#run(call),
    });
  }

  /**
   * Connects (resolving once Redis is ready), loads the scripts and opens a second
   * connection for the wake-up channel (store-start.ts). Fails with UnavailableError when
   * Redis cannot be reached: at once when a password is refused (by Redis or a Sentinel),
   * else after `startTimeoutMs` of retries (RedisStartTimeoutError). A connection lost
   * later is retried for good.
   */
  static connect(options: RedisStoreOptions): Promise<RedisStore> {
    const keys = new KeySpace(options.keyPrefix ?? 'codeq');
    return startRedis(options, keys, async ({ client, subscriber, scripts }) => {
      const store = new RedisStore(
        client,
        subscriber,
        scripts,
        keys,
        resolveStoreOptions(options),
        {
          heartbeatMs: options.ownerHeartbeatMs ?? 1000,
          graceMs: options.ownerGraceMs ?? 5000,
        },
        options.queuePruneIntervalMs ?? 10_000,
        { replicas: options.waitReplicas ?? 0, timeoutMs: options.waitTimeoutMs ?? 1000 },
        options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
        new RefusalLog(options.warn),
        options.warn,
      );
      await store.#channel.subscribe();
      followPrimary(client, subscriber, options);
      return store;
    });
  }

  listen(listener: StoreListener): void {
    this.#events.listen(listener);
  }

  enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const queue = tasks[0]?.queue;
    if (queue === undefined) return Promise.resolve([]);
    for (let i = 1; i < tasks.length; i++) if (tasks[i]!.queue !== queue) return this.#enqueueQueues(tasks);
    return this.#enqueueQueue(queue, tasks);
  }

  /** Tasks of several queues: one script call per queue, results put back in request order. */
  async #enqueueQueues(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const byQueue = groupBy(tasks.keys(), (i) => tasks[i]!.queue);
    const results: EnqueueResult[] = new Array<EnqueueResult>(tasks.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const stored = await this.#enqueueQueue(
          queue,
          indexes.map((i) => tasks[i]!),
        );
        indexes.forEach((taskIndex, j) => (results[taskIndex] = stored[j]!));
      }),
    );
    return results;
  }

  /**
   * Tasks of one queue in one script call. Not an async function, and the registry is
   * awaited only when it sends something: the hottest store call (every unary Enqueue
   * comes here) is one promise chain from the script's reply to the caller.
   */
  #enqueueQueue(queue: string, tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const send = (): Promise<EnqueueResult[]> =>
      this.#calls
        .of(queue)
        .enqueue(encodeNewTasks(tasks), this.#calls.nowVary())
        .then(
          (reply) => {
            const results = this.#replies.enqueueResults(queue, tasks, reply);
            const ready = Number(reply[0]);
            if (ready > 0) this.#events.ready(queue, ready);
            // After the wake-up: a write WAIT cannot confirm is still in Redis and claimable.
            return this.#replication.enabled ? this.#replication.confirm().then(() => results) : results;
          },
          (err: unknown) => {
            throw this.#storeError(err);
          },
        );
    return this.#registry.isFresh(queue) ? send() : this.#register(queue).then(send);
  }

  /** Like `#enqueueQueue`, one promise chain; the claim's count, lease and secret vary per call. */
  enqueueAndClaim(
    queue: string,
    tasks: readonly NewTask[],
    max: number,
    leaseMs: number,
  ): Promise<EnqueueAndClaimResult> {
    this.#channel.serve(queue);
    const send = (): Promise<EnqueueAndClaimResult> => {
      const sentAt = performance.now();
      return this.#calls
        .of(queue)
        .enqueueClaim(
          encodeNewTasks(tasks, [this.#options.random()]),
          this.#calls.claimVary(queue, max, leaseMs),
        )
        .then(
          ([enqueued, claimed]) => {
            const answer: EnqueueAndClaimResult = {
              results: this.#replies.enqueueResults(queue, tasks, enqueued),
              claim: this.#replies.claimResult(queue, claimed, leaseMs, sentAt),
            };
            if (!this.#replication.enabled) return answer;
            return this.#confirmLeasing(queue, answer.claim.leases).then(() => answer);
          },
          (err: unknown) => {
            throw this.#storeError(err);
          },
        );
    };
    return this.#registry.isFresh(queue) ? send() : this.#register(queue).then(send);
  }

  async chargeRate(identity: string, limit: RateBucket, counts: readonly number[]): Promise<number[]> {
    const reply = await this.#run(() =>
      this.#scripts.charge(
        { bucket: this.#keys.rateBucket(identity) },
        { now: this.#nowArg(), perSecond: limit.perSecond, burst: limit.burst },
        [counts.length, ...counts],
      ),
    );
    return reply.map((v) => (v < 0 ? Infinity : Number(v)));
  }

  async claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    this.#channel.serve(queue);
    // One seed, however many leases expire: the script draws their jitter from it.
    const sentAt = performance.now();
    const reply = await this.#run(() =>
      this.#calls.of(queue).claim([this.#options.random()], this.#calls.claimVary(queue, max, leaseMs)),
    );
    const result = this.#replies.claimResult(queue, reply, leaseMs, sentAt);
    // A lease handed out must outlive a failover like an acknowledged write: otherwise the
    // promoted replica leases the task again under the same fencing token.
    if (result.leases.length > 0) await this.#confirmLeasing(queue, result.leases);
    return result;
  }

  async settle(queue: string, ops: readonly SettleOp[]): Promise<SettleResult[]> {
    if (ops.length === 0) return [];
    const reply = await this.#settleScript(queue, ops);
    const results = this.#replies.settleResults(queue, ops, reply);
    await this.#replication.confirm();
    return results;
  }

  /** Runs settle-5.lua for `ops`, waking the queue's listeners when it made tasks ready; no replica wait. */
  async #settleScript(queue: string, ops: readonly SettleOp[]): Promise<unknown[]> {
    const tail = encodeSettleOps(ops, this.#options.maxLeaseAgeMs, [this.#options.random()]);
    const reply = await this.#run(() => this.#calls.of(queue).settle(tail, this.#calls.nowVary()));
    if (Number(reply[0]) === 1) this.#events.ready(queue);
    return reply;
  }

  async settleAndClaim(
    queue: string,
    ops: readonly SettleOp[],
    max: number,
    leaseMs: number,
  ): Promise<SettleAndClaimResult> {
    this.#channel.serve(queue);
    const tail = encodeSettleOps(ops, this.#options.maxLeaseAgeMs, [this.#options.random()]);
    const sentAt = performance.now();
    const [settled, claimed] = await this.#run(() =>
      this.#calls.of(queue).settleClaim(tail, this.#calls.claimVary(queue, max, leaseMs)),
    );
    const answer = {
      results: this.#replies.settleResults(queue, ops, settled),
      claim: this.#replies.claimResult(queue, claimed, leaseMs, sentAt),
    };
    await this.#confirmLeasing(queue, answer.claim.leases);
    return answer;
  }

  /**
   * Waits for the replicas to confirm a write that took `leases` (replication-wait.ts).
   * When they do not, the leases go back to their queue at once, the attempt not counted:
   * no worker ever saw them, and left to run out they would cost their tasks an attempt
   * each (a task on its last one DEAD without having run). The release waits for no
   * replica; lost in a failover, the lease runs out as it would have.
   */
  #confirmLeasing(queue: string, leases: readonly Lease[]): Promise<void> {
    return this.#replication.confirm().catch((err: unknown) => {
      if (leases.length > 0) this.#release(queue, leases);
      throw err;
    });
  }

  /** Releases leases no worker has (attempt not counted), without waiting for the replicas or for the reply. */
  #release(queue: string, leases: readonly Lease[]): void {
    const ops = leases.map((l) => ({ kind: 'release' as const, taskId: l.task.id, token: l.token }));
    this.#settleScript(queue, ops).catch(noop);
  }

  async abandon(queue: string, leases: readonly AbandonedLease[], graceMs: number): Promise<void> {
    if (leases.length === 0) return;
    const k = this.#keys.queue(queue);
    const tail: ScriptArg[] = [];
    for (const lease of leases) tail.push(lease.taskId, lease.token, lease.deadline ?? '');
    const changed = await this.#run(() =>
      this.#scripts.abandon(k, { taskPrefix: k.taskPrefix, now: this.#nowArg(), graceMs }, tail),
    );
    if (Number(changed) > 0) this.#events.due(queue, graceMs);
  }

  getTask(queue: string, taskId: string): Promise<TaskRecord | null> {
    return this.#reads.get(queue, taskId);
  }

  cancel(queue: string, taskId: string): Promise<boolean | null> {
    return this.#reads.cancel(queue, taskId);
  }

  // The operator's side, in admin-ops.ts; the store only turns its errors into store errors.

  stats(queue: string): Promise<QueueStats> {
    return this.#run(() => this.#admin.stats(queue));
  }

  listQueues(options?: ListQueuesOptions): Promise<QueueInfo[]> {
    return this.#run(() => this.#admin.listQueues(options));
  }

  pruneQueues(): Promise<number> {
    return this.#run(() => this.#admin.pruneQueues());
  }

  listTasks(queue: string, state: ListableState, cursor: string | null, limit: number): Promise<TaskPage> {
    return this.#run(() => this.#admin.listTasks(queue, state, cursor, limit));
  }

  redrive(queue: string, taskIds: readonly string[] | null, note: string): Promise<number> {
    return this.#run(() => this.#admin.redrive(queue, taskIds, note));
  }

  purge(queue: string): Promise<number> {
    return this.#run(() => this.#admin.purge(queue));
  }

  setPaused(queue: string, paused: boolean): Promise<void> {
    return this.#run(() => this.#admin.setPaused(queue, paused));
  }

  isPaused(queue: string): Promise<boolean> {
    return this.#run(() => this.#admin.isPaused(queue));
  }

  setConfig(queue: string, config: QueueConfig): Promise<void> {
    return this.#run(() => this.#admin.setConfig(queue, config));
  }

  getConfig(queue: string): Promise<QueueConfig> {
    return this.#run(() => this.#admin.getConfig(queue));
  }

  listKeys(queue: string, cursor: string | null, limit: number): Promise<KeyPage> {
    return this.#run(() => this.#admin.listKeys(queue, cursor, limit));
  }

  waitFinished(
    queue: string,
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskRecord | null> {
    return this.#reads.waitFinished(queue, taskId, timeoutMs, signal);
  }

  /** Adds `queue` to the registry of queues: listQueues sees it on every replica. */
  #register(queue: string): Promise<void> {
    return this.#run(() => this.#registry.register(queue));
  }

  /**
   * Corks the connection while `send` starts its calls: their commands leave in one write
   * when it ends. Every call of the hot paths sends its command synchronously once its
   * queue is registered (a call that waits for the registry sends later, alone). A Cluster
   * spreads commands over several connections and is left as it is.
   */
  together(send: () => void): void {
    const stream = this.#client instanceof Cluster ? undefined : this.#client.stream;
    stream?.cork();
    try {
      send();
    } finally {
      stream?.uncork();
    }
  }

  /** From the due index and the replicas hash (replica-tracker.ts): two reads and a TIME. */
  dueQueues(): Promise<ReadonlySet<string>> {
    return this.#run(() => this.#replica.dueQueues());
  }

  async close(): Promise<void> {
    this.#events.listen(undefined);
    this.#replica.close();
    this.#registry.close();
    await Promise.allSettled([this.#channel.close(), this.#client.quit()]);
    this.#client.disconnect();
  }

  /** "now" for the scripts: the clock option's value, or '' to use Redis TIME. */
  #nowArg(): string {
    return this.#calls.nowArg();
  }

  async #run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw this.#storeError(err);
    }
  }

  /** toStoreError, noting a Redis reply it turned into UNAVAILABLE: callers see only that. */
  #storeError(err: unknown): Error {
    const mapped = toStoreError(err);
    if (mapped instanceof UnavailableError) this.#refusals.noteReply(mapped);
    return mapped;
  }
}

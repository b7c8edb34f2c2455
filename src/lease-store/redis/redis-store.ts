import { randomBytes } from 'node:crypto';
import { Cluster } from 'ioredis';
import {
  type EnqueueResult,
  type NewTask,
  type SettleOp,
  type SettleResult,
  type TaskRecord,
} from '../../domain/task.js';
import { UnavailableError } from '../../domain/errors.js';
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
import { ClaimPath } from './claim-path.js';
import { KeySpace } from './keys.js';
import { QueueCallCache } from './queue-calls.js';
import { QueueRegistry } from './queue-registry.js';
import type { RedisStoreOptions } from './redis-options.js';
import { RefusalLog } from './refusal-log.js';
import { ReplicaChannel } from './replica-channel.js';
import { ReplicaTracker } from './replica-tracker.js';
import { ReplicationWait } from './replication-wait.js';
import { followPrimary, startRedis } from './store-start.js';
import { StoreEvents } from './store-events.js';
import { TaskReads } from './task-reads.js';

export type { RedisStoreOptions } from './redis-options.js';
export { MAINTENANCE_LIMIT } from './queue-calls.js';

/**
 * Extra Redis TTL over each logical window (idempotency, retention). The store clock
 * decides; the TTL only collects garbage and must never end a window early, even when
 * a test's fake clock runs behind real time.
 */
const GC_SLACK_MS = 60_000;

/**
 * The lease store on Redis or Redis Cluster: one Lua script per state change (see
 * scripts/), one round trip per batch, one Cluster hash tag per queue. Replicas sharing
 * a Redis hear each other's `ready` events through one pub/sub channel.
 *
 * This class builds the store's parts and answers the `LeaseStore` calls with them: the
 * claim path in claim-path.ts, reads of one task in task-reads.ts, the operator's side in
 * admin-ops.ts; abandon and the enqueue rate limit are its own.
 */
export class RedisStore implements LeaseStore {
  readonly kind = 'redis';
  /** Random id of this store: the publisher of a wake-up skips its own echo. */
  readonly instanceId = randomBytes(9).toString('base64url');
  /** The listener's ready and due events (store-events.ts). */
  readonly #events: StoreEvents;
  /** Enqueue, claim, settle and the calls that chain them (claim-path.ts). */
  readonly #path: ClaimPath;
  /** Get, wait for and cancel one task by id (task-reads.ts). */
  readonly #reads: TaskReads;
  /** The registry of queues (keys.queues) behind listQueues, pruned of empty queues. */
  readonly #registry: QueueRegistry;
  /** Wake-ups from the other replicas and finish events, on the second connection (replica-channel.ts). */
  readonly #channel: ReplicaChannel;
  /** Lease owners and the due index: this replica's heartbeats and notes. */
  readonly #replica: ReplicaTracker;
  /** The operator's side: counts, listings, redrive, purge, pause, fair-share config (admin-ops.ts). */
  readonly #admin: RedisAdminOps;
  readonly #client: RedisClient;
  readonly #scripts: Scripts;
  readonly #keys: KeySpace;
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
    this.#channel = new ReplicaChannel(subscriber, keys, this.instanceId, (queue) =>
      this.#events.ready(queue),
    );
    this.#registry = new QueueRegistry(client, scripts, keys, queuePruneIntervalMs);
    const finishedTtlMs = options.finishedRetentionMs + GC_SLACK_MS;
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
      finishedTtlMs,
      deadTtlMs: options.deadRetentionMs + GC_SLACK_MS,
      idempotencyTtlMs: options.idempotencyWindowMs + GC_SLACK_MS,
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
    this.#path = new ClaimPath({
      options,
      calls: this.#calls,
      registry: this.#registry,
      channel: this.#channel,
      replication: new ReplicationWait(client, wait, refusals, warn),
      events: this.#events,
      replica: this.#replica,
      run: <T>(call: () => Promise<T>) => this.#run(call),
      storeError: (err) => this.#storeError(err),
    });
    this.#reads = new TaskReads({
      scripts,
      keys,
      options,
      finishedTtlMs,
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
    return this.#path.enqueue(tasks);
  }

  enqueueAndClaim(
    queue: string,
    tasks: readonly NewTask[],
    max: number,
    leaseMs: number,
  ): Promise<EnqueueAndClaimResult> {
    return this.#path.enqueueAndClaim(queue, tasks, max, leaseMs);
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

  claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    return this.#path.claim(queue, max, leaseMs);
  }

  settle(queue: string, ops: readonly SettleOp[]): Promise<SettleResult[]> {
    return this.#path.settle(queue, ops);
  }

  settleAndClaim(
    queue: string,
    ops: readonly SettleOp[],
    max: number,
    leaseMs: number,
  ): Promise<SettleAndClaimResult> {
    return this.#path.settleAndClaim(queue, ops, max, leaseMs);
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

  setPaused(queue: string, paused: boolean): Promise<boolean> {
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

import { randomBytes } from 'node:crypto';
import type { EnqueueResult, Lease, NewTask, SettleOp, SettleResult, TaskRecord } from '../../domain/task.js';
import { groupBy } from '../../domain/group-by.js';
import { newTaskId } from '../../domain/task-id.js';
import { parseCursor } from '../list-cursor.js';
import { FinishWaiters } from '../finish-waiters.js';
import { newClaimSecret } from '../../domain/lease-id.js';
import type {
  AbandonedLease,
  ClaimResult,
  EnqueueAndClaimResult,
  LeaseStore,
  ListableState,
  QueueInfo,
  QueueStats,
  SettleAndClaimResult,
  StoreListener,
  TaskPage,
} from '../lease-store.js';
import { resolveStoreOptions, type ResolvedStoreOptions, type StoreOptions } from '../store-options.js';
import { defineScripts, type ScriptArg, type Scripts } from './commands.js';
import { createClient, duplicateClient, toStoreError, type RedisClient } from './connection.js';
import { KeySpace, type QueueKeys } from './keys.js';
import { ReplicaTracker } from './replica-tracker.js';
import { ScriptCode, settleResultFromCode } from './script-codes.js';
import { collectFields, decodeTask, encodeHeaders, encodeMaxAttempts, encodeRetry } from './task-codec.js';

/** Options of the Redis lease store. */
export type RedisStoreOptions = StoreOptions & {
  /** `redis://host:port`; with `cluster`, several comma-separated nodes. */
  url: string;
  /** Prefix of every key and of the wake-up channel. Default `codeq`. */
  keyPrefix?: string;
  /** Connect to a Redis Cluster (ioredis Cluster) instead of one server. Default false. */
  cluster?: boolean;
  /** How long a command may wait for its reply before the call fails UNAVAILABLE. Default 5000 ms. */
  commandTimeoutMs?: number;
  /**
   * How often this replica tells each queue it holds leases on that it is alive. Default
   * 1000 ms. A replica silent for three periods counts as dead: any replica's reaper
   * then shortens its leases to `ownerGraceMs`.
   */
  ownerHeartbeatMs?: number;
  /** How long the leases of a dead replica still run once the reaper noticed. Default 5000 ms. */
  ownerGraceMs?: number;
};

/** Members of each set one purge or redrive call handles; the store calls again until done. */
const ADMIN_BATCH = 500;

/** How list-1.lua finds each listable state: its index, the state code, and whether members carry an ordinal. */
const LIST_INDEX = {
  PENDING: ['ready', 'P', '0'],
  SCHEDULED: ['scheduled', 'S', '1'],
  LEASED: ['leased', 'L', '1'],
  DEAD: ['dead', 'D', '0'],
} as const;

/** Expired leases and due tasks handled per claim call, at most, of each kind. */
export const MAINTENANCE_LIMIT = 1000;

/**
 * Random numbers each claim brings for the backoff of leases it expires; when more leases
 * ran out, the script asks for as many as it needs (one more round trip).
 */
const CLAIM_RANDOMS = 4;

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
  /** Random id of this store: the publisher of a wake-up skips its own echo. */
  readonly instanceId = randomBytes(9).toString('base64url');
  private listener: StoreListener | undefined;
  /** Queues this store claimed from: told `ready` after the subscriber reconnects, in case a wake-up was missed. */
  private readonly claimedQueues = new Set<string>();
  /** Queues this store has added to the registry (keys.queues): one SADD per queue and process. */
  private readonly registeredQueues = new Set<string>();
  /** Callers of `waitFinished`, by task hash key: what the finish channel's messages name. */
  private readonly waiters = new FinishWaiters();
  private readonly finishedTtlMs: number;
  private readonly deadTtlMs: number;
  private readonly idempotencyTtlMs: number;
  /** Lease owners and the due index: this replica's heartbeats and notes. */
  private readonly replica: ReplicaTracker;
  private readonly ownerGraceMs: number;

  private constructor(
    private readonly client: RedisClient,
    private readonly subscriber: RedisClient,
    private readonly scripts: Scripts,
    private readonly keys: KeySpace,
    private readonly options: ResolvedStoreOptions,
    owner: { heartbeatMs: number; graceMs: number },
  ) {
    this.finishedTtlMs = options.finishedRetentionMs + GC_SLACK_MS;
    this.deadTtlMs = options.deadRetentionMs + GC_SLACK_MS;
    this.idempotencyTtlMs = options.idempotencyWindowMs + GC_SLACK_MS;
    this.ownerGraceMs = owner.graceMs;
    this.replica = new ReplicaTracker(
      client,
      scripts,
      keys,
      this.instanceId,
      options.clock,
      owner.heartbeatMs,
    );
  }

  /**
   * Connects (resolving once Redis is ready), loads the scripts and opens a second
   * connection for the wake-up channel. Fails with UnavailableError when Redis cannot
   * be reached.
   */
  static async connect(options: RedisStoreOptions): Promise<RedisStore> {
    const keys = new KeySpace(options.keyPrefix ?? 'codeq');
    const client = createClient(options.url, options.cluster ?? false, options.commandTimeoutMs);
    // Connection errors repeat while Redis is down; operations report them as
    // UnavailableError, so the events need a listener but nothing more.
    client.on('error', noop);
    let subscriber: RedisClient | undefined;
    try {
      await client.connect();
      const scripts = await defineScripts(client);
      subscriber = duplicateClient(client);
      subscriber.on('error', noop);
      await subscriber.connect();
      const store = new RedisStore(client, subscriber, scripts, keys, resolveStoreOptions(options), {
        heartbeatMs: options.ownerHeartbeatMs ?? 1000,
        graceMs: options.ownerGraceMs ?? 5000,
      });
      await store.subscribe();
      return store;
    } catch (err) {
      client.disconnect();
      subscriber?.disconnect();
      throw toStoreError(err);
    }
  }

  private async subscribe(): Promise<void> {
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel === this.keys.finishChannel) {
        this.waiters.notify(message);
        return;
      }
      if (channel !== this.keys.wakeChannel) return;
      const sep = message.indexOf(':');
      if (sep < 0 || message.slice(0, sep) === this.instanceId) return;
      this.emitReady(message.slice(sep + 1));
    });
    await this.subscriber.subscribe(this.keys.wakeChannel, this.keys.finishChannel);
    // Wake-ups and finish events published while the subscriber was reconnecting are
    // lost: once it is subscribed again (ioredis re-subscribes; subscribing twice is
    // harmless and tells us when), re-check the queues this store serves and the tasks
    // its callers wait for.
    this.subscriber.on('ready', () => {
      this.subscriber.subscribe(this.keys.wakeChannel, this.keys.finishChannel).then(() => {
        for (const queue of this.claimedQueues) this.emitReady(queue);
        this.waiters.notifyAll();
      }, noop);
    });
  }

  listen(listener: StoreListener): void {
    this.listener = listener;
  }

  async enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const byQueue = groupBy(tasks.keys(), (i) => tasks[i]!.queue);
    const results: EnqueueResult[] = new Array<EnqueueResult>(tasks.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const part = indexes.map((i) => tasks[i]!);
        await this.register(queue);
        const k = this.keys.queue(queue);
        const reply = await this.run(() =>
          this.scripts.enqueue(k, this.enqueueArgs(queue), this.taskTail(part)),
        );
        const stored = this.enqueueResults(queue, part, reply);
        indexes.forEach((taskIndex, j) => (results[taskIndex] = stored[j]!));
        if (Number(reply[0]) > 0) this.emitReady(queue);
      }),
    );
    return results;
  }

  async enqueueAndClaim(
    queue: string,
    tasks: readonly NewTask[],
    max: number,
    leaseMs: number,
  ): Promise<EnqueueAndClaimResult> {
    this.claimedQueues.add(queue);
    await this.register(queue);
    const k = this.keys.queue(queue);
    const args = {
      ...this.enqueueArgs(queue),
      ...this.claimArgs(max, leaseMs),
      ...this.leaseArgs(k),
    };
    const tail = [CLAIM_RANDOMS, ...this.randoms(CLAIM_RANDOMS), ...this.taskTail(tasks)];
    const [enqueued, claimed] = await this.run(() => this.scripts.enqueueClaim(k, args, tail));
    const results = this.enqueueResults(queue, tasks, enqueued);
    // More leases ran out than the call brought random numbers for: the tasks are stored,
    // nothing was claimed; claim as a plain claim does.
    const claim =
      (Number(claimed[0]) as ScriptCode) === ScriptCode.NeedRandoms
        ? await this.claim(queue, max, leaseMs)
        : this.claimResult(queue, claimed);
    return { results, claim };
  }

  async claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    this.claimedQueues.add(queue);
    const k = this.keys.queue(queue);
    const args = { ...this.queueArgs(queue), ...this.claimArgs(max, leaseMs), ...this.leaseArgs(k) };
    let reply = await this.run(() => this.scripts.claim(k, args, this.randoms(CLAIM_RANDOMS)));
    // More leases ran out than the call brought random numbers for: the script changed
    // nothing and said how many it needs. Bounded: it never needs more than the limit.
    for (let attempt = 0; (Number(reply[0]) as ScriptCode) === ScriptCode.NeedRandoms; attempt++) {
      const needed = attempt < 2 ? Number(reply[1]) : MAINTENANCE_LIMIT;
      reply = await this.run(() => this.scripts.claim(k, args, this.randoms(needed)));
    }
    return this.claimResult(queue, reply);
  }

  /** The arguments every script of a queue that publishes takes: its keys' prefix, the wake channel, the clock. */
  private queueArgs(queue: string) {
    return {
      taskPrefix: this.keys.queue(queue).taskPrefix,
      channel: this.keys.wakeChannel,
      instanceId: this.instanceId,
      queue,
      now: this.nowArg(),
      finishedTtlMs: this.finishedTtlMs,
      deadTtlMs: this.deadTtlMs,
    };
  }

  /** What a claim asks for: how many leases, how long, and the bound of its maintenance. */
  private claimArgs(max: number, leaseMs: number) {
    return { max, leaseMs, limit: MAINTENANCE_LIMIT };
  }

  /**
   * The claim scripts' lease arguments: a fresh random secret for this call's lease
   * nonces, and what snippets/owners.lua needs.
   */
  private leaseArgs(k: QueueKeys) {
    return {
      secret: newClaimSecret(),
      ...this.ownerArgs(k),
      ownerGraceMs: this.ownerGraceMs,
    };
  }

  /** The owner arguments of the settle and claim scripts (snippets/owners.lua). */
  private ownerArgs(k: QueueKeys) {
    return { owners: k.owners, ownedPrefix: k.ownedPrefix, ownerTtlMs: this.replica.ownerTtlMs };
  }

  /** The clock and the retention windows a read of a task needs (get, wait, cancel). */
  private retentionArgs() {
    return {
      now: this.nowArg(),
      finishedRetentionMs: this.options.finishedRetentionMs,
      deadRetentionMs: this.options.deadRetentionMs,
    };
  }

  /** The arguments of enqueue-3.lua and the enqueue part of enqueue-claim-6.lua. */
  private enqueueArgs(queue: string) {
    return {
      ...this.queueArgs(queue),
      idempotencyPrefix: this.keys.queue(queue).idempotencyPrefix,
      idempotencyWindowMs: this.options.idempotencyWindowMs,
      idempotencyTtlMs: this.idempotencyTtlMs,
    };
  }

  /** The task count and 8 values per task, as enqueue-3.lua reads them after its arguments. */
  private taskTail(tasks: readonly NewTask[]): ScriptArg[] {
    const tail: ScriptArg[] = [tasks.length];
    for (const t of tasks) {
      tail.push(
        newTaskId(),
        t.payload,
        t.priority,
        t.delayMs,
        encodeMaxAttempts(t.maxAttempts),
        encodeRetry(t.retry),
        t.idempotencyKey,
        encodeHeaders(t.headers),
      );
    }
    return tail;
  }

  /** Reads enqueue-3.lua's reply; tells the listener when delayed tasks fall due. */
  private enqueueResults(
    queue: string,
    tasks: readonly NewTask[],
    reply: readonly unknown[],
  ): EnqueueResult[] {
    let minDelay = Infinity;
    const results = tasks.map((task, j) => {
      const status = Number(reply[1 + 2 * j]);
      if (status === 1) minDelay = Math.min(minDelay, task.delayMs);
      return { taskId: String(reply[2 + 2 * j]), duplicate: status === 2 };
    });
    if (minDelay !== Infinity) this.emitDue(queue, minDelay);
    return results;
  }

  /** Reads claim-6.lua's reply (task hashes as Buffers). */
  private claimResult(queue: string, reply: readonly unknown[]): ClaimResult {
    const deadline = Number(reply[2]);
    const expired = Number(reply[3]);
    const dead = Number(reply[4]);
    const more = Number(reply[5]) === 1;
    const leases: Lease[] = [];
    for (let i = 6; i < reply.length; i++) {
      const entry = reply[i] as Buffer[];
      const fields = collectFields(entry, 1);
      const task = decodeTask(queue, entry[0]!.toString('latin1'), fields);
      leases.push({
        task,
        token: Number(fields.get('t')!.toString('latin1')),
        nonce: fields.get('i')!.toString('latin1'),
        deadline,
      });
    }
    if (leases.length > 0) this.replica.holds(queue);
    if (Number(reply[0]) === 1) this.emitReady(queue);
    const nextDue = Number(reply[1]);
    const result: ClaimResult = { leases, nextDueInMs: nextDue < 0 ? null : nextDue, more };
    this.replica.noteDue(queue, result.nextDueInMs, true);
    if (expired > 0) result.expired = expired;
    if (dead > 0) result.dead = dead;
    return result;
  }

  async settle(queue: string, ops: readonly SettleOp[]): Promise<SettleResult[]> {
    if (ops.length === 0) return [];
    const k = this.keys.queue(queue);
    const { randoms, opArgs } = this.settleArgs(ops);
    const args = { ...this.queueArgs(queue), ...this.ownerArgs(k) };
    const reply = await this.run(() => this.scripts.settle(k, args, [randoms.length, ...randoms, ...opArgs]));
    if (Number(reply[0]) === 1) this.emitReady(queue);
    return this.settleResults(queue, ops, reply);
  }

  async settleAndClaim(
    queue: string,
    ops: readonly SettleOp[],
    max: number,
    leaseMs: number,
  ): Promise<SettleAndClaimResult> {
    this.claimedQueues.add(queue);
    const k = this.keys.queue(queue);
    const { randoms, opArgs } = this.settleArgs(ops);
    for (let i = 0; i < CLAIM_RANDOMS; i++) randoms.push(this.options.random());
    const args = { ...this.queueArgs(queue), ...this.claimArgs(max, leaseMs), ...this.leaseArgs(k) };
    const [settled, claimed] = await this.run(() =>
      this.scripts.settleClaim(k, args, [randoms.length, ...randoms, ...opArgs]),
    );
    const results = this.settleResults(queue, ops, settled);
    // The ops are applied; the claim needs more random numbers than it brought: claim as
    // a plain claim does.
    const claim =
      (Number(claimed[0]) as ScriptCode) === ScriptCode.NeedRandoms
        ? await this.claim(queue, max, leaseMs)
        : this.claimResult(queue, claimed);
    return { results, claim };
  }

  /** The ops as settle-5.lua reads them, and the random numbers their fails need. */
  private settleArgs(ops: readonly SettleOp[]): { randoms: number[]; opArgs: ScriptArg[] } {
    const randoms: number[] = [];
    const opArgs: ScriptArg[] = [];
    for (const op of ops) {
      switch (op.kind) {
        case 'complete':
          opArgs.push('c', op.taskId, op.token, op.nonce ?? '', op.result);
          break;
        case 'fail':
          opArgs.push(
            'f',
            op.taskId,
            op.token,
            op.nonce ?? '',
            op.error,
            op.permanent ? '1' : '0',
            op.retryDelayMs ?? '',
          );
          if (op.retryDelayMs === undefined && !op.permanent) randoms.push(this.options.random());
          break;
        case 'extend':
          opArgs.push('e', op.taskId, op.token, op.nonce ?? '', op.extensionMs, this.options.maxLeaseAgeMs);
          break;
        case 'release':
          opArgs.push('r', op.taskId, op.token, op.nonce ?? '');
          break;
      }
    }
    return { randoms, opArgs };
  }

  /** Reads settle-5.lua's per-op (code, value) pairs; tells the listener when retries fall due. */
  private settleResults(queue: string, ops: readonly SettleOp[], reply: readonly unknown[]): SettleResult[] {
    return ops.map((op, i) => {
      const code = Number(reply[1 + 2 * i]);
      const value = reply[2 + 2 * i];
      if (op.kind === 'fail' && code === 0 && Number(value) > 0) this.emitDue(queue, Number(value));
      if (op.kind === 'extend' && code === 0) this.replica.holds(queue);
      return settleResultFromCode(code, Buffer.isBuffer(value) ? value.toString('latin1') : value, op);
    });
  }

  async abandon(queue: string, leases: readonly AbandonedLease[], graceMs: number): Promise<void> {
    if (leases.length === 0) return;
    const k = this.keys.queue(queue);
    const tail: ScriptArg[] = [];
    for (const lease of leases) tail.push(lease.taskId, lease.token, lease.deadline ?? '');
    const changed = await this.run(() =>
      this.scripts.abandon(k, { taskPrefix: k.taskPrefix, now: this.nowArg(), graceMs }, tail),
    );
    if (Number(changed) > 0) this.emitDue(queue, graceMs);
  }

  async stats(queue: string): Promise<QueueStats> {
    const k = this.keys.queue(queue);
    const reply = await this.run(() =>
      this.scripts.stats(k, {
        taskPrefix: k.taskPrefix,
        now: this.nowArg(),
        deadRetentionMs: this.options.deadRetentionMs,
      }),
    );
    const [ready, scheduled, leased, dead, oldest] = reply.map(Number);
    return {
      ready: ready!,
      scheduled: scheduled!,
      leased: leased!,
      dead: dead!,
      oldestReadyEnqueueTime: oldest! < 0 ? null : oldest!,
    };
  }

  async getTask(queue: string, taskId: string): Promise<TaskRecord | null> {
    const reply = await this.run(() =>
      this.scripts.get({ task: this.keys.task(queue, taskId) }, this.retentionArgs()),
    );
    return reply ? decodeTask(queue, taskId, collectFields(reply)) : null;
  }

  async cancel(queue: string, taskId: string): Promise<boolean | null> {
    const k = this.keys.queue(queue);
    const code = await this.run(() =>
      this.scripts.cancel(
        { ready: k.ready, scheduled: k.scheduled, task: this.keys.task(queue, taskId) },
        { taskId, finishedTtlMs: this.finishedTtlMs, ...this.retentionArgs() },
      ),
    );
    return (code as ScriptCode) === ScriptCode.NotFound ? null : code === 1;
  }

  async listQueues(): Promise<QueueInfo[]> {
    const names = await this.run(() => this.client.smembers(this.keys.queues));
    // One EXISTS per queue: in a Cluster each flag lives in its queue's slot.
    const paused = await Promise.all(
      names.map((queue) => this.run(() => this.client.exists(this.keys.queue(queue).paused))),
    );
    return names
      .map((queue, i) => ({ queue, paused: paused[i] === 1 }))
      .sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : 0));
  }

  async listTasks(
    queue: string,
    state: ListableState,
    cursor: string | null,
    limit: number,
  ): Promise<TaskPage> {
    const offset = parseCursor(cursor);
    const k = this.keys.queue(queue);
    const [index, code, ordinal] = LIST_INDEX[state];
    const reply = await this.run(() =>
      this.scripts.list(
        { index: k[index] },
        {
          taskPrefix: k.taskPrefix,
          stateCode: code,
          ordinal,
          offset,
          limit,
          now: this.nowArg(),
          deadRetentionMs: this.options.deadRetentionMs,
        },
      ),
    );
    const tasks = reply.slice(1).map((entry) => {
      const fields = entry as Buffer[];
      return decodeTask(queue, fields[0]!.toString('latin1'), collectFields(fields, 1));
    });
    const next = Number(reply[0]);
    return { tasks, nextCursor: next < 0 ? null : String(next) };
  }

  async redrive(queue: string, taskIds: readonly string[] | null, note: string): Promise<number> {
    const k = this.keys.queue(queue);
    const args = {
      ...this.queueArgs(queue),
      deadRetentionMs: this.options.deadRetentionMs,
      note,
      limit: ADMIN_BATCH,
    };
    let total = 0;
    if (taskIds !== null) {
      if (taskIds.length === 0) return 0;
      for (let i = 0; i < taskIds.length; i += ADMIN_BATCH) {
        const part = taskIds.slice(i, i + ADMIN_BATCH);
        const [redriven] = await this.run(() => this.scripts.redrive(k, args, part));
        total += redriven!;
      }
    } else {
      for (;;) {
        const [redriven, examined] = await this.run(() => this.scripts.redrive(k, args));
        total += redriven!;
        if (examined! < ADMIN_BATCH) break;
      }
    }
    if (total > 0) this.emitReady(queue);
    return total;
  }

  async purge(queue: string): Promise<number> {
    const k = this.keys.queue(queue);
    let total = 0;
    for (;;) {
      const [deleted, removed] = await this.run(() =>
        this.scripts.purge(k, { taskPrefix: k.taskPrefix, limit: ADMIN_BATCH }),
      );
      total += deleted!;
      if (removed === 0) return total;
    }
  }

  async setPaused(queue: string, paused: boolean): Promise<void> {
    await this.register(queue);
    const k = this.keys.queue(queue);
    if (paused) {
      await this.run(() => this.client.set(k.paused, '1'));
      return;
    }
    const woke = await this.run(() =>
      this.scripts.resume(k, { channel: this.keys.wakeChannel, instanceId: this.instanceId, queue }),
    );
    if (woke === 1) this.emitReady(queue);
  }

  async isPaused(queue: string): Promise<boolean> {
    return (await this.run(() => this.client.exists(this.keys.queue(queue).paused))) === 1;
  }

  async waitFinished(
    queue: string,
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskRecord | null> {
    const taskKey = this.keys.task(queue, taskId);
    // wait-1.lua reads the task and marks it in one step; the local wait starts first, so
    // a finish event that arrives before the script's reply is not lost.
    return this.waiters.until(taskKey, timeoutMs, signal, async () => {
      const args = { ...this.retentionArgs(), finishChannel: this.keys.finishChannel };
      const reply = await this.run(() => this.scripts.wait({ task: taskKey }, args));
      return reply ? decodeTask(queue, taskId, collectFields(reply)) : null;
    });
  }

  /** Adds `queue` to the registry of queues, once per process: listQueues sees it on every replica. */
  private async register(queue: string): Promise<void> {
    if (this.registeredQueues.has(queue)) return;
    await this.run(() => this.client.sadd(this.keys.queues, queue));
    this.registeredQueues.add(queue);
  }

  /** From the due index and the replicas hash (replica-tracker.ts): two reads and a TIME. */
  dueQueues(): Promise<ReadonlySet<string>> {
    return this.run(() => this.replica.dueQueues());
  }

  async close(): Promise<void> {
    this.waiters.notifyAll();
    this.listener = undefined;
    this.replica.close();
    await Promise.allSettled([this.subscriber.quit(), this.client.quit()]);
    this.subscriber.disconnect();
    this.client.disconnect();
  }

  /** `count` numbers of the random option, for backoff jitter. */
  private randoms(count: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(this.options.random());
    return out;
  }

  /** "now" for the scripts: the clock option's value, or '' to use Redis TIME. */
  private nowArg(): string {
    const clock = this.options.clock;
    return clock ? String(clock()) : '';
  }

  private async run<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toStoreError(err);
    }
  }

  // The operation has already happened in Redis when the listener hears of it: a
  // listener that throws must not turn that success into an error the caller retries.
  private emitReady(queue: string): void {
    try {
      this.listener?.ready(queue);
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private emitDue(queue: string, inMs: number): void {
    this.replica.noteDue(queue, inMs, false);
    try {
      this.listener?.due(queue, inMs);
    } catch (err) {
      process.emitWarning(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

import type { EnqueueResult, Lease, NewTask, SettleOp, SettleResult } from '../../domain/task.js';
import { groupBy } from '../../domain/group-by.js';
import type { ClaimResult, EnqueueAndClaimResult, SettleAndClaimResult } from '../lease-store.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import type { QueueCallCache } from './queue-calls.js';
import type { QueueRegistry } from './queue-registry.js';
import type { ReplicaChannel } from './replica-channel.js';
import type { ReplicaTracker } from './replica-tracker.js';
import type { ReplicationWait } from './replication-wait.js';
import { ScriptReplies } from './script-replies.js';
import type { StoreEvents } from './store-events.js';
import { encodeNewTasks, encodeSettleOps } from './task-codec.js';

const noop = (): void => {};

/** What the claim path shares with the rest of the store (redis-store.ts). */
export interface ClaimPathContext {
  readonly options: ResolvedStoreOptions;
  /** Each queue's prepared script calls of the hot paths (queue-calls.ts). */
  readonly calls: QueueCallCache;
  /** The registry of queues: a queue is added before this process first enqueues to it. */
  readonly registry: QueueRegistry;
  /** Learns the queues this store claims from, to announce them ready after a reconnect. */
  readonly channel: ReplicaChannel;
  /** Holds acknowledgements back until enough replicas have the write (off by default). */
  readonly replication: ReplicationWait;
  /** The listener's ready and due events, and the due index. */
  readonly events: StoreEvents;
  /** Where this replica notes the leases it holds and when each queue is next due. */
  readonly replica: ReplicaTracker;
  /** Runs a Redis call, its errors turned into store errors. */
  run<T>(call: () => Promise<T>): Promise<T>;
  /** A Redis error as the store error its caller sees. */
  storeError(err: unknown): Error;
}

/**
 * The Redis store's claim path: enqueue, claim, settle and the two calls that chain
 * them, each one prepared script call per queue and batch (queue-calls.ts), its reply
 * read by script-replies.ts. A queue is registered before this process first enqueues
 * to it; an acknowledgement waits for the replicas when `waitReplicas` asks it to, and
 * leases they did not confirm go back to their queue. RedisStore hands these calls
 * straight here: no await or allocation of its own on the way.
 */
export class ClaimPath {
  readonly #ctx: ClaimPathContext;
  readonly #options: ResolvedStoreOptions;
  readonly #calls: QueueCallCache;
  readonly #registry: QueueRegistry;
  readonly #channel: ReplicaChannel;
  readonly #replication: ReplicationWait;
  readonly #events: StoreEvents;
  /** The scripts' replies read into results (script-replies.ts). */
  readonly #replies: ScriptReplies;

  constructor(ctx: ClaimPathContext) {
    this.#ctx = ctx;
    this.#options = ctx.options;
    this.#calls = ctx.calls;
    this.#registry = ctx.registry;
    this.#channel = ctx.channel;
    this.#replication = ctx.replication;
    this.#events = ctx.events;
    this.#replies = new ScriptReplies(ctx);
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
            throw this.#ctx.storeError(err);
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
            throw this.#ctx.storeError(err);
          },
        );
    };
    return this.#registry.isFresh(queue) ? send() : this.#register(queue).then(send);
  }

  async claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    this.#channel.serve(queue);
    // One seed, however many leases expire: the script draws their jitter from it.
    const sentAt = performance.now();
    const reply = await this.#ctx.run(() =>
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
    const reply = await this.#ctx.run(() => this.#calls.of(queue).settle(tail, this.#calls.nowVary()));
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
    const [settled, claimed] = await this.#ctx.run(() =>
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

  /** Adds `queue` to the registry of queues: listQueues sees it on every replica. */
  #register(queue: string): Promise<void> {
    return this.#ctx.run(() => this.#registry.register(queue));
  }
}

import type { EnqueueResult, NewTask, SettleOp, SettleResult } from '../../domain/task.js';
import type { ClaimResult } from '../lease-store.js';
import type { QueueCallCache } from './queue-calls.js';
import type { QueueRegistry } from './queue-registry.js';
import type { ReplicaTracker } from './replica-tracker.js';
import { settleResultFromCode } from './script-codes.js';
import type { StoreEvents } from './store-events.js';
import { decodeLeases } from './task-codec.js';

/** What reading a reply may act on: parts of the store the claim path (claim-path.ts) passes on. */
export interface ReplyContext {
  /** The listener's ready and due events, and the due index. */
  readonly events: StoreEvents;
  /** The registry of queues, which a queue another replica pruned rejoins. */
  readonly registry: QueueRegistry;
  /** Keeps the offset of Redis's clock that a claim's reply tells. */
  readonly calls: QueueCallCache;
  /** Where this replica notes that it holds leases of a queue and when the queue is next due. */
  readonly replica: ReplicaTracker;
}

/**
 * The replies of the claim path's scripts (enqueue-3, claim-6, settle-5, and
 * enqueue-claim-6 and settle-claim-6 that chain them) read into the store's results, by
 * the positions the scripts write them in; and what a reply tells beyond its results,
 * acted on: tasks that fall due or became ready (the listener, the due index), a queue
 * that left the registry, leases this replica now holds, Redis's clock.
 */
export class ScriptReplies {
  readonly #events: StoreEvents;
  readonly #registry: QueueRegistry;
  readonly #calls: QueueCallCache;
  readonly #replica: ReplicaTracker;

  constructor(ctx: ReplyContext) {
    this.#events = ctx.events;
    this.#registry = ctx.registry;
    this.#calls = ctx.calls;
    this.#replica = ctx.replica;
  }

  /**
   * Reads enqueue-3.lua's reply; tells the listener when delayed tasks fall due, and has a
   * queue that may have left the registry added again.
   */
  enqueueResults(queue: string, tasks: readonly NewTask[], reply: readonly unknown[]): EnqueueResult[] {
    let minDelay = Infinity;
    const results = tasks.map((task, j) => {
      const status = Number(reply[1 + 2 * j]);
      if (status === 1) minDelay = Math.min(minDelay, task.delayMs);
      return { taskId: String(reply[2 + 2 * j]), duplicate: status === 2 };
    });
    if (minDelay !== Infinity) this.#events.due(queue, minDelay);
    // The queue had no sequence counter: new, or pruned by some replica since its last task.
    if (Number(reply[1 + 2 * tasks.length]) === 1) this.#registry.restore(queue);
    return results;
  }

  /** Reads claim-6.lua's reply (task hashes as Buffers) to a claim sent at `sentAt` (performance.now()). */
  claimResult(queue: string, reply: readonly unknown[], leaseMs: number, sentAt: number): ClaimResult {
    const deadline = Number(reply[2]);
    // The script's lease deadline is its "now" plus the lease: Redis's clock, for notAfter.
    this.#calls.noteRedisNow(queue, deadline - leaseMs, sentAt);
    const expired = Number(reply[3]);
    const dead = Number(reply[4]);
    // claim-tasks.lua: the ready tasks left, or -1 when the rate limit holds them.
    const left = Number(reply[5]);
    const more = left > 0;
    const rateLimited = left < 0;
    const leases = decodeLeases(queue, reply, 6, deadline);
    if (leases.length > 0) this.#replica.holds(queue);
    // Woken tasks are left (woke implies some are): how many, so no listener asks for a batch.
    if (Number(reply[0]) === 1) this.#events.ready(queue, left);
    const nextDue = Number(reply[1]);
    const result: ClaimResult = { leases, nextDueInMs: nextDue < 0 ? null : nextDue, more };
    if (more) result.readyLeft = left;
    this.#replica.noteDue(queue, result.nextDueInMs, true);
    if (expired > 0) result.expired = expired;
    if (dead > 0) result.dead = dead;
    if (rateLimited) result.rateLimited = true;
    return result;
  }

  /** Reads settle-5.lua's per-op (code, value) pairs; tells the listener when retries fall due. */
  settleResults(queue: string, ops: readonly SettleOp[], reply: readonly unknown[]): SettleResult[] {
    return ops.map((op, i) => {
      const code = Number(reply[1 + 2 * i]);
      const value = reply[2 + 2 * i];
      if (op.kind === 'fail' && code === 0 && Number(value) > 0) this.#events.due(queue, Number(value));
      if (op.kind === 'extend' && code === 0) this.#replica.holds(queue);
      return settleResultFromCode(code, Buffer.isBuffer(value) ? value.toString('latin1') : value, op);
    });
  }
}

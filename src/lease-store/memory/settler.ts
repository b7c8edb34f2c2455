import type { SettleOp, SettleResult } from '../../domain/task.js';
import type { FinishWaiters } from '../finish-waiters.js';
import { extendedDeadline, tooOldRefusal } from '../max-lease-age.js';
import { settleDetail } from '../settle-detail.js';
import { backoffMs, type ResolvedStoreOptions } from '../store-options.js';
import type { QueueState, StoredTask } from './queue-state.js';
import type { Retention } from './retention.js';
import type { Signals } from './signals.js';

/** What the settler shares with the rest of the memory store. */
export interface SettlerContext {
  readonly options: ResolvedStoreOptions;
  /** Where a finished task's end of retention is noted. */
  readonly retention: Retention;
  /** Callers of `waitFinished`, by {@link waitKey}: woken when their task finishes. */
  readonly waiters: FinishWaiters;
}

/**
 * The memory store's settle path and the ends of a lease: applying one settle op under
 * the fencing rules (docs/lease-store-semantics.md), with its refusals named; the
 * retry-or-end decision a failure shares with an expired lease; and finishing a task,
 * which starts its retention and wakes its waiters. MemoryStore calls it inside its
 * one-operation-at-a-time frame (`now` read once, `signals` delivered after).
 */
export class Settler {
  readonly #options: ResolvedStoreOptions;
  readonly #retention: Retention;
  readonly #waiters: FinishWaiters;

  constructor(ctx: SettlerContext) {
    this.#options = ctx.options;
    this.#retention = ctx.retention;
    this.#waiters = ctx.waiters;
  }

  /** Applies `op` to its task in `q` (undefined: an unknown queue), raising the events it implies on `signals`. */
  settleOne(
    queue: string,
    q: QueueState | undefined,
    op: SettleOp,
    now: number,
    signals: Signals,
  ): SettleResult {
    const task = q?.tasks.get(op.taskId);
    if (q === undefined || task === undefined) {
      return { status: 'not_found', message: `task ${op.taskId} not found in queue ${queue}` };
    }
    // A nonce that does not match names no lease codeQ handed out, held or not.
    if (op.nonce !== undefined && op.token === task.token && op.nonce !== task.nonce)
      return { status: 'stale', message: neverIssued(task, op.token) };
    if (!isHeld(task, op.token, now)) {
      const last = task.settled;
      if (
        last?.token === op.token &&
        last.kind === op.kind &&
        (op.nonce === undefined || op.nonce === last.nonce) &&
        last.detail === settleDetail(op)
      )
        return { status: 'ok' };
      if (last?.token === op.token && op.nonce !== undefined && op.nonce !== last.nonce)
        return { status: 'stale', message: neverIssued(task, op.token) };
      return { status: 'stale', message: staleReason(task, op.token) };
    }
    switch (op.kind) {
      case 'extend': {
        if (task.cancelRequested) return { status: 'stale', message: `task ${task.id} was cancelled` };
        const deadline = extendedDeadline(now, op.extensionMs, task, this.#options.maxLeaseAgeMs);
        if (deadline === undefined)
          return tooOldRefusal(`lease ${task.token} of task ${task.id}`, task.deadline);
        q.lease(task, deadline);
        // Not remembered: a late repeat of a heartbeat must not pass for a live lease.
        return { status: 'ok', deadline: task.deadline };
      }
      case 'complete':
        q.unindex(task);
        task.result = Buffer.from(op.result);
        this.finish(task, 'COMPLETED', now);
        break;
      case 'fail': {
        q.unindex(task);
        task.lastError = op.error;
        if (this.endIfOver(task, now, op.permanent)) {
          if (task.state === 'DEAD') {
            task.settled = { token: op.token, kind: op.kind, nonce: op.nonce, detail: settleDetail(op) };
            if (q.fair.takeUnparked() > 0) signals.ready(queue);
            return { status: 'ok', dead: true };
          }
          break;
        }
        const delay = op.retryDelayMs ?? this.backoff(task);
        if (delay > 0) {
          q.schedule(task, now + delay);
          signals.due(queue, delay);
        } else {
          q.makeReady(task, now);
          signals.ready(queue);
        }
        break;
      }
      case 'release':
        q.unindex(task);
        task.attempt -= 1;
        if (task.cancelRequested) {
          this.finish(task, 'CANCELLED', now);
        } else {
          q.putBack(task);
          signals.ready(queue);
        }
        break;
    }
    task.settled = { token: op.token, kind: op.kind, nonce: op.nonce, detail: settleDetail(op) };
    // The lease's end let its key's parked tasks back into the ring: push them at once.
    if (q.fair.takeUnparked() > 0) signals.ready(queue);
    return { status: 'ok' };
  }

  /** Ends a lease that did not complete: CANCELLED or DEAD when it must not run again (true), else false. */
  endIfOver(task: StoredTask, now: number, permanent: boolean): boolean {
    if (task.cancelRequested) this.finish(task, 'CANCELLED', now);
    else if (permanent || task.attempt >= task.maxAttempts) this.finish(task, 'DEAD', now);
    else return false;
    return true;
  }

  /** Makes the task final as of `now`: its retention starts, and its waiters read it once the operation returned. */
  finish(task: StoredTask, state: 'COMPLETED' | 'CANCELLED' | 'DEAD', now: number): void {
    task.state = state;
    task.finishedAt = now;
    const keepMs = state === 'DEAD' ? this.#options.deadRetentionMs : this.#options.finishedRetentionMs;
    this.#retention.expireTask(task.queue, task.id, now, now + keepMs);
    // Waiters read the task once this operation has returned: it is complete by then.
    if (this.#waiters.has(waitKey(task.queue, task.id))) {
      const key = waitKey(task.queue, task.id);
      queueMicrotask(() => this.#waiters.notify(key));
    }
  }

  /** The task's retry delay after its current attempt (the task's policy, with jitter). */
  backoff(task: StoredTask): number {
    return backoffMs(task.retry, task.attempt, this.#options.random());
  }
}

/** The lease named by `token` is the task's current one and has not run out. */
export function isHeld(task: StoredTask, token: number, now: number): boolean {
  return task.state === 'LEASED' && task.token === token && task.deadline > now;
}

/** The key of a task among the waiters: queue names never contain a newline. */
export function waitKey(queue: string, taskId: string): string {
  return `${queue}\n${taskId}`;
}

function neverIssued(task: StoredTask, token: number): string {
  return `lease ${token} was never issued for task ${task.id}`;
}

function staleReason(task: StoredTask, token: number): string {
  if (token > task.token || token < 1) return neverIssued(task, token);
  if (token < task.token) return `task ${task.id} was leased again (lease ${task.token} is current)`;
  if (task.state === 'LEASED') return `lease ${token} of task ${task.id} expired`;
  return `lease ${token} of task ${task.id} has ended: the task is ${task.state}`;
}

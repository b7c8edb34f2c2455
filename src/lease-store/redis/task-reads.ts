import type { TaskRecord } from '../../domain/task.js';
import type { FinishWaiters } from '../finish-waiters.js';
import type { ResolvedStoreOptions } from '../store-options.js';
import type { Scripts } from './commands.js';
import type { KeySpace } from './keys.js';
import { ScriptCode } from './script-codes.js';
import { collectFields, decodeTask } from './task-codec.js';

/** What the reads of one task share with the store (redis-store.ts). */
export interface TaskReadContext {
  readonly scripts: Scripts;
  readonly keys: KeySpace;
  readonly options: ResolvedStoreOptions;
  /** The Redis TTL of a finished task's hash: its retention and some slack. */
  readonly finishedTtlMs: number;
  /** Callers of `waitFinished`, by task hash key: the finish channel wakes them (replica-channel.ts). */
  readonly waiters: FinishWaiters;
  /** "now" for the scripts: the clock option's value, or '' to use Redis TIME. */
  nowArg(): string;
  /** Runs a Redis call, its errors turned into store errors. */
  run<T>(call: () => Promise<T>): Promise<T>;
}

/**
 * One task named by id, off the claim path: its read (get-2), the wait for its finish
 * (wait-1 and the finish channel) and its cancel (cancel-3). Each script reads the task
 * with the store's retention windows, so a task whose retention has passed is gone to all
 * three, though Redis has yet to expire its hash.
 */
export class TaskReads {
  readonly #ctx: TaskReadContext;

  constructor(ctx: TaskReadContext) {
    this.#ctx = ctx;
  }

  /** The task as it stands, a SCHEDULED one with its due time; null when unknown. */
  async get(queue: string, taskId: string): Promise<TaskRecord | null> {
    const { scripts, keys } = this.#ctx;
    const k = keys.queue(queue);
    const reply = await this.#ctx.run(() =>
      scripts.get(
        { task: `${k.taskPrefix}${taskId}`, scheduled: k.scheduled },
        { taskId, ...this.#retentionArgs() },
      ),
    );
    if (!reply) return null;
    const fields = collectFields(reply);
    const task = decodeTask(queue, taskId, fields);
    const due = fields.get('due'); // get-2.lua adds it to SCHEDULED tasks
    return due === undefined ? task : { ...task, dueTime: Number(due.toString('latin1')) };
  }

  /** As `LeaseStore.cancel`: true when the task will not run again, false when it had ended, null when unknown. */
  async cancel(queue: string, taskId: string): Promise<boolean | null> {
    const { scripts, keys } = this.#ctx;
    const k = keys.queue(queue);
    const code = await this.#ctx.run(() =>
      scripts.cancel(
        { ready: k.ready, scheduled: k.scheduled, task: keys.task(queue, taskId) },
        { taskId, finishedTtlMs: this.#ctx.finishedTtlMs, ...this.#retentionArgs() },
      ),
    );
    return (code as ScriptCode) === ScriptCode.NotFound ? null : code === 1;
  }

  /** As `LeaseStore.waitFinished`: the task once it finished on any replica, or as it stands at the timeout. */
  async waitFinished(
    queue: string,
    taskId: string,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<TaskRecord | null> {
    const { scripts, keys } = this.#ctx;
    const taskKey = keys.task(queue, taskId);
    // wait-1.lua reads the task and marks it in one step; the local wait starts first, so
    // a finish event that arrives before the script's reply is not lost.
    return this.#ctx.waiters.until(taskKey, timeoutMs, signal, async () => {
      const args = { ...this.#retentionArgs(), finishChannel: keys.finishChannel };
      const reply = await this.#ctx.run(() => scripts.wait({ task: taskKey }, args));
      return reply ? decodeTask(queue, taskId, collectFields(reply)) : null;
    });
  }

  /** The clock and the retention windows a read of a task needs (get, wait, cancel). */
  #retentionArgs() {
    return {
      now: this.#ctx.nowArg(),
      finishedRetentionMs: this.#ctx.options.finishedRetentionMs,
      deadRetentionMs: this.#ctx.options.deadRetentionMs,
    };
  }
}

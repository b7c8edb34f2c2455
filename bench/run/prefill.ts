import type { RunContext } from './context.js';
import { BENCH_QUEUE, withFleet } from './load-run.js';
import type { SystemUnderTest } from './system.js';

/** How a prefill went. */
export interface PrefillResult {
  tasks: number;
  elapsedMs: number;
  /** Tasks stored per second. */
  rate: number;
  /** Growth of Redis `used_memory` per task, bytes. */
  redisBytesPerTask: number;
}

/**
 * Fills the bench queue with `tasks` tasks of epoch `epoch` through producer processes
 * (EnqueueBatch of 1,000, or BullMQ addBulk), measuring Redis memory before and after.
 * The tasks carry fairness key `key`, or else are spread over `--keys` keys in turn.
 */
export async function prefillQueue(
  ctx: RunContext,
  sut: SystemUnderTest,
  tasks: number,
  epoch: number,
  priority = 0,
  key?: string,
): Promise<PrefillResult> {
  if (tasks === 0) return { tasks: 0, elapsedMs: 0, rate: 0, redisBytesPerTask: 0 };
  const before = await ctx.redis.usedMemory();
  ctx.progress.update(`[${ctx.options.scenario} ${sut.name}] prefilling ${tasks} tasks`);
  const done = await withFleet(
    ctx,
    sut,
    { queue: BENCH_QUEUE, workers: { streams: 0, concurrency: 1, workMs: 0, leaseMs: 60_000, hold: false } },
    (fleet) =>
      fleet.prefill({
        count: tasks,
        batch: 1_000,
        parallel: 4,
        epoch,
        priority,
        ...(key !== undefined ? { key } : ctx.options.keys > 0 && { keys: ctx.options.keys }),
      }),
  );
  const after = await ctx.redis.usedMemory();
  ctx.progress.clear();
  return {
    tasks,
    elapsedMs: done.elapsedMs,
    rate: done.elapsedMs > 0 ? Math.round((tasks * 1000) / done.elapsedMs) : 0,
    // RabbitMQ keeps its queue in the broker, not in Redis.
    redisBytesPerTask: sut.name === 'rabbitmq' ? 0 : Math.round((after - before) / tasks),
  };
}

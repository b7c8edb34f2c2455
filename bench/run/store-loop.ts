import type { NewTask } from '../../src/domain/task.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { DEFAULT_RETRY } from '../../src/domain/task.js';
import { newHistogram, recordUs, type Histogram } from '../core/histogram.js';

/** A task as the server would store it after validation: defaults everywhere, `payloadBytes` of payload. */
export function newTask(queue: string, payloadBytes: number, priority = 0): NewTask {
  return {
    queue,
    payload: Buffer.alloc(payloadBytes, 0x2e),
    priority,
    delayMs: 0,
    maxAttempts: 5,
    retry: { ...DEFAULT_RETRY },
    idempotencyKey: '',
    headers: {},
  };
}

/** Timings of one store loop, µs histograms per operation. */
export interface StoreLoopResult {
  ops: number;
  elapsedMs: number;
  cpuMs: number;
  enqueue: Histogram;
  claim: Histogram;
  complete: Histogram;
}

/**
 * The store-level cycle the Go benchmark `BenchmarkScheduler_CreateClaimComplete` times:
 * enqueue one task, claim one, complete it, `ops` times, in `parallel` loops at once
 * (`batch` tasks per call instead of one when given). Each call is timed on its own.
 */
export async function createClaimComplete(
  store: LeaseStore,
  queue: string,
  ops: number,
  parallel: number,
  payloadBytes: number,
  batch = 1,
): Promise<StoreLoopResult> {
  const result = {
    enqueue: newHistogram(),
    claim: newHistogram(),
    complete: newHistogram(),
  };
  let next = 0;
  const tasks = Array.from({ length: batch }, () => newTask(queue, payloadBytes));
  const loop = async (): Promise<void> => {
    while (next < ops) {
      next += batch;
      let t = performance.now();
      await store.enqueue(tasks);
      let now = performance.now();
      recordUs(result.enqueue, (now - t) * 1000);
      t = now;
      const { leases } = await store.claim(queue, batch, 60_000);
      now = performance.now();
      recordUs(result.claim, (now - t) * 1000);
      t = now;
      const settles = leases.map((l) => ({
        kind: 'complete' as const,
        taskId: l.task.id,
        token: l.token,
        result: EMPTY,
      }));
      await store.settle(queue, settles);
      recordUs(result.complete, (performance.now() - t) * 1000);
    }
  };
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(Array.from({ length: parallel }, loop));
  const elapsedMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ops: next, elapsedMs, cpuMs: (used.user + used.system) / 1000, ...result };
}

const EMPTY = Buffer.alloc(0);

/** Times `claim(1)` and the completion of what it took, `ops` times, on a queue kept at its depth (one enqueue per claim). */
export async function claimAtDepth(
  store: LeaseStore,
  queue: string,
  ops: number,
  payloadBytes: number,
): Promise<{ claim: Histogram; complete: Histogram }> {
  const claim = newHistogram();
  const complete = newHistogram();
  const task = newTask(queue, payloadBytes);
  for (let i = 0; i < ops; i++) {
    await store.enqueue([task]);
    let t = performance.now();
    const { leases } = await store.claim(queue, 1, 60_000);
    let now = performance.now();
    recordUs(claim, (now - t) * 1000);
    t = now;
    await store.settle(
      queue,
      leases.map((l) => ({ kind: 'complete' as const, taskId: l.task.id, token: l.token, result: EMPTY })),
    );
    now = performance.now();
    recordUs(complete, (now - t) * 1000);
  }
  return { claim, complete };
}

/** Redis cost per task of each script, µs: all of Redis's CPU, and the script's execution alone. */
export interface StageCosts {
  enqueue: number;
  claim: number;
  complete: number;
  /** Script execution only (INFO commandstats), without Redis's I/O and pub/sub fan-out. */
  exec: { enqueue: number; claim: number; complete: number };
}

/** Reads Redis's CPU and script execution time, ms and µs. */
export interface RedisMeters {
  cpuMs(): Promise<number>;
  scriptExecUs(): Promise<number>;
}

/**
 * Redis's own CPU per task of each script, moving `batch` tasks per call: enqueues all
 * `ops` tasks, then claims them all, then completes them all, reading Redis's CPU time
 * between the stages.
 */
export async function stagedRedisCost(
  store: LeaseStore,
  queue: string,
  ops: number,
  batch: number,
  payloadBytes: number,
  redis: RedisMeters,
): Promise<StageCosts> {
  const tasks = Array.from({ length: batch }, () => newTask(queue, payloadBytes));
  const calls = Math.ceil(ops / batch);
  const perTask = (us: number): number => Math.round((us * 10) / (calls * batch)) / 10;
  const read = async (): Promise<[number, number]> => [
    (await redis.cpuMs()) * 1000,
    await redis.scriptExecUs(),
  ];
  const stage = async (body: () => Promise<void>): Promise<[number, number]> => {
    const [cpu0, exec0] = await read();
    await body();
    const [cpu1, exec1] = await read();
    return [perTask(cpu1 - cpu0), perTask(exec1 - exec0)];
  };
  const leased: Awaited<ReturnType<LeaseStore['claim']>>['leases'][] = [];
  const [enqueue, enqueueExec] = await stage(async () => {
    for (let i = 0; i < calls; i++) await store.enqueue(tasks);
  });
  const [claim, claimExec] = await stage(async () => {
    for (let i = 0; i < calls; i++) leased.push((await store.claim(queue, batch, 60_000)).leases);
  });
  const [complete, completeExec] = await stage(async () => {
    for (const leases of leased)
      await store.settle(
        queue,
        leases.map((l) => ({ kind: 'complete' as const, taskId: l.task.id, token: l.token, result: EMPTY })),
      );
  });
  return {
    enqueue,
    claim,
    complete,
    exec: { enqueue: enqueueExec, claim: claimExec, complete: completeExec },
  };
}

import type { NewTask } from '../../src/domain/task.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { DEFAULT_RETRY } from '../../src/lease-store/redis/task-codec.js';
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

import { Queue, Worker } from 'bullmq';
import { newHistogram, recordUs } from '../core/histogram.js';
import { bullmqConnection } from '../load/bullmq-workers.js';
import type { StoreLoopResult } from './store-loop.js';

/**
 * BullMQ's side of the store-level cycle {@link createClaimComplete} times, in this
 * process: `Queue.add` one job, take one with a manually driven Worker
 * (`getNextJob` without blocking, BullMQ's moveToActive script) and complete it with
 * `moveToCompleted` (without fetching the next), `ops` times in `parallel` loops. Jobs are
 * removed on completion, the setting that costs BullMQ least.
 */
export async function bullmqCreateClaimComplete(
  redisUrl: string,
  queue: string,
  ops: number,
  parallel: number,
  payloadBytes: number,
): Promise<StoreLoopResult> {
  const result = { enqueue: newHistogram(), claim: newHistogram(), complete: newHistogram() };
  const producer = new Queue(queue, { connection: bullmqConnection(redisUrl) });
  const worker = new Worker(queue, null, {
    connection: bullmqConnection(redisUrl),
    removeOnComplete: { count: 0 },
  });
  const data = { x: '.'.repeat(payloadBytes) };
  const options = { removeOnComplete: true, removeOnFail: true };
  try {
    await Promise.all([producer.waitUntilReady(), worker.waitUntilReady()]);
    let next = 0;
    let completed = 0;
    const loop = async (id: number): Promise<void> => {
      const token = `micro-${id}`;
      while (next < ops) {
        next++;
        let t = performance.now();
        await producer.add('t', data, options);
        let now = performance.now();
        recordUs(result.enqueue, (now - t) * 1000);
        t = now;
        const job = await worker.getNextJob(token, { block: false });
        now = performance.now();
        recordUs(result.claim, (now - t) * 1000);
        t = now;
        if (job) {
          await job.moveToCompleted('', token, false);
          completed++;
        }
        recordUs(result.complete, (performance.now() - t) * 1000);
      }
    };
    const cpu = process.cpuUsage();
    const started = performance.now();
    await Promise.all(Array.from({ length: parallel }, (_, i) => loop(i)));
    const elapsedMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    // A loop whose take came back empty leaves its job to another; more than one per loop
    // would mean the cycle timed calls that moved nothing.
    if (completed < next - parallel)
      throw new Error(`bullmq micro: ${completed} of ${next} jobs completed; BullMQ's worker took too few`);
    return { ops: next, elapsedMs, cpuMs: (used.user + used.system) / 1000, ...result };
  } finally {
    await worker.close(true);
    await producer.close();
  }
}

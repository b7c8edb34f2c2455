import { afterEach, describe, expect, it } from 'vitest';
import type { Worker } from '../../clients/index.js';
import { Cleanup, notCompleted, uniquePrefix, uniqueQueue } from './fault-harness.js';

const TASKS = 600;

describe('fault: a server process gets SIGTERM with workers on it', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('drains and exits 0; its workers move to the other server and complete every task', async () => {
    const prefix = uniquePrefix('sigterm');
    const flags = ['--lease-reconnect-grace', '2s', '--drain-grace', '10s'];
    const a = await cleanup.server(prefix, flags);
    const b = await cleanup.server(prefix, flags);
    const queue = uniqueQueue('sigterm');
    const producer = cleanup.producer(b.address);
    const runs = new Map<string, number>();
    const movedTo: string[] = [];
    const workers: Worker[] = [];
    for (let i = 0; i < 3; i++) {
      const w = cleanup.worker({
        addresses: [a.address, b.address],
        queues: [queue],
        concurrency: 4,
        handler: async (task) => {
          await new Promise((r) => setTimeout(r, 20));
          runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
          return 'done';
        },
      });
      w.on('reconnect', (e) => movedTo.push(e.address));
      await w.start();
      workers.push(w);
    }
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 200) {
      const batch = await producer.enqueueBatch(
        Array.from({ length: 200 }, (_, j) => ({ queue, payload: `n${i + j}` })),
      );
      ids.push(...batch.map((r) => r.taskId));
    }
    await expect.poll(() => runs.size, { timeout: 10_000, interval: 10 }).toBeGreaterThan(50);
    expect(runs.size).toBeLessThan(TASKS);

    a.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(a.output()).toContain('draining');

    await expect
      .poll(async () => (await notCompleted(producer, queue, ids)).length, { timeout: 30_000, interval: 250 })
      .toBe(0);
    // Every worker left the drained server for the other one.
    expect(movedTo.length).toBeGreaterThanOrEqual(workers.length);
    expect(new Set(movedTo)).toEqual(new Set([b.address]));
    // A drain lets in-flight work settle before the stream ends: nothing had to run twice.
    expect(ids.every((id) => runs.get(id) === 1)).toBe(true);
    expect(b.child.exitCode).toBeNull();
  });
});

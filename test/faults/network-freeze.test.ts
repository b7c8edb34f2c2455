import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseLostEvent } from '../../clients/index.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

describe('fault: the network freezes without closing the connection', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('lets the worker notice, reconnect and settle its running task: no lease lost', async () => {
    const s = await cleanup.server(uniquePrefix('freeze'), ['--lease-reconnect-grace', '1s']);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: s.port });
    const address = await proxy.start();
    cleanup.add(() => proxy.stop());
    const queue = uniqueQueue('freeze');
    const producer = cleanup.producer(s.address);

    let opened = 0;
    const attempts: number[] = [];
    const lost: LeaseLostEvent[] = [];
    const worker = cleanup.worker({
      address,
      queues: [queue],
      keepaliveTimeMs: 1_000,
      keepaliveTimeoutMs: 1_000,
      leaseDurationMs: 20_000,
      handler: async (task) => {
        attempts.push(task.attempt);
        // Runs through the freeze and finishes only on the new connection.
        await expect.poll(() => opened, { timeout: 30_000, interval: 50 }).toBeGreaterThanOrEqual(2);
        return 'finished after the freeze';
      },
    });
    worker.on('opened', () => opened++);
    worker.on('lease-lost', (e) => lost.push(e));
    await worker.start();
    const { taskId } = await producer.enqueue(queue, 'x');
    await expect.poll(() => attempts.length, { timeout: 5_000 }).toBe(1);

    const frozenAt = Date.now();
    proxy.freeze();
    await expect.poll(() => opened, { timeout: 30_000, interval: 50 }).toBe(2);
    // Generous: 1 s pings with a 1 s timeout, then a reconnect backoff under a second.
    expect(Date.now() - frozenAt).toBeLessThan(30_000);
    await expect
      .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 10_000 })
      .toBe('COMPLETED');
    const task = await producer.getTask(queue, taskId);
    expect(task.attempt).toBe(1);
    expect(task.result.toString()).toBe('finished after the freeze');
    expect(attempts).toEqual([1]);
    expect(lost).toEqual([]);
  });
});

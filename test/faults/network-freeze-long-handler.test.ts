import { afterEach, describe, expect, it } from 'vitest';
import type { LeaseLostEvent } from '../../clients/index.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

/**
 * The worker notices a frozen connection (client keepalive) long before the server does
 * (server keepalive, 10 s + 5 s), reconnects and extends its running lease on the new
 * stream. When the server then closes the old stream, it must not shorten that lease to
 * the reconnect grace: the worker has come back, and its handler is still running.
 */
describe('fault: the network freezes under a long-running handler', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('keeps the lease the worker re-claimed on its new stream when the server drops the old one', async () => {
    const s = await cleanup.server(uniquePrefix('freeze-long'), ['--lease-reconnect-grace', '1s']);
    const proxy = new TcpProxy({ host: '127.0.0.1', port: s.port });
    const address = await proxy.start();
    cleanup.add(() => proxy.stop());
    const queue = uniqueQueue('freeze-long');
    const producer = cleanup.producer(s.address);

    let opened = 0;
    let finished = 0;
    const attempts: number[] = [];
    const lost: LeaseLostEvent[] = [];
    const worker = cleanup.worker({
      address,
      queues: [queue],
      keepaliveTimeMs: 1_000,
      keepaliveTimeoutMs: 1_000,
      // The next extension after the reconnect is due 30 s later: only a lease that stayed
      // as the worker left it survives until then.
      leaseDurationMs: 60_000,
      handler: async (task) => {
        attempts.push(task.attempt);
        // Long enough for the server to notice the frozen connection (about 15 s) and for
        // the reconnect grace (1 s) to pass.
        await new Promise((r) => setTimeout(r, 25_000));
        finished++;
        return 'finished after the freeze';
      },
    });
    worker.on('opened', () => opened++);
    worker.on('lease-lost', (e) => lost.push(e));
    await worker.start();
    const { taskId } = await producer.enqueue(queue, 'x');
    await expect.poll(() => attempts.length, { timeout: 5_000 }).toBe(1);

    proxy.freeze();
    await expect.poll(() => opened, { timeout: 30_000, interval: 50 }).toBe(2);
    await expect.poll(() => finished, { timeout: 40_000, interval: 100 }).toBe(1);
    // The complete is either applied or refused within moments of the handler's return.
    await expect
      .poll(async () => lost.length > 0 || (await producer.getTask(queue, taskId)).state === 'COMPLETED', {
        timeout: 5_000,
      })
      .toBe(true);
    // Today: a lease-lost event (code 9, the complete refused as stale) and a second attempt.
    expect(lost).toEqual([]);
    expect((await producer.getTask(queue, taskId)).state).toBe('COMPLETED');
    const task = await producer.getTask(queue, taskId);
    expect(attempts).toEqual([1]);
    expect(task.attempt).toBe(1);
    expect(task.result.toString()).toBe('finished after the freeze');
  });
});

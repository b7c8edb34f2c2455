import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerTask } from '../../clients/index.js';
import { rescuing, startHangingWorker } from '../support/hanging-worker.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

describe('fault: a server replica is killed (SIGKILL) while its worker holds a long lease', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('another replica redelivers the task after about the reconnect grace, not the lease', async () => {
    const prefix = uniquePrefix('replica-crash');
    const flags = ['--lease-reconnect-grace', '1s'];
    const doomedServer = await cleanup.server(prefix, flags);
    const survivor = await cleanup.server(prefix, flags);
    const queue = uniqueQueue('replica');
    const producer = cleanup.producer(survivor.address);
    const { taskId } = await producer.enqueue(queue, 'work', {
      retry: { initialBackoffMs: 1, maxBackoffMs: 1, multiplier: 1 },
    });

    // Its lease runs 60 s, and its stream ends with no replica left to apply the grace:
    // only the survivor noticing that the replica's heartbeat stopped brings it back sooner.
    const worker = startHangingWorker(doomedServer.address, queue);
    cleanup.add(() => worker.child.kill('SIGKILL'));
    expect(await worker.leased).toBe(taskId);

    const deliveries: WorkerTask[] = [];
    const rescuer = cleanup.worker({
      address: survivor.address,
      queues: [queue],
      handler: rescuing(deliveries),
    });
    await rescuer.start();
    const killedAt = Date.now();
    expect(await doomedServer.stop('SIGKILL')).toBe('SIGKILL');
    // Heartbeat TTL (3 s) + the survivor's sweep (every 5 s) + grace (1 s), with room for
    // a loaded machine; the lease itself would take 60 s.
    await expect.poll(() => deliveries.length, { timeout: 30_000, interval: 50 }).toBe(1);
    const tookMs = Date.now() - killedAt;
    expect(deliveries[0]).toMatchObject({ id: taskId, attempt: 2 });
    await expect
      .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 10_000 })
      .toBe('COMPLETED');
    expect((await producer.getTask(queue, taskId)).result.toString()).toBe('rescued');
    expect(survivor.child.exitCode).toBeNull();
    console.log(`replica-crash: task redelivered ${tookMs} ms after SIGKILL of its replica`);
  });
});

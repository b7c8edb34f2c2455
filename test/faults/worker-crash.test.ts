import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerTask } from '../../clients/index.js';
import { rescuing, startHangingWorker } from '../support/hanging-worker.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

describe('fault: a worker process is killed (SIGKILL) mid-task', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('redelivers its task to another worker after the reconnect grace, as attempt 2', async () => {
    const s = await cleanup.server(uniquePrefix('worker-crash'), ['--lease-reconnect-grace', '1s']);
    const queue = uniqueQueue('crash');
    const producer = cleanup.producer(s.address);
    const { taskId } = await producer.enqueue(queue, 'work');

    // Its lease runs 60 s: only the reconnect grace can bring the task back sooner.
    const doomed = startHangingWorker(s.address, queue);
    cleanup.add(() => doomed.child.kill('SIGKILL'));
    expect(await doomed.leased).toBe(taskId);

    const deliveries: WorkerTask[] = [];
    const rescuer = cleanup.worker({
      address: s.address,
      queues: [queue],
      handler: rescuing(deliveries),
    });
    await rescuer.start();
    const killedAt = Date.now();
    doomed.child.kill('SIGKILL');
    await expect.poll(() => deliveries.length, { timeout: 20_000, interval: 20 }).toBe(1);
    // Not before the grace: the lease waited for its worker to come back.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(900);
    expect(deliveries[0]).toMatchObject({ id: taskId, attempt: 2 });
    await expect
      .poll(async () => (await producer.getTask(queue, taskId)).state, { timeout: 10_000 })
      .toBe('COMPLETED');
    const task = await producer.getTask(queue, taskId);
    expect(task.attempt).toBe(2);
    expect(task.result.toString()).toBe('rescued');
    expect(s.child.exitCode).toBeNull();
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { WorkerTask } from '../../clients/index.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

const HANGING_WORKER = fileURLToPath(new URL('../e2e/fixtures/hanging-worker.mjs', import.meta.url));

describe('fault: a worker process is killed (SIGKILL) mid-task', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('redelivers its task to another worker after the reconnect grace, as attempt 2', async () => {
    const s = await cleanup.server(uniquePrefix('worker-crash'), ['--lease-reconnect-grace', '1s']);
    const queue = uniqueQueue('crash');
    const producer = cleanup.producer(s.address);
    const { taskId } = await producer.enqueue(queue, 'work');

    // Its lease runs 60 s: only the reconnect grace can bring the task back sooner.
    const doomed = spawn(process.execPath, [HANGING_WORKER, s.address, queue], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanup.add(() => doomed.kill('SIGKILL'));
    const leased = await new Promise<string>((resolve, reject) => {
      doomed.stdout.on('data', (chunk: Buffer) => {
        const m = /LEASED (\S+)/.exec(chunk.toString());
        if (m) resolve(m[1]!);
      });
      doomed.on('exit', (code) => reject(new Error(`hanging worker exited with ${code}`)));
    });
    expect(leased).toBe(taskId);

    const deliveries: WorkerTask[] = [];
    const rescuer = cleanup.worker({
      address: s.address,
      queues: [queue],
      handler: async (task) => {
        deliveries.push(task);
        return 'rescued';
      },
    });
    await rescuer.start();
    const killedAt = Date.now();
    doomed.kill('SIGKILL');
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

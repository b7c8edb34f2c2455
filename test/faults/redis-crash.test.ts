import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer, type TestRedis } from '../../support/redis-server.js';
import { Cleanup, notCompleted, uniquePrefix, uniqueQueue } from './fault-harness.js';

/** Every write is on disk before Redis answers it: the setting under which nothing acknowledged is lost. */
const DURABLE = ['--appendonly', 'yes', '--appendfsync', 'always'];

describe('fault: Redis is killed (SIGKILL) and restarted on its data', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('loses no acknowledged task, and the same server process serves again once Redis is back', async () => {
    let redis: TestRedis = await startRedisServer(DURABLE);
    cleanup.add(() => redis.stop());
    const s = await cleanup.server(uniquePrefix('redis-crash'), ['--lease-reconnect-grace', '1s'], redis.url);
    const queue = uniqueQueue('durable');
    const producer = cleanup.producer(s.address);
    const runs = new Map<string, number>();
    const worker = cleanup.worker({
      address: s.address,
      queues: [queue],
      concurrency: 8,
      leaseDurationMs: 5_000,
      handler: async (task) => {
        await new Promise((r) => setTimeout(r, 5));
        runs.set(task.id, (runs.get(task.id) ?? 0) + 1);
        return `done ${task.payload.toString()}`;
      },
    });
    await worker.start();

    const acknowledged: string[] = [];
    let refused = 0;
    /** Enqueues one task at a time until `until` holds; only an answered Enqueue counts. */
    const enqueueWhile = async (until: () => boolean, maxTries: number): Promise<void> => {
      for (let i = 0; i < maxTries && !until(); i++) {
        try {
          const { taskId } = await producer.enqueue(queue, `n${acknowledged.length}`, { deadlineMs: 2_000 });
          acknowledged.push(taskId);
        } catch {
          refused++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    };

    await enqueueWhile(() => acknowledged.length >= 150, 1_000);
    const beforeCrash = acknowledged.length;
    await redis.kill();
    // While Redis is down, calls are refused with UNAVAILABLE rather than acknowledged.
    await enqueueWhile(() => refused >= 5, 100);
    expect(refused).toBeGreaterThanOrEqual(5);
    expect(acknowledged.length).toBe(beforeCrash);

    redis = await startRedisServer(DURABLE, redis.port, redis.dir);
    await enqueueWhile(() => acknowledged.length >= beforeCrash + 150, 2_000);
    expect(acknowledged.length).toBe(beforeCrash + 150);

    await expect
      .poll(async () => (await notCompleted(producer, queue, acknowledged)).length, {
        timeout: 60_000,
        interval: 500,
      })
      .toBe(0);
    // At least once: a task whose settle died with Redis may have run twice, none zero times.
    expect(acknowledged.every((id) => (runs.get(id) ?? 0) >= 1)).toBe(true);
    // The server rode out the outage in the same process.
    expect(s.child.exitCode).toBeNull();
    expect(s.child.signalCode).toBeNull();
  });
});

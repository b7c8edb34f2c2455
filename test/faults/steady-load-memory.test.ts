import { afterEach, describe, expect, it } from 'vitest';
import { steadyLanes } from '../../bench/load/steady-lanes.js';
import { Producer, Worker } from '../../clients/index.js';
import { liveBytes } from '../../support/collect-garbage.js';
import { redisKind } from '../support/stores.js';
import { startTestServer } from '../support/test-server.js';
import { Cleanup, uniqueQueue } from './fault-harness.js';

const MiB = 1024 * 1024;
const WARM_UP = 5_000;
const TASKS = 25_000;
/** The lanes pause while this many tasks wait, so the queue never grows without bound. */
const BACKLOG = 2_000;
/**
 * Growth of the live heap and Buffers of this process (producer, server and worker) between
 * the warm-up and the end, at most. Steady load leaves it within a MiB or two; when the
 * producer's and the server's enqueue streams kept what had left them until they next ran
 * empty, which steady load never lets them, it grew by about 3 KiB per task (57 MiB
 * here). (The read-ahead buffer had the same flaw; `read-ahead.test.ts` tests it alone.)
 */
const GROWTH_BOUND = 16 * MiB;

describe('fault: steady load that never lets a queue run empty', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('keeps nothing of the tasks it has finished: the enqueue streams hold only what is in flight', async () => {
    const { store, close } = await redisKind().open();
    cleanup.add(close);
    const server = await startTestServer(store);
    cleanup.add(() => server.stop());
    const queue = uniqueQueue('steady');
    const producer = new Producer({ address: server.address });
    cleanup.add(() => producer.close());
    let done = 0;
    const worker = new Worker({
      address: server.address,
      queues: [queue],
      concurrency: 50,
      logger: { warn() {} },
      handler: () => {
        done++;
        return Promise.resolve();
      },
    });
    await worker.start();
    cleanup.add(() => worker.stop());

    // Sixteen lanes, each with an enqueue in flight all the time, and a backlog for the
    // worker: neither the producer's nor the server's enqueue stream ever runs empty.
    const lanes = steadyLanes({
      lanes: 16,
      backlog: BACKLOG,
      done: () => done,
      send: () => producer.enqueue(queue, 'x'.repeat(100)),
    });
    cleanup.add(() => lanes.stop());

    await expect.poll(() => done, { timeout: 60_000, interval: 20 }).toBeGreaterThanOrEqual(WARM_UP);
    const before = await liveBytes();
    await expect.poll(() => done, { timeout: 120_000, interval: 20 }).toBeGreaterThanOrEqual(TASKS);
    const growth = (await liveBytes()) - before;
    expect(lanes.sent() - done).toBeGreaterThan(0);
    expect(growth).toBeLessThan(GROWTH_BOUND);
  });
});

import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { WorkerServiceClient } from '../../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../../src/api/proto.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { residentBytes } from '../support/server-process.js';
import { Cleanup, uniquePrefix, uniqueQueue } from './fault-harness.js';

const TASKS = 3_000;
const PAYLOAD = 'x'.repeat(4 * 1024);
/** The server's default --max-stream-credit: the most a stream may be owed. */
const MAX_STREAM_CREDIT = 1_000;
/** Generous: the server starts near 100 MB; what matters is that it does not grow with the backlog. */
const RSS_BOUND = 400 * 1024 * 1024;

describe('fault: a worker stops reading its stream', () => {
  const cleanup = new Cleanup();
  afterEach(() => cleanup.run());

  it('holds at most its credit; other workers get every other task; server memory stays bounded', async () => {
    const prefix = uniquePrefix('stuck');
    const s = await cleanup.server(prefix, ['--lease-reconnect-grace', '1s']);
    const store = await RedisStore.connect({ url: inject('redisUrl'), keyPrefix: prefix });
    cleanup.add(() => store.close());
    const queue = uniqueQueue('stuck');
    const producer = cleanup.producer(s.address);
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 500) {
      const batch = await producer.enqueueBatch(
        Array.from({ length: 500 }, () => ({ queue, payload: PAYLOAD })),
      );
      ids.push(...batch.map((r) => r.taskId));
    }

    let maxRss = residentBytes(s.child.pid!);
    const sampler = setInterval(() => (maxRss = Math.max(maxRss, residentBytes(s.child.pid!))), 100);
    cleanup.add(() => clearInterval(sampler));

    // Grants all the credit the server allows, then never reads: no 'data' listener, so
    // grpc-js stops taking bytes off the connection and HTTP/2 flow control pushes back.
    const workers: WorkerServiceClient = new (codeqProto().codeq.v1.WorkerService)(
      s.address,
      grpc.credentials.createInsecure(),
    );
    cleanup.add(() => workers.close());
    const stuck = workers.Claim();
    stuck.on('error', () => {});
    stuck.write({ open: { workerId: 'stuck', queues: [queue] }, credit: MAX_STREAM_CREDIT });
    await expect.poll(async () => (await store.stats(queue)).leased, { timeout: 10_000 }).toBeGreaterThan(0);

    const completed = new Set<string>();
    const healthy = cleanup.worker({
      address: s.address,
      queues: [queue],
      concurrency: 32,
      handler: async (task) => {
        completed.add(task.id);
      },
    });
    await healthy.start();
    await expect
      .poll(() => completed.size, { timeout: 60_000, interval: 100 })
      .toBeGreaterThanOrEqual(TASKS - MAX_STREAM_CREDIT);
    await expect.poll(async () => (await store.stats(queue)).ready, { timeout: 10_000 }).toBe(0);
    const held = (await store.stats(queue)).leased;
    // What the healthy worker did not get, the stuck stream holds, and no more than its credit.
    expect(held).toBeLessThanOrEqual(MAX_STREAM_CREDIT);
    expect(completed.size + held).toBeGreaterThanOrEqual(TASKS);
    expect(maxRss).toBeLessThan(RSS_BOUND);

    // Its leases come back once the stream is gone, and the healthy worker finishes them.
    stuck.cancel();
    await expect.poll(() => completed.size, { timeout: 30_000, interval: 100 }).toBe(TASKS);
    expect(new Set(ids)).toEqual(completed);
    expect(maxRss).toBeLessThan(RSS_BOUND);
    console.log(
      `stuck-reader: held ${held} leases; server RSS peaked at ${Math.round(maxRss / 2 ** 20)} MiB`,
    );
  });
});

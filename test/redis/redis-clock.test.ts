import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Lease } from '../../src/domain/task.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { newTask } from '../support/new-task.js';

/** Milliseconds on Redis's clock (TIME), the clock the store uses without a `clock` option. */
async function redisNow(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('RedisStore without a clock option uses Redis TIME', () => {
  let store: RedisStore;
  let admin: Redis;
  beforeAll(async () => {
    store = await RedisStore.connect({
      url: inject('redisUrl'),
      keyPrefix: `clk-${randomBytes(6).toString('hex')}`,
    });
    admin = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await store.close();
    admin.disconnect();
  });

  it('stamps enqueue times and lease deadlines with Redis time', async () => {
    const before = await redisNow(admin);
    const { taskId } = (await store.enqueue([newTask('stamp')]))[0]!;
    const { leases } = await store.claim('stamp', 1, 60_000);
    const after = await redisNow(admin);
    const lease = leases[0]!;
    expect(lease.task.id).toBe(taskId);
    expect(lease.task.enqueueTime).toBeGreaterThanOrEqual(before);
    expect(lease.task.enqueueTime).toBeLessThanOrEqual(after);
    expect(lease.deadline).toBeGreaterThanOrEqual(before + 60_000);
    expect(lease.deadline).toBeLessThanOrEqual(after + 60_000);
  });

  it("follows Redis time when the server's own clock is an hour off, either way", async () => {
    for (const skewMs of [3_600_000, -3_600_000]) {
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + skewMs });
      try {
        const queue = `skew-${skewMs > 0 ? 'ahead' : 'behind'}`;
        await store.enqueue([newTask(queue)]);
        const before = await redisNow(admin);
        const { leases } = await store.claim(queue, 1, 60_000);
        const after = await redisNow(admin);
        // The deadline is Redis's now plus the lease, not the skewed process clock's.
        expect(leases[0]!.deadline).toBeGreaterThanOrEqual(before + 60_000);
        expect(leases[0]!.deadline).toBeLessThanOrEqual(after + 60_000);
        // And the lease is held: a reap does not expire it, a settle is accepted.
        await store.claim(queue, 0, 60_000);
        const [extended] = await store.settle(queue, [
          {
            kind: 'extend',
            taskId: leases[0]!.task.id,
            token: leases[0]!.token,
            nonce: leases[0]!.nonce,
            extensionMs: 1_000,
          },
        ]);
        expect(extended!.status).toBe('ok');
      } finally {
        vi.useRealTimers();
      }
    }
  });

  it('holds a delayed task back until Redis time reaches its due time', async () => {
    await store.enqueue([newTask('delayed', { delayMs: 300 })]);
    let lease: Lease | undefined;
    await vi.waitFor(
      async () => {
        const { leases, nextDueInMs } = await store.claim('delayed', 1, 60_000);
        if (leases.length === 0) expect(nextDueInMs).toBeLessThanOrEqual(300);
        expect(leases).toHaveLength(1);
        lease = leases[0];
      },
      { timeout: 5000, interval: 50 },
    );
    // The claim's "now" is its deadline minus the lease: at or after the due time.
    expect(lease!.deadline - 60_000).toBeGreaterThanOrEqual(lease!.task.enqueueTime + 300);
  });

  it('expires a lease when Redis time passes its deadline', async () => {
    await store.enqueue([newTask('expiring')]);
    const { leases } = await store.claim('expiring', 1, 200);
    const lease = leases[0]!;
    await vi.waitFor(
      async () => {
        const again = await store.claim('expiring', 1, 60_000);
        expect(again.leases.map((l) => [l.task.id, l.token])).toEqual([[lease.task.id, lease.token + 1]]);
      },
      { timeout: 5000, interval: 50 },
    );
    expect(await redisNow(admin)).toBeGreaterThanOrEqual(lease.deadline);
    const stale = await store.settle('expiring', [
      { kind: 'complete', taskId: lease.task.id, token: lease.token, result: Buffer.alloc(0) },
    ]);
    expect(stale[0]!.status).toBe('stale');
  });
});

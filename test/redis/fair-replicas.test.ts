import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { EventLog } from '../conformance/harness.js';
import { newTask } from '../support/new-task.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Fair-share limits hold over replicas sharing one Redis: the counts live in Redis, not in a replica. */
describe('fair shares across RedisStore replicas', () => {
  const open: RedisStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  async function stores(n: number, extra: object = {}): Promise<RedisStore[]> {
    const keyPrefix = `fair-${randomBytes(6).toString('hex')}`;
    const all = await Promise.all(
      Array.from({ length: n }, () => RedisStore.connect({ url: inject('redisUrl'), keyPrefix, ...extra })),
    );
    open.push(...all);
    return all;
  }

  async function leasedOf(store: RedisStore, queue: string, key: string): Promise<number> {
    const page = await store.listKeys(queue, null, 100);
    return page.keys.find((k) => k.fairnessKey === key)?.leased ?? 0;
  }

  it('never leases more of one key than max_leased_per_key, whichever replica claims', async () => {
    const [a, b] = await stores(2);
    await a!.setConfig('q', { maxLeasedPerKey: 3, maxClaimsPerSecond: 0 });
    await a!.enqueue(Array.from({ length: 20 }, () => newTask('q', { fairnessKey: 'big' })));
    await a!.enqueue([newTask('q', { fairnessKey: 'small' })]);
    const claims = await Promise.all([a!, b!, a!, b!].map((s) => s.claim('q', 5, 60_000)));
    const leases = claims.flatMap((c) => c.leases);
    expect(leases.filter((l) => l.task.fairnessKey === 'big')).toHaveLength(3);
    expect(leases.filter((l) => l.task.fairnessKey === 'small')).toHaveLength(1);
    expect(await leasedOf(b!, 'q', 'big')).toBe(3);
    // A completion on one replica frees the key for a claim on the other, which hears of it.
    const bLog = new EventLog();
    b!.listen(bLog);
    const done = leases.find((l) => l.task.fairnessKey === 'big')!;
    await a!.settle('q', [
      {
        kind: 'complete',
        taskId: done.task.id,
        token: done.token,
        nonce: done.nonce,
        result: Buffer.alloc(0),
      },
    ]);
    await bLog.waitFor({ kind: 'ready', queue: 'q' });
    expect((await b!.claim('q', 5, 60_000)).leases).toHaveLength(1);
    expect(await leasedOf(a!, 'q', 'big')).toBe(3);
  });

  it('keeps max_claims_per_second over all replicas (a burst of one second, then the rate)', async () => {
    const replicas = await stores(2);
    await replicas[0]!.setConfig('r', { maxLeasedPerKey: 0, maxClaimsPerSecond: 10 });
    await replicas[0]!.enqueue(Array.from({ length: 100 }, () => newTask('r')));
    const started = Date.now();
    let leased = 0;
    let limited = 0;
    let rounds = 0;
    // At least three rounds, however slow a loaded machine makes them: the burst takes two.
    while (Date.now() - started < 1_000 || rounds < 3) {
      rounds++;
      const results = await Promise.all(replicas.map((s) => s.claim('r', 4, 60_000)));
      for (const r of results) {
        leased += r.leases.length;
        if (r.rateLimited) {
          limited++;
          expect(r.more).toBe(false);
          expect(r.nextDueInMs).toBeLessThanOrEqual(100);
        }
      }
      await sleep(20);
    }
    const elapsed = (Date.now() - started) / 1000;
    expect(leased).toBeGreaterThanOrEqual(10);
    expect(leased).toBeLessThanOrEqual(10 + Math.ceil(10 * elapsed));
    expect(limited).toBeGreaterThan(0);
  });

  it("holds the per-key limit while a dead replica's leases come back", async () => {
    const [dead, live, reaper] = await stores(3, { ownerHeartbeatMs: 100, ownerGraceMs: 300 });
    await reaper!.setConfig('d', { maxLeasedPerKey: 2, maxClaimsPerSecond: 0 });
    await reaper!.enqueue(Array.from({ length: 5 }, () => newTask('d', { fairnessKey: 'k' })));
    const lost = (await dead!.claim('d', 5, 60_000)).leases;
    expect(lost).toHaveLength(2);
    expect((await live!.claim('d', 5, 60_000)).leases).toEqual([]);
    // Closing stops its heartbeat and leaves its entries in Redis, as SIGKILL would.
    await dead!.close();
    open.splice(open.indexOf(dead!), 1);
    // Once its heartbeat has run out, a reaper shortens the dead replica's leases to the grace.
    await vi.waitFor(
      async () => expect((await reaper!.claim('d', 0, 60_000)).nextDueInMs).toBeLessThanOrEqual(300),
      { timeout: 10_000, interval: 50 },
    );
    expect((await live!.claim('d', 5, 60_000)).leases).toEqual([]);
    expect(await leasedOf(live!, 'd', 'k')).toBe(2);
    const liveLog = new EventLog();
    live!.listen(liveLog);
    // Once the grace has run out, a reaper expires the leases: the key has room again.
    await vi.waitFor(
      async () => {
        await reaper!.claim('d', 0, 60_000);
        expect(liveLog.events).toContainEqual({ kind: 'ready', queue: 'd' });
      },
      { timeout: 10_000, interval: 50 },
    );
    const back = (await live!.claim('d', 5, 60_000)).leases;
    expect(back).toHaveLength(2);
    expect(await leasedOf(live!, 'd', 'k')).toBe(2);
  });
});

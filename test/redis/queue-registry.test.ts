import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { defineScripts } from '../../src/lease-store/redis/commands.js';
import { KeySpace } from '../../src/lease-store/redis/keys.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { newTask } from '../support/new-task.js';

/** Queues an attacker's producer touched once and left empty: names in the registry, nothing else. */
const LEFT_BEHIND = 2_000;

/** Claims the next task of `queue` and completes it. */
async function completeNext(store: RedisStore, queue: string): Promise<void> {
  const [lease] = (await store.claim(queue, 1, 30_000)).leases;
  await store.settle(queue, [
    {
      kind: 'complete',
      taskId: lease!.task.id,
      token: lease!.token,
      nonce: lease!.nonce,
      result: Buffer.from(''),
    },
  ]);
}

/**
 * The registry of queues (queue-registry.ts): ListQueues costs what the caller may see,
 * and empty queues leave the registry.
 */
describe('RedisStore queue registry', () => {
  const open: { close(): unknown }[] = [];
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
  });

  async function setup(
    options: { queuePruneIntervalMs?: number } = {},
  ): Promise<{ store: RedisStore; redis: Redis; keyPrefix: string }> {
    const keyPrefix = `registry-${randomBytes(6).toString('hex')}`;
    const store = await RedisStore.connect({
      url: inject('redisUrl'),
      keyPrefix,
      queuePruneIntervalMs: 0,
      ...options,
    });
    const redis = new Redis(inject('redisUrl'));
    open.push(store, { close: () => redis.quit() });
    const names = Array.from({ length: LEFT_BEHIND }, (_, i) => `tenant-a.q${i}`);
    await redis.sadd(`${keyPrefix}:queues`, ...names);
    await store.enqueue([newTask('tenant-b.jobs')]);
    return { store, redis, keyPrefix };
  }

  /**
   * Counts the commands that read a queue's keys, sent from here on by any client of this
   * test file (the store's; the test's own client sends none).
   */
  function countReads(): () => number {
    const exists = vi.spyOn(Redis.prototype, 'exists');
    open.push({ close: () => exists.mockRestore() });
    return () => exists.mock.calls.length;
  }

  it('reads no queue the caller may not see', async () => {
    const { store } = await setup();
    const reads = countReads();
    const listed = await store.listQueues({ visible: (q) => q.startsWith('tenant-b.') });
    expect(listed).toEqual([{ queue: 'tenant-b.jobs', paused: false }]);
    expect(reads()).toBe(1);
    expect(await store.listQueues({ limit: 10 })).toHaveLength(10);
    expect(reads()).toBe(11);
  });

  it('prunes every queue with nothing in it, and keeps the queues in use', async () => {
    const { store } = await setup();
    await store.setPaused('tenant-a.q7', true);
    await store.enqueue([newTask('tenant-a.q8', { delayMs: 60_000 })]);
    expect(await store.pruneQueues()).toBe(LEFT_BEHIND - 2);
    expect((await store.listQueues()).map((q) => q.queue)).toEqual([
      'tenant-a.q7',
      'tenant-a.q8',
      'tenant-b.jobs',
    ]);
    // A pruned queue comes back with its next enqueue.
    await store.enqueue([newTask('tenant-a.q1')]);
    expect((await store.listQueues()).map((q) => q.queue)).toContain('tenant-a.q1');
  });

  it('leaves of a pruned queue no key without a TTL but its config, and orders its next tasks afresh', async () => {
    const keyPrefix = `registry-${randomBytes(6).toString('hex')}`;
    const store = await RedisStore.connect({
      url: inject('redisUrl'),
      keyPrefix,
      queuePruneIntervalMs: 0,
      ownerHeartbeatMs: 50,
    });
    const redis = new Redis(inject('redisUrl'));
    open.push(store, { close: () => redis.quit() });
    await store.setConfig('gone', { maxLeasedPerKey: 5, maxClaimsPerSecond: 0 });
    await store.enqueue([
      newTask('gone', { idempotencyKey: 'once', fairnessKey: 'tenant-a' }),
      newTask('gone', { fairnessKey: 'tenant-b', priority: 3 }),
      newTask('gone', { fairnessKey: 'tenant-a' }),
    ]);
    for (let n = 0; n < 3; n++) await completeNext(store, 'gone');
    const withoutTtl = async (): Promise<string[]> => {
      const left: string[] = [];
      for (const key of await redis.keys(`${keyPrefix}:{gone}:*`))
        if ((await redis.pttl(key)) < 0) left.push(key);
      return left.map((key) => key.slice(`${keyPrefix}:{gone}:`.length)).sort();
    };
    expect(await withoutTtl()).toEqual(expect.arrayContaining(['f:config', 'seq']));
    expect(await store.pruneQueues()).toBe(1);
    // The replica's heartbeat takes it out of the owners hash once it holds no lease.
    await vi.waitFor(async () => expect(await withoutTtl()).toEqual(['f:config']), { timeout: 10_000 });
    expect(await store.getConfig('gone')).toEqual({ maxLeasedPerKey: 5, maxClaimsPerSecond: 0 });
    // The queue comes back with its next enqueue, FIFO as before.
    const again = await store.enqueue([newTask('gone'), newTask('gone')]);
    const { leases } = await store.claim('gone', 2, 30_000);
    expect(leases.map((l) => l.task.id)).toEqual(again.map((r) => r.taskId));
  });

  it("lists a queue another replica pruned, at this replica's next enqueue or pause", async () => {
    const keyPrefix = `registry-${randomBytes(6).toString('hex')}`;
    const connect = () => RedisStore.connect({ url: inject('redisUrl'), keyPrefix, queuePruneIntervalMs: 0 });
    const [a, b] = [await connect(), await connect()];
    open.push(a, b);
    const listed = async () => (await b.listQueues()).map((q) => q.queue);

    // A adds the queue and empties it; B prunes it while A still counts it as added.
    await a.enqueue([newTask('shared')]);
    await completeNext(a, 'shared');
    expect(await b.pruneQueues()).toBe(1);
    await a.enqueue([newTask('shared')]);
    expect(await listed()).toEqual(['shared']);

    // A pauses a queue, B resumes it (which prunes it: it holds nothing), A pauses it again.
    await a.setPaused('idle', true);
    await b.setPaused('idle', false);
    expect(await listed()).toEqual(['shared']);
    await a.setPaused('idle', true);
    expect(await b.listQueues()).toEqual([
      { queue: 'idle', paused: true },
      { queue: 'shared', paused: false },
    ]);
  });

  it('keeps the keys of a queue that is in use when the prune looks again', async () => {
    const { store, redis, keyPrefix } = await setup();
    const scripts = await defineScripts(redis);
    const k = new KeySpace(keyPrefix).queue('tenant-b.jobs');
    expect(await scripts.forget(k, { fairPrefix: k.fairPrefix })).toBe(0);
    expect(await redis.exists(k.seq)).toBe(1);
    expect((await store.stats('tenant-b.jobs')).ready).toBe(1);
  });

  it('prunes on its own, a step each interval', async () => {
    const { redis, keyPrefix } = await setup({ queuePruneIntervalMs: 20 });
    await vi.waitFor(async () => expect(await redis.scard(`${keyPrefix}:queues`)).toBe(1), {
      timeout: 10_000,
      interval: 50,
    });
  });
});

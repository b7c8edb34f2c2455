import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { newTask } from '../support/new-task.js';
import { privateRedisStore } from './redis-helpers.js';

/** Commands Redis ran (scripts' own `redis.call`s included), from INFO commandstats. */
async function commandsRun(admin: Redis): Promise<number> {
  let calls = 0;
  for (const m of (await admin.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) {
    if (m[1] !== 'info' && m[1] !== 'evalsha' && m[1] !== 'config') calls += Number(m[2]);
  }
  return calls;
}

/**
 * What a claim of many tasks costs Redis when one fairness key has them all (every queue
 * that does not use keys): the round-robin ring would serve that key one round per task,
 * a handful of commands each; the claim takes its tasks in one go (fair.lua,
 * fairTakeAlone). The order and the rounds that follow are the conformance and property
 * tests' to check; this one checks the cost.
 */
describe('RedisStore: a claim of many tasks of one key', () => {
  const redis = privateRedisStore();

  it('costs Redis a few commands per task, not a round of the ring each', async () => {
    await redis.store.enqueue(
      Array.from({ length: 60 }, (_, i) => newTask('one-key', { payload: Buffer.from(`t${i}`) })),
    );
    await redis.admin.config('RESETSTAT');
    const before = await commandsRun(redis.admin);
    const { leases } = await redis.store.claim('one-key', 50, 30_000);
    const commands = (await commandsRun(redis.admin)) - before;
    expect(leases.map((l) => l.task.payload.toString())).toEqual(
      Array.from({ length: 50 }, (_, i) => `t${i}`),
    );
    // Per task: the task's read and write, its leased-set entry and its ready-set removal;
    // per claim: maintenance, the ring, the owners. Round by round it was about 15 per task.
    expect(commands / leases.length).toBeLessThan(6);
    // The rounds it took count as they did one by one: a key that gets a task now joins
    // the round being served, ahead of the key that has had fifty turns.
    await redis.store.enqueue([newTask('one-key', { payload: Buffer.from('other'), fairnessKey: 'b' })]);
    const next = await redis.store.claim('one-key', 20, 30_000);
    expect(next.leases.map((l) => l.task.payload.toString())).toEqual([
      'other',
      ...Array.from({ length: 10 }, (_, i) => `t${50 + i}`),
    ]);
  });
});

/**
 * What a settle of many completions costs Redis: per lease the task's read, the check
 * that it is still held, one write and its expiry; the leased sets and the key's leased
 * count are updated once per call (settle-ops.lua), not once per lease.
 */
describe('RedisStore: a settle of many completions', () => {
  const redis = privateRedisStore();

  it('costs Redis a few commands per lease, the sets written once per call', async () => {
    await redis.store.enqueue(Array.from({ length: 50 }, () => newTask('settle-cost')));
    const { leases } = await redis.store.claim('settle-cost', 50, 30_000);
    expect(leases).toHaveLength(50);
    const [owned] = await redis.admin.keys('codeq:{settle-cost}:owned:*');
    expect(await redis.admin.zcard(owned!)).toBe(50);
    expect(await redis.admin.hget('codeq:{settle-cost}:f:leased', '')).toBe('50');
    await redis.admin.config('RESETSTAT');
    const before = await commandsRun(redis.admin);
    const results = await redis.store.settle(
      'settle-cost',
      leases.map((l) => ({
        kind: 'complete',
        taskId: l.task.id,
        token: l.token,
        nonce: l.nonce,
        result: Buffer.from('ok'),
      })),
    );
    const commands = (await commandsRun(redis.admin)) - before;
    expect(results.every((r) => r.status === 'ok')).toBe(true);
    // Nine per lease when every lease wrote the leased sets and its key's count itself.
    expect(commands / leases.length).toBeLessThan(5);
    // What the call wrote once for all: no lease left in the leased set, in the replica's
    // set of owned leases (an empty set is no key), or in the key's leased count.
    expect(await redis.store.stats('settle-cost')).toMatchObject({ ready: 0, leased: 0 });
    expect(await redis.admin.keys('codeq:{settle-cost}:owned:*')).toEqual([]);
    expect(await redis.admin.hlen('codeq:{settle-cost}:f:leased')).toBe(0);
  });
});

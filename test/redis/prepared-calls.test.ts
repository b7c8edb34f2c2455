import { Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { newTask } from '../support/new-task.js';
import { privateRedisStore } from './redis-helpers.js';

/**
 * The enqueue calls that the store lays out once per queue (commands.ts `prepare`,
 * prepared-fcall.ts) on a private redis-server, whose functions this test may flush: a
 * Redis that lost its functions (restarted without its data, FUNCTION FLUSH) gets the
 * library again and the call goes through, as the store's other calls do.
 */
describe('RedisStore prepared enqueue calls', () => {
  const redis = privateRedisStore();

  it('enqueues again after Redis flushed its functions, one call after another on the same queue', async () => {
    const [first] = await redis.store.enqueue([newTask('prepared', { payload: Buffer.from('one') })]);
    await redis.admin.function('FLUSH');
    const [second] = await redis.store.enqueue([newTask('prepared', { payload: Buffer.from('two') })]);
    expect(second!.taskId).not.toBe(first!.taskId);
    const claimed = await redis.store.claim('prepared', 10, 30_000);
    expect(claimed.leases.map((l) => l.task.payload.toString())).toEqual(['one', 'two']);
  });

  it('sends the calls started in `together` in one write, and answers each', async () => {
    await redis.store.enqueue([newTask('together-a'), newTask('together-b')]);
    const writev = vi.spyOn(Socket.prototype as unknown as { _writev: () => void }, '_writev');
    const write = vi.spyOn(Socket.prototype as unknown as { _write: () => void }, '_write');
    let a: Promise<unknown> | undefined;
    let b: Promise<unknown> | undefined;
    redis.store.together(() => {
      a = redis.store.enqueue([newTask('together-a')]);
      b = redis.store.enqueueAndClaim('together-b', [newTask('together-b')], 2, 30_000);
    });
    try {
      expect(writev).toHaveBeenCalledTimes(1);
      expect(write).not.toHaveBeenCalled();
    } finally {
      writev.mockRestore();
      write.mockRestore();
    }
    expect(await a).toHaveLength(1);
    expect(((await b) as { claim: { leases: unknown[] } }).claim.leases).toHaveLength(2);
  });

  it('enqueues and claims after a flush, each call with its own count and lease', async () => {
    await redis.store.enqueueAndClaim('prepared-both', [newTask('prepared-both')], 1, 30_000);
    await redis.admin.function('FLUSH');
    const both = await redis.store.enqueueAndClaim(
      'prepared-both',
      [newTask('prepared-both'), newTask('prepared-both')],
      2,
      60_000,
    );
    expect(both.results).toHaveLength(2);
    // Both of this call's tasks: the count is this call's, not the one the call was prepared with.
    expect(both.claim.leases).toHaveLength(2);
    const deadline = both.claim.leases[0]!.deadline;
    const ttl = deadline - Number((await redis.admin.time())[0]) * 1000;
    expect(ttl).toBeGreaterThan(30_000);
  });
});

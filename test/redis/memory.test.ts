import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { NewTask } from '../../src/domain/task.js';
import type { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { DEFAULT_RETRY } from '../../src/domain/task.js';
import { privateRedisStore, usedMemory } from './redis-helpers.js';

const TASKS = 20_000;
const BATCH = 1000;

/** Enqueues TASKS tasks of a 100-byte payload and returns Redis's bytes per queued task. */
async function bytesPerTask(
  store: RedisStore,
  admin: Redis,
  queue: string,
  headers: Record<string, string>,
): Promise<number> {
  const before = await usedMemory(admin);
  for (let done = 0; done < TASKS; done += BATCH) {
    const batch: NewTask[] = Array.from({ length: BATCH }, () => ({
      queue,
      payload: randomBytes(100),
      priority: 0,
      delayMs: 0,
      maxAttempts: 5,
      retry: DEFAULT_RETRY,
      idempotencyKey: '',
      headers,
    }));
    await store.enqueue(batch);
  }
  return ((await usedMemory(admin)) - before) / TASKS;
}

/**
 * Memory of queued tasks, on a private redis-server so nothing else moves used_memory.
 * A queued task costs its hash, its member of the ready ZSET and the keyspace entry.
 */
describe('RedisStore memory per queued task', () => {
  const redis = privateRedisStore();

  it('keeps a 100-byte task in a compact listpack hash of about 400 bytes all told', async () => {
    const perTask = await bytesPerTask(redis.store, redis.admin, 'mem-plain', {});
    console.info(`Redis bytes per queued 100-byte task: ${perTask.toFixed(0)}`);
    // Measured 413 B on Redis 7.0 with jemalloc before fair shares, 437-439 B since (the
    // task's place in its fairness key's line, a list entry); a hashtable-encoded hash
    // costs ~750 B.
    expect(perTask).toBeLessThanOrEqual(460);
    const [, keys] = await redis.admin.scan('0', 'MATCH', 'codeq:{mem-plain}:t:*', 'COUNT', 100);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(await redis.admin.object('ENCODING', key)).toBe('listpack');
  });

  it('keeps the listpack encoding with a W3C traceparent header', async () => {
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const perTask = await bytesPerTask(redis.store, redis.admin, 'mem-traced', { traceparent });
    console.info(`Redis bytes per queued 100-byte task with a traceparent: ${perTask.toFixed(0)}`);
    expect(perTask).toBeLessThanOrEqual(540);
    const [, keys] = await redis.admin.scan('0', 'MATCH', 'codeq:{mem-traced}:t:*', 'COUNT', 100);
    for (const key of keys) expect(await redis.admin.object('ENCODING', key)).toBe('listpack');
  });
});

import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { KeySpace } from '../../src/lease-store/redis/keys.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { runRateLimitProperty } from './rate-limit-model.js';

runRateLimitProperty(
  'MemoryStore: max_claims_per_second',
  (options) => {
    const store = new MemoryStore(options);
    return Promise.resolve({ replicas: [store, store, store], close: () => store.close() });
  },
  { numRuns: 150 },
);

runRateLimitProperty(
  'RedisStore: max_claims_per_second over three replicas',
  async (options) => {
    const keyPrefix = `rate-${randomBytes(6).toString('hex')}`;
    const replicas = await Promise.all(
      [0, 1, 2].map(() => RedisStore.connect({ ...options, url: inject('redisUrl'), keyPrefix })),
    );
    const redis = new Redis(inject('redisUrl'));
    const keys = new KeySpace(keyPrefix);
    return {
      replicas,
      // Every lease bumps its task's fencing token (field `t`), which nothing lowers: the
      // sum over the queue's task hashes counts the leases Redis issued.
      async leasesIssued(queue) {
        const taskKeys: string[] = [];
        const pattern = `${keys.queue(queue).taskPrefix}*`;
        let cursor = '0';
        do {
          const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
          taskKeys.push(...found);
          cursor = next;
        } while (cursor !== '0');
        const tokens = await Promise.all(taskKeys.map((k) => redis.hget(k, 't')));
        return tokens.reduce((n, t) => n + Number(t ?? 0), 0);
      },
      async close() {
        await Promise.all(replicas.map((s) => s.close()));
        redis.disconnect();
      },
    };
  },
  { numRuns: 60 },
);

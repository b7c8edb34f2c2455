import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { runLeaseStoreConformance } from './lease-store-suite.js';

runLeaseStoreConformance(
  'RedisStore conformance',
  (options) =>
    RedisStore.connect({
      ...options,
      url: inject('redisUrl'),
      keyPrefix: `conf-${randomBytes(6).toString('hex')}`,
    }),
  (store) => store.close(),
);

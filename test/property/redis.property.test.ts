import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import { runLeaseStoreProperty } from './lease-store-model.js';
import { seededJitter } from './reference-model.js';

runLeaseStoreProperty(
  'RedisStore against the reference model',
  (options) =>
    RedisStore.connect({
      ...options,
      url: inject('redisUrl'),
      keyPrefix: `prop-${randomBytes(6).toString('hex')}`,
    }),
  (store) => store.close(),
  { numRuns: 100, jitter: seededJitter },
);

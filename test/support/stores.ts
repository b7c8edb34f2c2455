import { inject } from 'vitest';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { RedisStore } from '../../src/lease-store/redis/redis-store.js';
import type { StoreOptions } from '../../src/lease-store/store-options.js';

/** A way to open one kind of store for a test, and close it after. */
export interface StoreKind {
  name: 'memory' | 'redis';
  open: (options?: StoreOptions) => Promise<{ store: LeaseStore; close: () => Promise<void> }>;
}

let prefixes = 0;

/** A store kind of the run's private redis-server, each store under a key prefix of its own. */
export function redisKind(keyPrefix = `t${process.pid}-${Date.now().toString(36)}-${++prefixes}`): StoreKind {
  return {
    name: 'redis',
    async open(options = {}) {
      const store = await RedisStore.connect({ ...options, url: inject('redisUrl'), keyPrefix });
      return { store, close: () => store.close() };
    },
  };
}

export const memoryKind: StoreKind = {
  name: 'memory',
  open(options = {}) {
    const store = new MemoryStore(options);
    return Promise.resolve({ store, close: () => store.close() });
  },
};

/** Both stores: end-to-end tests run against each. */
export function storeKinds(): StoreKind[] {
  return [memoryKind, redisKind()];
}

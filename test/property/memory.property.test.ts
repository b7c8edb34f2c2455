import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { runLeaseStoreProperty } from './lease-store-model.js';
import { constantJitter } from './reference-model.js';

runLeaseStoreProperty(
  'MemoryStore against the reference model',
  (options) => Promise.resolve(new MemoryStore(options)),
  (store) => store.close(),
  { numRuns: 200, jitter: constantJitter },
);

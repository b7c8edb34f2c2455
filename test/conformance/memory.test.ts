import { MemoryStore } from '../../src/lease-store/memory/memory-store.js';
import { runLeaseStoreConformance } from './lease-store-suite.js';

runLeaseStoreConformance(
  'MemoryStore conformance',
  (options) => Promise.resolve(new MemoryStore(options)),
  (store) => store.close(),
);

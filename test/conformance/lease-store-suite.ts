import { afterEach, describe } from 'vitest';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';
import type { StoreOptions } from '../../src/lease-store/store-options.js';
import { adminCases } from './cases/admin.js';
import { claimCases } from './cases/claim.js';
import { enqueueAndClaimCases, settleAndClaimCases } from './cases/combined.js';
import { enqueueCases } from './cases/enqueue.js';
import { fairShareCases } from './cases/fair-shares.js';
import { leaseTrustCases } from './cases/lease-trust.js';
import { lifecycleCases } from './cases/lifecycle.js';
import { settleCases } from './cases/settle.js';
import { statsCases } from './cases/stats.js';
import { harnessFactory } from './harness.js';

/**
 * Registers the lease-store conformance suite: every rule of
 * docs/lease-store-semantics.md, checked through the LeaseStore interface alone, so one
 * suite holds every implementation to the same semantics.
 *
 * Each test makes its own store with `makeStore`, passing a fake clock and a fixed
 * `random`, and works on queues no other test uses; `dispose` runs after the test.
 * Listener events are awaited, never asserted synchronously, so stores may deliver them
 * asynchronously.
 */
export function runLeaseStoreConformance(
  name: string,
  makeStore: (options: StoreOptions) => Promise<LeaseStore>,
  dispose: (store: LeaseStore) => Promise<void>,
): void {
  describe(name, () => {
    const { make, disposeAll } = harnessFactory(makeStore, dispose);
    afterEach(disposeAll);
    enqueueCases(make);
    claimCases(make);
    enqueueAndClaimCases(make);
    settleAndClaimCases(make);
    settleCases(make);
    leaseTrustCases(make);
    lifecycleCases(make);
    statsCases(make);
    adminCases(make);
    fairShareCases(make);
  });
}

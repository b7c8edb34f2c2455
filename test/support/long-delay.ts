import type { Consumer } from '../../src/dispatcher/dispatcher.js';
import type { Lease } from '../../src/domain/task.js';
import type { LeaseStore } from '../../src/lease-store/lease-store.js';

/** A dispatcher consumer of `queues` with room for everything, recording what it received. */
export class RecordingConsumer implements Consumer {
  readonly received: Lease[] = [];
  readonly leaseMs = 30_000;
  constructor(readonly queues: string[]) {}
  capacity(): number {
    return 100;
  }
  deliver(_queue: string, leases: Lease[]): void {
    this.received.push(...leases);
  }
}

/** Counts the store's claim calls from now on: a dispatcher that spins on a timer claims thousands of times a second. */
export function countClaims(store: LeaseStore): () => number {
  let claims = 0;
  const claim = store.claim.bind(store);
  store.claim = (...args) => {
    claims++;
    return claim(...args);
  };
  return () => claims;
}

/** Fails `lease` with a retry after `retryDelayMs`. */
export async function failWithRetryDelay(
  store: LeaseStore,
  lease: Lease,
  retryDelayMs: number,
): Promise<void> {
  await store.settle(lease.task.queue, [
    {
      kind: 'fail',
      taskId: lease.task.id,
      token: lease.token,
      nonce: lease.nonce,
      error: 'later',
      retryDelayMs,
      permanent: false,
    },
  ]);
}

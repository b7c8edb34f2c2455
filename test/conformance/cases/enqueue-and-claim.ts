import { describe, expect, it } from 'vitest';
import { ids, LEASE_MS, type MakeHarness } from '../harness.js';

/** enqueueAndClaim: an enqueue and a claim in one call, as the sync match uses them. */
export function enqueueAndClaimCases(setup: MakeHarness): void {
  describe('enqueueAndClaim', () => {
    it('stores the tasks in order and leases up to max of what is ready, highest priority first', async () => {
      const h = await setup();
      const older = await h.add({ priority: 0 });
      const { results, claim } = await h.store.enqueueAndClaim(
        h.queue,
        [h.task({ priority: 0 }), h.task({ priority: 7 }), h.task({ delayMs: 500 })],
        2,
        LEASE_MS,
      );
      expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
      const [low, high, delayed] = results.map((r) => r.taskId);
      expect(ids(claim.leases)).toEqual([high, older]);
      expect(claim.leases.map((l) => [l.task.attempt, l.task.state, l.deadline])).toEqual([
        [1, 'LEASED', h.clock.now() + LEASE_MS],
        [1, 'LEASED', h.clock.now() + LEASE_MS],
      ]);
      expect(claim.more).toBe(true);
      expect((await h.get(delayed!)).state).toBe('SCHEDULED');
      expect(ids(await h.claim(5))).toEqual([low]);
    });

    it('reports no more when the claim took every ready task, and leases nothing with max 0', async () => {
      const h = await setup();
      const all = await h.store.enqueueAndClaim(h.queue, [h.task(), h.task()], 5, LEASE_MS);
      expect(all.claim.leases).toHaveLength(2);
      expect(all.claim.more).toBe(false);
      const none = await h.store.enqueueAndClaim(h.queue, [h.task()], 0, LEASE_MS);
      expect(none.claim.leases).toEqual([]);
      expect(none.claim.more).toBe(true);
      expect((await h.get(none.results[0]!.taskId)).state).toBe('PENDING');
    });

    it('leases a duplicate only once', async () => {
      const h = await setup();
      const first = await h.store.enqueueAndClaim(h.queue, [h.task({ idempotencyKey: 'k' })], 5, LEASE_MS);
      const again = await h.store.enqueueAndClaim(h.queue, [h.task({ idempotencyKey: 'k' })], 5, LEASE_MS);
      expect(again.results).toEqual([{ taskId: first.results[0]!.taskId, duplicate: true }]);
      expect(again.claim.leases).toEqual([]);
    });

    it('expires overdue leases before it claims, as a claim does', async () => {
      const h = await setup({ random: () => 0 });
      await h.add({ retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 } });
      await h.claimOne(100);
      h.clock.advance(100);
      const { claim } = await h.store.enqueueAndClaim(h.queue, [h.task()], 5, LEASE_MS);
      expect(claim.expired).toBe(1);
    });
  });
}

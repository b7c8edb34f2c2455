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

/** settleAndClaim: settles and a claim in one call, as a worker's complete-and-next uses them. */
export function settleAndClaimCases(setup: MakeHarness): void {
  describe('settleAndClaim', () => {
    it('applies the ops in order, then claims, and the claim sees what the ops made ready', async () => {
      const h = await setup();
      const a = await h.add();
      const b = await h.add();
      const c = await h.add();
      const [la, lb] = await h.claim(2);
      const { results, claim } = await h.store.settleAndClaim(
        h.queue,
        [
          { kind: 'complete', taskId: a, token: la!.token, result: Buffer.from('done') },
          { kind: 'release', taskId: b, token: lb!.token },
          { kind: 'complete', taskId: a, token: la!.token + 1, result: Buffer.alloc(0) },
        ],
        5,
        LEASE_MS,
      );
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'stale']);
      // B went back to its old place, ahead of C; its release did not count an attempt.
      expect(ids(claim.leases)).toEqual([b, c]);
      expect(claim.leases[0]!.task.attempt).toBe(1);
      expect(claim.more).toBe(false);
      expect((await h.get(a)).state).toBe('COMPLETED');
      expect((await h.get(a)).result.toString()).toBe('done');
    });

    it('settles even when nothing is left to claim', async () => {
      const h = await setup();
      const a = await h.add();
      const la = await h.claimOne();
      const { results, claim } = await h.store.settleAndClaim(
        h.queue,
        [{ kind: 'extend', taskId: a, token: la.token, extensionMs: 60_000 }],
        3,
        LEASE_MS,
      );
      expect(results).toEqual([{ status: 'ok', deadline: h.clock.now() + 60_000 }]);
      expect(claim.leases).toEqual([]);
      expect(claim.more).toBe(false);
    });

    it('draws backoff for a failed task and schedules it, then claims the rest', async () => {
      const h = await setup();
      const a = await h.add();
      const b = await h.add();
      const la = await h.claimOne();
      const { results, claim } = await h.store.settleAndClaim(
        h.queue,
        [
          {
            kind: 'fail',
            taskId: a,
            token: la.token,
            error: 'boom',
            permanent: false,
            retryDelayMs: undefined,
          },
        ],
        5,
        LEASE_MS,
      );
      expect(results[0]!.status).toBe('ok');
      expect(ids(claim.leases)).toEqual([b]);
      const failed = await h.get(a);
      expect(failed.state).toBe('SCHEDULED');
      expect(failed.lastError).toBe('boom');
    });
  });
}

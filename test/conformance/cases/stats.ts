import { describe, expect, it } from 'vitest';
import { NO_BACKOFF, type MakeHarness } from '../harness.js';

/** stats(), and the counts of what claim maintenance and fail settles ended. */
export function statsCases(setup: MakeHarness): void {
  describe('stats', () => {
    it('answers an unknown queue with zeros and no oldest ready task', async () => {
      const h = await setup();
      expect(await h.store.stats(h.other)).toEqual({
        ready: 0,
        scheduled: 0,
        leased: 0,
        dead: 0,
        oldestReadySince: null,
        readyKeys: 0,
      });
    });

    it('counts tasks by state and names the enqueue time of the longest-waiting ready task', async () => {
      const h = await setup();
      const t0 = h.clock.now();
      await h.add({ priority: 1 });
      h.clock.advance(10);
      await h.add({ priority: 7 });
      h.clock.advance(10);
      await h.add({ priority: 7 });
      await h.add({ delayMs: 60_000 });
      const doomed = await h.add({ priority: 9, maxAttempts: 1 });
      const lease = await h.claimOne();
      expect(lease.task.id).toBe(doomed);
      expect(await h.store.stats(h.queue)).toEqual({
        ready: 3,
        scheduled: 1,
        leased: 1,
        dead: 0,
        // The priority 1 task is claimed last, but it has waited longest.
        oldestReadySince: t0,
        // Every ready task has the default key.
        readyKeys: 1,
      });
      const [failed] = await h.store.settle(h.queue, [
        { kind: 'fail', taskId: doomed, token: lease.token, error: 'x', retryDelayMs: 0, permanent: false },
      ]);
      expect(failed).toEqual({ status: 'ok', dead: true });
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 3, leased: 0, dead: 1 });
      // Stats read; they change nothing.
      expect(await h.claim(10)).toHaveLength(3);
      expect(await h.store.stats(h.queue)).toEqual({
        ready: 0,
        scheduled: 1,
        leased: 3,
        dead: 1,
        oldestReadySince: null,
        readyKeys: 0,
      });
    });

    it('ages a delayed or retried task from when it fell due, a released one as before its lease', async () => {
      const h = await setup();
      const t0 = h.clock.now();
      await h.add({ delayMs: 30 * 86_400_000 });
      h.clock.advance(30 * 86_400_000 + 5_000);
      const due = t0 + 30 * 86_400_000;
      // Maintenance (a claim) moves it into the ready set 5 s after its due time.
      await h.store.claim(h.queue, 0, 1_000);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 1, scheduled: 0, oldestReadySince: due });

      // A release keeps the task's place and its time.
      const lease = await h.claimOne();
      h.clock.advance(1_000);
      await h.store.settle(h.queue, [{ kind: 'release', taskId: lease.task.id, token: lease.token }]);
      expect((await h.store.stats(h.queue)).oldestReadySince).toBe(due);

      // A fail without backoff makes it ready again now; one with backoff when that ends.
      const again = await h.claimOne();
      h.clock.advance(1_000);
      const failedAt = h.clock.now();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: again.task.id,
          token: again.token,
          error: 'x',
          retryDelayMs: 0,
          permanent: false,
        },
      ]);
      expect((await h.store.stats(h.queue)).oldestReadySince).toBe(failedAt);
      const third = await h.claimOne();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: third.task.id,
          token: third.token,
          error: 'x',
          retryDelayMs: 2_000,
          permanent: false,
        },
      ]);
      h.clock.advance(3_000);
      await h.store.claim(h.queue, 0, 1_000);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 1, oldestReadySince: failedAt + 2_000 });
    });

    it('ages a redriven task from its redrive', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 1 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: id, token: lease.token, error: 'x', retryDelayMs: 0, permanent: true },
      ]);
      h.clock.advance(60_000);
      expect(await h.store.redrive(h.queue, [id], 'by test')).toBe(1);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 1, oldestReadySince: h.clock.now() });
    });

    it('stops counting a DEAD task once its retention has passed', async () => {
      const h = await setup({ deadRetentionMs: 5_000 });
      const id = await h.add({ maxAttempts: 1 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: id, token: lease.token, error: 'x', retryDelayMs: 0, permanent: true },
      ]);
      h.clock.advance(4_999);
      expect((await h.store.stats(h.queue)).dead).toBe(1);
      h.clock.advance(1);
      expect((await h.store.stats(h.queue)).dead).toBe(0);
    });

    it('does not mark a fail that leaves attempts, or a repeat of a fail, as dead', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 2, retry: NO_BACKOFF });
      const lease = await h.claimOne();
      const fail = {
        kind: 'fail' as const,
        taskId: id,
        token: lease.token,
        error: 'x',
        retryDelayMs: 0,
        permanent: false,
      };
      expect(await h.store.settle(h.queue, [fail])).toEqual([{ status: 'ok' }]);
      const second = await h.claimOne();
      const last = { ...fail, token: second.token };
      expect(await h.store.settle(h.queue, [last])).toEqual([{ status: 'ok', dead: true }]);
      expect(await h.store.settle(h.queue, [last])).toEqual([{ status: 'ok' }]);
    });
  });

  describe('claim reports what its maintenance ended', () => {
    it('counts expired leases, and those that made their task DEAD', async () => {
      const h = await setup();
      await h.add({ maxAttempts: 1 });
      await h.add({ maxAttempts: 3 });
      await h.claim(2, 1_000);
      h.clock.advance(1_000);
      const reaped = await h.store.claim(h.queue, 0, 1_000);
      expect(reaped).toMatchObject({ expired: 2, dead: 1 });
      expect((await h.store.stats(h.queue)).dead).toBe(1);
      const quiet = await h.store.claim(h.queue, 0, 1_000);
      expect(quiet.expired ?? 0).toBe(0);
      expect(quiet.dead ?? 0).toBe(0);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { ids, LEASE_MS, NO_BACKOFF, type MakeHarness } from '../harness.js';

/** Ready order, claim, nextDueInMs, and what maintenance does to expired leases. */
export function claimCases(setup: MakeHarness): void {
  describe('ready order', () => {
    it('claims the highest priority first', async () => {
      const h = await setup();
      const p0 = await h.add({ priority: 0 });
      const p5 = await h.add({ priority: 5 });
      const p9 = await h.add({ priority: 9 });
      const p5b = await h.add({ priority: 5 });
      expect(ids(await h.claim(10))).toEqual([p9, p5, p5b, p0]);
    });

    it('is FIFO within one priority, across separate claims', async () => {
      const h = await setup();
      const added: string[] = [];
      for (let i = 0; i < 5; i++) added.push(await h.add({ priority: 4 }));
      const claimed: string[] = [];
      for (let i = 0; i < 5; i++) claimed.push((await h.claimOne()).task.id);
      expect(claimed).toEqual(added);
    });

    it('puts a released task back at its old place', async () => {
      const h = await setup();
      const a = await h.add();
      const b = await h.add();
      const c = await h.add();
      const [la, lb] = await h.claim(2);
      // Released in reverse order, yet A is still ahead of B, and both ahead of C.
      expect(await h.store.settle(h.queue, [{ kind: 'release', taskId: b, token: lb!.token }])).toEqual([
        { status: 'ok' },
      ]);
      await h.store.settle(h.queue, [{ kind: 'release', taskId: a, token: la!.token }]);
      expect(ids(await h.claim(3))).toEqual([a, b, c]);
    });

    it('gives a task that falls due a fresh place behind tasks enqueued before it fell due', async () => {
      const h = await setup();
      const a = await h.add();
      const delayed = await h.add({ delayMs: 100 });
      h.clock.advance(100);
      const b = await h.add();
      expect(ids(await h.claim(3))).toEqual([a, b, delayed]);
    });

    it('orders tasks that fall due in one claim by due time', async () => {
      const h = await setup();
      const late = await h.add({ delayMs: 200 });
      const early = await h.add({ delayMs: 100 });
      h.clock.advance(200);
      expect(ids(await h.claim(2))).toEqual([early, late]);
    });

    it('gives a task failed with retry delay 0 a fresh place at the back', async () => {
      const h = await setup();
      const a = await h.add();
      const b = await h.add();
      const lease = await h.claimOne();
      expect(lease.task.id).toBe(a);
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: a, token: lease.token, error: 'boom', retryDelayMs: 0, permanent: false },
      ]);
      expect((await h.get(a)).state).toBe('PENDING');
      expect(ids(await h.claim(2))).toEqual([b, a]);
    });
  });

  describe('claim', () => {
    it('never returns more leases than asked for', async () => {
      const h = await setup();
      for (let i = 0; i < 5; i++) await h.add();
      expect(await h.claim(2)).toHaveLength(2);
      expect(await h.claim(1)).toHaveLength(1);
      expect(await h.claim(10)).toHaveLength(2);
      expect(await h.claim(10)).toHaveLength(0);
    });

    it('leases with token 1, deadline now + leaseMs, attempt 1, state LEASED', async () => {
      const h = await setup();
      const id = await h.add({ payload: Buffer.from('work'), headers: { h: '1' } });
      const lease = await h.claimOne(7000);
      expect(lease.token).toBe(1);
      expect(lease.deadline).toBe(h.clock.now() + 7000);
      expect(lease.task).toMatchObject({
        id,
        queue: h.queue,
        attempt: 1,
        state: 'LEASED',
        headers: { h: '1' },
      });
      expect(lease.task.payload.toString()).toBe('work');
      expect(await h.get(id)).toMatchObject({ state: 'LEASED', attempt: 1 });
    });

    it('carries the whole task as getTask reads it: long values, priority, max attempts, key, last error, history', async () => {
      const h = await setup();
      const headers = {
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        note: 'ü'.repeat(150),
      };
      const payload = Buffer.from(Array.from({ length: 700 }, (_, i) => (i * 13) % 256));
      const id = await h.add({ payload, priority: 4, maxAttempts: 1, headers, fairnessKey: 'tenant-7' });
      const first = await h.claimOne();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: id,
          token: first.token,
          error: 'é'.repeat(100),
          retryDelayMs: undefined,
          permanent: true,
        },
      ]);
      expect(await h.store.redrive(h.queue, [id], 'redriven by an operator')).toBe(1);
      const lease = await h.claimOne();
      const { dueTime: _due, ...read } = await h.get(id);
      expect(lease.task).toEqual(read);
      expect(lease.task).toMatchObject({
        payload,
        priority: 4,
        maxAttempts: 1,
        headers,
        fairnessKey: 'tenant-7',
        lastError: 'é'.repeat(100),
        state: 'LEASED',
      });
      expect(lease.task.history).toHaveLength(1);
    });

    it('answers an unknown or empty queue with no leases and nextDueInMs null', async () => {
      const h = await setup();
      expect(await h.store.claim(h.other, 5, LEASE_MS)).toEqual({
        leases: [],
        nextDueInMs: null,
        more: false,
      });
    });

    it('says whether ready tasks are left after the leases it took', async () => {
      const h = await setup();
      await h.add();
      await h.add();
      await h.add();
      // With how many: a dispatcher asks for that many next.
      expect(await h.store.claim(h.queue, 1, LEASE_MS)).toMatchObject({ more: true, readyLeft: 2 });
      expect(await h.store.claim(h.queue, 1, LEASE_MS)).toMatchObject({ more: true, readyLeft: 1 });
      const last = await h.store.claim(h.queue, 1, LEASE_MS);
      expect(last.more).toBe(false);
      expect(last.readyLeft).toBeUndefined();
      expect((await h.store.claim(h.queue, 1, LEASE_MS)).more).toBe(false);
      await h.add({ delayMs: 100 });
      h.clock.advance(100);
      // The task that fell due is ready after maintenance, and a claim of 0 leaves it.
      expect((await h.store.claim(h.queue, 0, LEASE_MS)).more).toBe(true);
    });

    it('reports nextDueInMs as the nearer of the first due time and the first lease deadline', async () => {
      const h = await setup();
      const id = await h.add();
      await h.add({ delayMs: 5000 });
      expect(await h.reap()).toBe(5000);
      const lease = await h.claimOne(3000);
      expect((await h.store.claim(h.queue, 0, LEASE_MS)).nextDueInMs).toBe(3000);
      h.clock.advance(1000);
      expect(await h.reap()).toBe(2000);
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.alloc(0) },
      ]);
      expect(await h.reap()).toBe(4000);
      h.clock.advance(4000);
      const due = await h.claimOne(LEASE_MS);
      expect(await h.reap()).toBe(LEASE_MS);
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: due.task.id, token: due.token, result: Buffer.alloc(0) },
      ]);
      expect(await h.reap()).toBeNull();
    });

    it('with max 0 only reaps: it returns no lease even when tasks are ready', async () => {
      const h = await setup({ random: () => 0 });
      const id = await h.add();
      await h.claimOne(1000);
      h.clock.advance(1000);
      const reaped = await h.store.claim(h.queue, 0, LEASE_MS);
      expect(reaped.leases).toEqual([]);
      expect(await h.get(id)).toMatchObject({ state: 'PENDING', lastError: 'lease expired', attempt: 1 });
    });
  });

  describe('lease expiry', () => {
    it('keeps the lease until its deadline and refuses it from the deadline on, reaped or not', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(1000);
      h.clock.advance(999);
      expect(
        await h.store.settle(h.queue, [{ kind: 'extend', taskId: id, token: lease.token, extensionMs: 1 }]),
      ).toEqual([{ status: 'ok', deadline: h.clock.now() + 1 }]);
      h.clock.advance(1);
      // Expired but not yet reaped: still LEASED on record, but the lease is gone.
      const [result] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.from('late') },
      ]);
      expect(result?.status).toBe('stale');
      expect(await h.get(id)).toMatchObject({ state: 'LEASED', attempt: 1 });
      expect((await h.get(id)).result.length).toBe(0);
    });

    it('retries an expired lease after the backoff, with lastError "lease expired"', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 5 });
      await h.claimOne(1000);
      h.clock.advance(1000);
      // random 0.5 over a 1000 ms cap: 500 ms.
      expect(await h.reap()).toBe(500);
      expect(await h.get(id)).toMatchObject({ state: 'SCHEDULED', attempt: 1, lastError: 'lease expired' });
      h.clock.advance(499);
      expect(await h.claim(1)).toEqual([]);
      h.clock.advance(1);
      const second = await h.claimOne(1000);
      expect(second).toMatchObject({ token: 2, task: { id, attempt: 2 } });
      h.clock.advance(1000);
      // The second retry doubles the cap: 0.5 × 2000.
      expect(await h.reap()).toBe(1000);
      h.clock.advance(1000);
      const third = await h.claimOne(1000);
      h.clock.advance(1000);
      expect(third.token).toBe(3);
      // The third would be 0.5 × 4000; the fourth stays at the 4000 ms cap.
      expect(await h.reap()).toBe(2000);
      h.clock.advance(2000);
      await h.claimOne(1000);
      h.clock.advance(1000);
      expect(await h.reap()).toBe(2000);
    });

    it('makes an expired lease with zero backoff claimable in the same claim', async () => {
      const h = await setup();
      const id = await h.add({ retry: NO_BACKOFF });
      await h.claimOne(1000);
      h.clock.advance(1000);
      const again = await h.claimOne(1000);
      expect(again).toMatchObject({ token: 2, task: { id, attempt: 2, lastError: 'lease expired' } });
    });

    it('makes the task DEAD when the expired lease used its last attempt', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 2, retry: NO_BACKOFF });
      await h.claimOne(1000);
      h.clock.advance(1000);
      await h.claimOne(1000);
      h.clock.advance(1000);
      expect(await h.claim(1)).toEqual([]);
      expect(await h.get(id)).toMatchObject({ state: 'DEAD', attempt: 2, lastError: 'lease expired' });
      expect(await h.reap()).toBeNull();
    });
  });
}

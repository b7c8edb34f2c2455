import { describe, expect, it } from 'vitest';
import { LEASE_MS, NO_BACKOFF, UNKNOWN_ID, type MakeHarness } from '../harness.js';

/** abandon, cancel in every state, and the listener's ready and due events. */
export function lifecycleCases(setup: MakeHarness): void {
  describe('abandon', () => {
    it('lets the lease run out after the grace, not before, counting the attempt', async () => {
      const h = await setup();
      const id = await h.add({ retry: NO_BACKOFF });
      const lease = await h.claimOne(30_000);
      await h.store.abandon(h.queue, [{ taskId: id, token: lease.token }], 5000);
      expect(await h.reap()).toBe(5000);
      h.clock.advance(4999);
      expect(await h.claim(1)).toEqual([]);
      expect((await h.get(id)).state).toBe('LEASED');
      h.clock.advance(1);
      expect(await h.claimOne()).toMatchObject({
        token: 2,
        task: { id, attempt: 2, lastError: 'lease expired' },
      });
    });

    it('leaves alone a lease extended past the deadline the stream knew (its worker came back)', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(30_000);
      h.clock.advance(1000);
      const [extended] = await h.store.settle(h.queue, [
        { kind: 'extend', taskId: id, token: lease.token, extensionMs: 30_000 },
      ]);
      expect(extended).toEqual({ status: 'ok', deadline: h.clock.now() + 30_000 });
      await h.store.abandon(h.queue, [{ taskId: id, token: lease.token, deadline: lease.deadline }], 5000);
      h.clock.advance(5000);
      expect(await h.claim(1)).toEqual([]);
      // The stream that extended it knows the new deadline: its own end shortens the lease.
      await h.store.abandon(
        h.queue,
        [{ taskId: id, token: lease.token, deadline: h.clock.now() + 25_000 }],
        5000,
      );
      expect(await h.reap()).toBe(5000);
    });

    /** A lease of 30 s abandoned with a 5 s grace, then completed `afterMs` later: the answer and the task's state. */
    async function completeAfterGrace(afterMs: number) {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(30_000);
      await h.store.abandon(h.queue, [{ taskId: id, token: lease.token }], 5000);
      h.clock.advance(afterMs);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.from('done') },
      ]);
      return { r, state: (await h.get(id)).state };
    }

    it('still accepts a settle within the grace', async () => {
      const { r, state } = await completeAfterGrace(4999);
      expect(r).toEqual({ status: 'ok' });
      expect(state).toBe('COMPLETED');
    });

    it('refuses a settle once the grace ran out, before any claim reaped the lease', async () => {
      const { r, state } = await completeAfterGrace(5001);
      expect(r?.status).not.toBe('ok');
      expect(state).not.toBe('COMPLETED');
    });

    it('never moves a deadline later', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(1000);
      await h.store.abandon(h.queue, [{ taskId: id, token: lease.token }], 5000);
      expect(await h.reap()).toBe(1000);
      h.clock.advance(1000);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.alloc(0) },
      ]);
      expect(r?.status).toBe('stale');
    });

    it('ignores leases that are no longer held', async () => {
      const h = await setup({ random: () => 0 });
      const id = await h.add();
      const old = await h.claimOne(1000);
      h.clock.advance(1000);
      const current = await h.claimOne(30_000);
      await h.store.abandon(h.queue, [{ taskId: id, token: old.token }], 10);
      h.clock.advance(10);
      expect(await h.reap()).toBe(30_000 - 10);
      expect(
        await h.store.settle(h.queue, [
          { kind: 'complete', taskId: id, token: current.token, result: Buffer.alloc(0) },
        ]),
      ).toEqual([{ status: 'ok' }]);
    });
  });

  describe('cancel', () => {
    it('cancels a PENDING task at once', async () => {
      const h = await setup();
      const id = await h.add();
      expect(await h.store.cancel(h.queue, id)).toBe(true);
      expect((await h.get(id)).state).toBe('CANCELLED');
      expect(await h.claim(1)).toEqual([]);
    });

    it('cancels a SCHEDULED task at once: it never becomes claimable', async () => {
      const h = await setup();
      const id = await h.add({ delayMs: 100 });
      expect(await h.store.cancel(h.queue, id)).toBe(true);
      expect((await h.get(id)).state).toBe('CANCELLED');
      h.clock.advance(100);
      expect(await h.claim(1)).toEqual([]);
      expect((await h.get(id)).state).toBe('CANCELLED');
    });

    const endings = [
      {
        how: 'fail',
        ops: (id: string, token: number) => [
          { kind: 'fail' as const, taskId: id, token, error: 'x', retryDelayMs: 0, permanent: false },
        ],
      },
      {
        how: 'release',
        ops: (id: string, token: number) => [{ kind: 'release' as const, taskId: id, token }],
      },
    ];
    for (const { how, ops } of endings) {
      it(`lets a LEASED task finish its lease, then makes it CANCELLED on ${how}`, async () => {
        const h = await setup();
        const id = await h.add();
        const lease = await h.claimOne();
        expect(await h.store.cancel(h.queue, id)).toBe(true);
        expect((await h.get(id)).state).toBe('LEASED');
        expect(await h.store.settle(h.queue, ops(id, lease.token))).toEqual([{ status: 'ok' }]);
        expect((await h.get(id)).state).toBe('CANCELLED');
        expect(await h.claim(1)).toEqual([]);
      });
    }

    it('makes a cancelled LEASED task CANCELLED when its lease expires', async () => {
      const h = await setup({ random: () => 0 });
      const id = await h.add();
      await h.claimOne(1000);
      await h.store.cancel(h.queue, id);
      h.clock.advance(1000);
      expect(await h.claim(1)).toEqual([]);
      expect(await h.get(id)).toMatchObject({ state: 'CANCELLED', lastError: 'lease expired' });
    });

    it('still completes a cancelled LEASED task when the worker completes it', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      await h.store.cancel(h.queue, id);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.from('r') },
      ]);
      expect(r).toEqual({ status: 'ok' });
      expect((await h.get(id)).state).toBe('COMPLETED');
      expect(await h.store.cancel(h.queue, id)).toBe(false);
    });

    it('refuses to extend a lease of a cancelled task', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(1000);
      await h.store.cancel(h.queue, id);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'extend', taskId: id, token: lease.token, extensionMs: 60_000 },
      ]);
      expect(r).toMatchObject({ status: 'stale', message: expect.stringMatching(/cancel/i) as unknown });
      expect(await h.reap()).toBe(1000);
    });

    it('answers true again for a CANCELLED task, false for COMPLETED or DEAD, null when unknown', async () => {
      const h = await setup();
      const cancelled = await h.add();
      await h.store.cancel(h.queue, cancelled);
      expect(await h.store.cancel(h.queue, cancelled)).toBe(true);

      const dead = await h.add({ priority: 9 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: dead, token: lease.token, error: 'x', retryDelayMs: 0, permanent: true },
      ]);
      expect(await h.store.cancel(h.queue, dead)).toBe(false);
      expect((await h.get(dead)).state).toBe('DEAD');

      expect(await h.store.cancel(h.queue, UNKNOWN_ID)).toBeNull();
      expect(await h.store.cancel(h.other, cancelled)).toBeNull();
    });
  });

  describe('listener events', () => {
    it('reports ready when an enqueue made a task PENDING', async () => {
      const h = await setup();
      await h.add();
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
    });

    it('says how many tasks an enqueue made ready, so a claim asks for no more', async () => {
      const h = await setup();
      await h.store.enqueue([h.task(), h.task({ delayMs: 300 }), h.task()]);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
      expect(h.events.readyCounts.get(h.queue)).toContain(2);
    });

    it('reports due with the smallest delay of a batch', async () => {
      const h = await setup();
      await h.store.enqueue([
        h.task({ delayMs: 300 }),
        h.task({ delayMs: 200 }),
        h.task({ queue: h.other, delayMs: 700 }),
      ]);
      await h.events.waitFor({ kind: 'due', queue: h.queue, inMs: 200 });
      await h.events.waitFor({ kind: 'due', queue: h.other, inMs: 700 });
      expect(h.events.events).not.toContainEqual({ kind: 'due', queue: h.queue, inMs: 300 });
    });

    it('reports ready when maintenance made tasks PENDING and some are left after the claim', async () => {
      const h = await setup();
      await h.store.enqueue([h.task({ delayMs: 100 }), h.task({ delayMs: 100 })]);
      h.clock.advance(100);
      h.events.clear();
      await h.claimOne();
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
    });

    it('reports ready on release and on a fail without delay, due on a fail with delay', async () => {
      const h = await setup();
      const id = await h.add();
      let lease = await h.claimOne();
      h.events.clear();
      await h.store.settle(h.queue, [{ kind: 'release', taskId: id, token: lease.token }]);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });

      lease = await h.claimOne();
      h.events.clear();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: id, token: lease.token, error: 'x', retryDelayMs: 0, permanent: false },
      ]);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });

      lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: id, token: lease.token, error: 'x', retryDelayMs: 250, permanent: false },
      ]);
      await h.events.waitFor({ kind: 'due', queue: h.queue, inMs: 250 });
    });

    it('reports due with the grace when abandon shortened a lease', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(LEASE_MS);
      await h.store.abandon(h.queue, [{ taskId: id, token: lease.token }], 1234);
      await h.events.waitFor({ kind: 'due', queue: h.queue, inMs: 1234 });
    });
  });
}

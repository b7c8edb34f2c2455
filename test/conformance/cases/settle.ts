import { describe, expect, it } from 'vitest';
import type { SettleOp } from '../../../src/domain/task.js';
import { NO_BACKOFF, UNKNOWN_ID, type Harness, type MakeHarness } from '../harness.js';

type Kind = SettleOp['kind'];

/** A settle op of `kind` for one lease, with neutral arguments. */
function op(kind: Kind, taskId: string, token: number): SettleOp {
  switch (kind) {
    case 'complete':
      return { kind, taskId, token, result: Buffer.from('late result') };
    case 'fail':
      return { kind, taskId, token, error: 'late error', retryDelayMs: 0, permanent: false };
    case 'extend':
      return { kind, taskId, token, extensionMs: 60_000 };
    case 'release':
      return { kind, taskId, token };
  }
}

const KINDS: Kind[] = ['complete', 'fail', 'extend', 'release'];

/** Everything a reader can see of a task, to show that a refused op changed nothing. */
async function snapshot(h: Harness, id: string): Promise<unknown> {
  const t = await h.get(id);
  return { ...t, payload: t.payload.toString('hex'), result: t.result.toString('hex') };
}

/** complete, fail, release, extend, and fencing of all four. */
export function settleCases(setup: MakeHarness): void {
  describe('complete', () => {
    it('completes a held lease and stores the result', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      const [r] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.from('42') },
      ]);
      expect(r).toEqual({ status: 'ok' });
      const task = await h.get(id);
      expect(task).toMatchObject({ state: 'COMPLETED', attempt: 1 });
      expect(task.result.toString()).toBe('42');
      expect(await h.claim(1)).toEqual([]);
    });

    it('answers a repeated complete with ok, refuses one with another result and keeps the first', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      const complete = (result: string): SettleOp => ({
        kind: 'complete',
        taskId: id,
        token: lease.token,
        result: Buffer.from(result),
      });
      await h.store.settle(h.queue, [complete('first')]);
      const [again] = await h.store.settle(h.queue, [complete('first')]);
      expect(again).toEqual({ status: 'ok' });
      const [other] = await h.store.settle(h.queue, [complete('second')]);
      expect(other).toMatchObject({ status: 'stale' });
      expect((await h.get(id)).result.toString()).toBe('first');
    });

    it('settles each op of one call on its own, in order', async () => {
      const h = await setup();
      const a = await h.add();
      const b = await h.add();
      const [la, lb] = await h.claim(2);
      const results = await h.store.settle(h.queue, [
        { kind: 'extend', taskId: a, token: la!.token, extensionMs: 5000 },
        { kind: 'complete', taskId: a, token: la!.token, result: Buffer.alloc(0) },
        { kind: 'extend', taskId: a, token: la!.token, extensionMs: 5000 },
        { kind: 'release', taskId: b, token: lb!.token },
        { kind: 'complete', taskId: UNKNOWN_ID, token: 1, result: Buffer.alloc(0) },
      ]);
      expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'stale', 'ok', 'not_found']);
      expect(results[0]).toEqual({ status: 'ok', deadline: h.clock.now() + 5000 });
    });
  });

  describe('fail', () => {
    it('retries after retryDelayMs, keeping the error', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      const [r] = await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: id,
          token: lease.token,
          error: 'db down',
          retryDelayMs: 300,
          permanent: false,
        },
      ]);
      expect(r).toEqual({ status: 'ok' });
      expect(await h.get(id)).toMatchObject({ state: 'SCHEDULED', attempt: 1, lastError: 'db down' });
      expect(await h.reap()).toBe(300);
      h.clock.advance(299);
      expect(await h.claim(1)).toEqual([]);
      h.clock.advance(1);
      expect(await h.claimOne()).toMatchObject({ token: 2, task: { id, attempt: 2, lastError: 'db down' } });
    });

    it("retries after the task's backoff when no delay is given", async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: id,
          token: lease.token,
          error: 'e',
          retryDelayMs: undefined,
          permanent: false,
        },
      ]);
      // random 0.5 over the first retry's 1000 ms cap.
      expect(await h.reap()).toBe(500);
      h.clock.advance(499);
      expect(await h.claim(1)).toEqual([]);
      h.clock.advance(1);
      expect((await h.claimOne()).task.id).toBe(id);
    });

    it('makes the task DEAD at once when the failure is permanent', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 5 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: id,
          token: lease.token,
          error: 'bad input',
          retryDelayMs: 0,
          permanent: true,
        },
      ]);
      expect(await h.get(id)).toMatchObject({ state: 'DEAD', attempt: 1, lastError: 'bad input' });
      expect(await h.claim(1)).toEqual([]);
    });

    it('makes the task DEAD when the failed attempt was the last', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 2 });
      for (let attempt = 1; attempt <= 2; attempt++) {
        const lease = await h.claimOne();
        await h.store.settle(h.queue, [
          {
            kind: 'fail',
            taskId: id,
            token: lease.token,
            error: `e${attempt}`,
            retryDelayMs: 0,
            permanent: false,
          },
        ]);
      }
      expect(await h.get(id)).toMatchObject({ state: 'DEAD', attempt: 2, lastError: 'e2' });
    });

    it('answers a repeated fail with ok and does not retry twice', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      const fail: SettleOp = {
        kind: 'fail',
        taskId: id,
        token: lease.token,
        error: 'e',
        retryDelayMs: 1000,
        permanent: false,
      };
      await h.store.settle(h.queue, [fail]);
      const before = await snapshot(h, id);
      expect(await h.store.settle(h.queue, [fail])).toEqual([{ status: 'ok' }]);
      expect(await snapshot(h, id)).toEqual(before);
      expect(await h.reap()).toBe(1000);
    });

    it('refuses a complete after a fail with the same lease', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [op('fail', id, lease.token)]);
      const before = await snapshot(h, id);
      const [r] = await h.store.settle(h.queue, [op('complete', id, lease.token)]);
      expect(r?.status).toBe('stale');
      expect(await snapshot(h, id)).toEqual(before);
    });
  });

  describe('release', () => {
    it('gives the task back at once without counting the attempt', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      expect(await h.store.settle(h.queue, [op('release', id, lease.token)])).toEqual([{ status: 'ok' }]);
      expect(await h.get(id)).toMatchObject({ state: 'PENDING', attempt: 0 });
      expect(await h.claimOne()).toMatchObject({ token: 2, task: { id, attempt: 1 } });
    });

    it('answers a repeated release with ok and uncounts the attempt only once', async () => {
      const h = await setup();
      const id = await h.add({ retry: NO_BACKOFF });
      await h.claimOne(1000);
      h.clock.advance(1000);
      const second = await h.claimOne(1000);
      expect(second.task.attempt).toBe(2);
      await h.store.settle(h.queue, [op('release', id, second.token)]);
      expect(await h.store.settle(h.queue, [op('release', id, second.token)])).toEqual([{ status: 'ok' }]);
      expect(await h.get(id)).toMatchObject({ state: 'PENDING', attempt: 1 });
    });
  });

  describe('extend', () => {
    it('moves the deadline to now + extension, and the lease outlives its old deadline', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(1000);
      h.clock.advance(500);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'extend', taskId: id, token: lease.token, extensionMs: 2000 },
      ]);
      expect(r).toEqual({ status: 'ok', deadline: h.clock.now() + 2000 });
      h.clock.advance(1000);
      expect(await h.reap()).toBe(1000);
      expect((await h.get(id)).state).toBe('LEASED');
      expect(await h.store.settle(h.queue, [op('complete', id, lease.token)])).toEqual([{ status: 'ok' }]);
    });

    it('refuses to extend an expired lease', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne(1000);
      h.clock.advance(1000);
      const [r] = await h.store.settle(h.queue, [op('extend', id, lease.token)]);
      expect(r?.status).toBe('stale');
    });

    it('is not remembered: an extend after the lease ended is stale', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [op('extend', id, lease.token)]);
      await h.store.settle(h.queue, [op('complete', id, lease.token)]);
      const [r] = await h.store.settle(h.queue, [op('extend', id, lease.token)]);
      expect(r?.status).toBe('stale');
    });
  });

  describe('fencing', () => {
    for (const kind of KINDS) {
      it(`refuses a ${kind} with the old lease of a re-leased task and changes nothing`, async () => {
        const h = await setup();
        const id = await h.add({ retry: NO_BACKOFF });
        const old = await h.claimOne(1000);
        h.clock.advance(1000);
        const current = await h.claimOne(5000);
        expect(current.token).toBeGreaterThan(old.token);
        const before = await snapshot(h, id);
        const [r] = await h.store.settle(h.queue, [op(kind, id, old.token)]);
        expect(r).toMatchObject({ status: 'stale', message: expect.any(String) as unknown });
        expect(await snapshot(h, id)).toEqual(before);
        expect(await h.reap()).toBe(5000);
        expect(await h.store.settle(h.queue, [op('complete', id, current.token)])).toEqual([
          { status: 'ok' },
        ]);
      });

      it(`answers a ${kind} of an unknown task, or of a task of another queue, with not_found`, async () => {
        const h = await setup();
        const id = await h.add();
        const lease = await h.claimOne();
        const results = await h.store.settle(h.queue, [op(kind, UNKNOWN_ID, 1)]);
        const elsewhere = await h.store.settle(h.other, [op(kind, id, lease.token)]);
        expect(results[0]?.status).toBe('not_found');
        expect(elsewhere[0]?.status).toBe('not_found');
        expect((await h.get(id)).state).toBe('LEASED');
      });
    }

    it('refuses a token that was never issued', async () => {
      const h = await setup();
      const id = await h.add();
      const lease = await h.claimOne();
      const [r] = await h.store.settle(h.queue, [op('complete', id, lease.token + 1)]);
      expect(r?.status).toBe('stale');
      expect((await h.get(id)).state).toBe('LEASED');
    });

    it('never completes a task twice: once COMPLETED, a complete with another lease is stale', async () => {
      const h = await setup({ random: () => 0 });
      const id = await h.add();
      const old = await h.claimOne(1000);
      h.clock.advance(1000);
      const current = await h.claimOne(1000);
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: current.token, result: Buffer.from('1') },
      ]);
      const [r] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: old.token, result: Buffer.from('2') },
      ]);
      expect(r?.status).toBe('stale');
      expect((await h.get(id)).result.toString()).toBe('1');
    });
  });
}

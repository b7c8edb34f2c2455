import { describe, expect, it } from 'vitest';
import { ids, LEASE_MS, NO_BACKOFF, UNKNOWN_ID, type MakeHarness } from '../harness.js';

/** The operator's calls: listQueues, listTasks, redrive, purge, pause and resume, and waitFinished. */
export function adminCases(setup: MakeHarness): void {
  describe('listQueues', () => {
    it('names every queue enqueued to or paused, sorted, with its pause flag, even once empty', async () => {
      const h = await setup();
      const [a, b] = [h.queue, h.other].sort();
      const id = await h.add();
      await h.store.setPaused(h.other, true);
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: id, token: lease.token, result: Buffer.alloc(0) },
      ]);
      const listed = (await h.store.listQueues()).filter((q) => q.queue === a || q.queue === b);
      expect(listed).toEqual([
        { queue: a, paused: a === h.other },
        { queue: b, paused: b === h.other },
      ]);
    });
  });

  describe('pause and resume', () => {
    it('accepts enqueues but leases nothing while paused, on combined calls too', async () => {
      const h = await setup();
      await h.store.setPaused(h.queue, true);
      expect(await h.store.isPaused(h.queue)).toBe(true);
      expect(await h.store.isPaused(h.other)).toBe(false);
      await h.add();
      const claim = await h.store.claim(h.queue, 10, LEASE_MS);
      expect(claim).toMatchObject({ leases: [], more: false });
      const both = await h.store.enqueueAndClaim(h.queue, [h.task()], 10, LEASE_MS);
      expect(both.results[0]!.duplicate).toBe(false);
      expect(both.claim).toMatchObject({ leases: [], more: false });
      expect((await h.store.stats(h.queue)).ready).toBe(2);
    });

    it('keeps maintenance running: leases expire and scheduled tasks fall due while paused', async () => {
      const h = await setup();
      const leased = await h.add({ retry: NO_BACKOFF });
      await h.claimOne(1_000);
      await h.add({ delayMs: 500 });
      await h.store.setPaused(h.queue, true);
      h.clock.advance(1_000);
      const reaped = await h.store.claim(h.queue, 5, LEASE_MS);
      expect(reaped).toMatchObject({ leases: [], more: false, expired: 1 });
      expect((await h.get(leased)).state).toBe('PENDING');
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 2, scheduled: 0, leased: 0 });
    });

    it('wakes the listener on resume when tasks are ready, and claims lease again', async () => {
      const h = await setup();
      await h.store.setPaused(h.queue, true);
      const id = await h.add();
      h.events.clear();
      await h.store.setPaused(h.queue, false);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
      expect(await h.store.isPaused(h.queue)).toBe(false);
      expect(ids(await h.claim(5))).toEqual([id]);
    });
  });

  describe('listTasks', () => {
    it('pages through each state in its order with a cursor', async () => {
      const h = await setup();
      const low = await h.add({ priority: 1 });
      const high = await h.add({ priority: 8 });
      const low2 = await h.add({ priority: 1 });
      const later = await h.add({ delayMs: 9_000 });
      const sooner = await h.add({ delayMs: 3_000 });
      const first = await h.store.listTasks(h.queue, 'PENDING', null, 2);
      expect(first.tasks.map((t) => t.id)).toEqual([high, low]);
      expect(first.nextCursor).not.toBeNull();
      const second = await h.store.listTasks(h.queue, 'PENDING', first.nextCursor, 2);
      expect(second.tasks.map((t) => t.id)).toEqual([low2]);
      expect(second.nextCursor).toBeNull();
      const scheduled = await h.store.listTasks(h.queue, 'SCHEDULED', null, 10);
      expect(scheduled.tasks.map((t) => t.id)).toEqual([sooner, later]);
      expect(scheduled.tasks[0]).toMatchObject({ state: 'SCHEDULED', queue: h.queue });
      expect((await h.store.listTasks(h.queue, 'DEAD', null, 10)).tasks).toEqual([]);
      expect(await h.store.listTasks(h.other, 'PENDING', null, 10)).toEqual({ tasks: [], nextCursor: null });
    });

    it('lists leases by deadline and dead tasks by when they died', async () => {
      const h = await setup();
      const a = await h.add({ maxAttempts: 1 });
      const b = await h.add({ maxAttempts: 1 });
      const [la] = await h.claim(1, 20_000);
      const [lb] = await h.claim(1, 10_000);
      expect((await h.store.listTasks(h.queue, 'LEASED', null, 10)).tasks.map((t) => t.id)).toEqual([b, a]);
      const fail = { kind: 'fail', error: 'x', retryDelayMs: 0, permanent: true } as const;
      await h.store.settle(h.queue, [{ ...fail, taskId: a, token: la!.token }]);
      h.clock.advance(1);
      await h.store.settle(h.queue, [{ ...fail, taskId: b, token: lb!.token }]);
      const dead = await h.store.listTasks(h.queue, 'DEAD', null, 10);
      expect(dead.tasks.map((t) => [t.id, t.state, t.lastError])).toEqual([
        [a, 'DEAD', 'x'],
        [b, 'DEAD', 'x'],
      ]);
    });

    it('refuses a cursor it did not make, naming the field', async () => {
      const h = await setup();
      await expect(h.store.listTasks(h.queue, 'PENDING', 'x', 10)).rejects.toThrow(/^cursor: /);
    });
  });

  describe('redrive', () => {
    it('makes named DEAD tasks PENDING with attempts reset and a history note, skipping others', async () => {
      const h = await setup({ deadRetentionMs: 5_000 });
      const doomed = await h.add({ maxAttempts: 1 });
      const alive = await h.add();
      const lease = await h.claimOne();
      expect(lease.task.id).toBe(doomed);
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: doomed,
          token: lease.token,
          error: 'boom',
          retryDelayMs: 0,
          permanent: false,
        },
      ]);
      h.events.clear();
      expect(await h.store.redrive(h.queue, [doomed, alive, UNKNOWN_ID], 'redriven by test')).toBe(1);
      await h.events.waitFor({ kind: 'ready', queue: h.queue });
      const task = await h.get(doomed);
      expect(task).toMatchObject({
        state: 'PENDING',
        attempt: 0,
        history: ['redriven by test after 1 attempts'],
      });
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 2, dead: 0 });
      // Back of its priority, then claimable as a first attempt; its old retention no longer applies.
      h.clock.advance(6_000);
      const leases = await h.claim(5);
      expect(ids(leases)).toEqual([alive, doomed]);
      expect(leases[1]!.task.attempt).toBe(1);
      expect(await h.store.redrive(h.queue, [doomed], 'again')).toBe(0);
    });

    it('redrives every DEAD task when no ids are given, and keeps each note', async () => {
      const h = await setup();
      const first = await h.add({ maxAttempts: 1 });
      const second = await h.add({ maxAttempts: 1 });
      const kill = async (): Promise<void> => {
        for (const lease of await h.claim(5)) {
          await h.store.settle(h.queue, [
            {
              kind: 'fail',
              taskId: lease.task.id,
              token: lease.token,
              error: 'x',
              retryDelayMs: 0,
              permanent: true,
            },
          ]);
        }
      };
      await kill();
      expect(await h.store.redrive(h.queue, null, 'one')).toBe(2);
      await kill();
      expect(await h.store.redrive(h.queue, null, 'two')).toBe(2);
      expect((await h.get(first)).history).toEqual(['one after 1 attempts', 'two after 1 attempts']);
      expect((await h.get(second)).state).toBe('PENDING');
      expect(await h.store.redrive(h.other, null, 'none')).toBe(0);
    });
  });

  describe('purge', () => {
    it('deletes pending, scheduled, leased and dead tasks and leaves finished ones readable', async () => {
      const h = await setup();
      const done = await h.add();
      const doneLease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: done, token: doneLease.token, result: Buffer.from('r') },
      ]);
      const dead = await h.add({ maxAttempts: 1 });
      const deadLease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: dead, token: deadLease.token, error: 'x', retryDelayMs: 0, permanent: true },
      ]);
      const leased = await h.add();
      const lease = await h.claimOne();
      const pending = await h.add();
      await h.add({ delayMs: 5_000 });
      expect(await h.store.purge(h.queue)).toBe(4);
      expect(await h.store.stats(h.queue)).toEqual({
        ready: 0,
        scheduled: 0,
        leased: 0,
        dead: 0,
        oldestReadyEnqueueTime: null,
      });
      expect(await h.store.getTask(h.queue, pending)).toBeNull();
      expect(await h.store.getTask(h.queue, leased)).toBeNull();
      expect((await h.get(done)).state).toBe('COMPLETED');
      const [settled] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: leased, token: lease.token, result: Buffer.alloc(0) },
      ]);
      expect(settled!.status).toBe('not_found');
      expect(await h.store.purge(h.queue)).toBe(0);
      expect((await h.store.listQueues()).map((q) => q.queue)).toContain(h.queue);
    });
  });

  describe('waitFinished', () => {
    it('answers at once for a finished task, and null for an unknown one', async () => {
      const h = await setup();
      const id = await h.add();
      await h.store.cancel(h.queue, id);
      expect(await h.store.waitFinished(h.queue, id, 60_000)).toMatchObject({ id, state: 'CANCELLED' });
      expect(await h.store.waitFinished(h.queue, UNKNOWN_ID, 60_000)).toBeNull();
    });

    it('wakes when the task completes, dies or is cancelled, without waiting out the timeout', async () => {
      const h = await setup();
      const [completed, dead, cancelled] = [await h.add(), await h.add({ maxAttempts: 1 }), await h.add()];
      const started = Date.now();
      const waits = [completed, dead, cancelled].map((id) => h.store.waitFinished(h.queue, id, 30_000));
      const leases = await h.claim(2);
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: completed, token: leases[0]!.token, result: Buffer.from('ok') },
        {
          kind: 'fail',
          taskId: dead,
          token: leases[1]!.token,
          error: 'x',
          retryDelayMs: 0,
          permanent: false,
        },
      ]);
      await h.store.cancel(h.queue, cancelled);
      const [c, d, x] = await Promise.all(waits);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(c).toMatchObject({ state: 'COMPLETED', result: Buffer.from('ok') });
      expect(d).toMatchObject({ state: 'DEAD' });
      expect(x).toMatchObject({ state: 'CANCELLED' });
    });

    it('wakes when a lease that ran out makes the task DEAD', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 1 });
      await h.claimOne(1_000);
      const wait = h.store.waitFinished(h.queue, id, 30_000);
      h.clock.advance(1_000);
      await h.reap();
      expect(await wait).toMatchObject({ state: 'DEAD', lastError: 'lease expired' });
    });

    it('answers with the task as it stands when the timeout passes or the signal aborts', async () => {
      const h = await setup();
      const id = await h.add();
      expect(await h.store.waitFinished(h.queue, id, 20)).toMatchObject({ id, state: 'PENDING' });
      const abort = new AbortController();
      const wait = h.store.waitFinished(h.queue, id, 30_000, abort.signal);
      await h.claimOne();
      abort.abort();
      expect(await wait).toMatchObject({ id, state: 'LEASED' });
    });
  });
}

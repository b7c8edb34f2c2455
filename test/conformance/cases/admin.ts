import { describe, expect, it } from 'vitest';
import { LIST_PAGE_BYTES, LIST_PREVIEW_BYTES, MAX_HISTORY_ENTRIES } from '../../../src/domain/task.js';
import type { TaskPage } from '../../../src/lease-store/lease-store.js';
import { ids, LEASE_MS, NO_BACKOFF, UNKNOWN_ID, type MakeHarness } from '../harness.js';
import { listPagingCases } from './list-paging.js';

/** The operator's calls: listQueues, listTasks, redrive, purge, pause and resume, and waitFinished. */
export function adminCases(setup: MakeHarness): void {
  describe('listQueues', () => {
    it('names every queue with tasks or paused, sorted, with its pause flag', async () => {
      const h = await setup();
      const [a, b] = [h.queue, h.other].sort();
      await h.add();
      await h.store.setPaused(h.other, true);
      const listed = (await h.store.listQueues()).filter((q) => q.queue === a || q.queue === b);
      expect(listed).toEqual([
        { queue: a, paused: a === h.other },
        { queue: b, paused: b === h.other },
      ]);
    });

    it('forgets a queue once it holds no pending, scheduled, leased or dead task and is not paused', async () => {
      const h = await setup();
      const [done, purged, delayed, dead] = ['done', 'purged', 'delayed', 'dead'].map(
        (n) => `${h.queue}-${n}`,
      );
      const [id] = await h.store.enqueue([{ ...h.task(), queue: done! }]);
      const [lease] = (await h.store.claim(done!, 1, LEASE_MS)).leases;
      await h.store.settle(done!, [
        { kind: 'complete', taskId: id!.taskId, token: lease!.token, result: Buffer.alloc(0) },
      ]);
      await h.store.enqueue([
        { ...h.task(), queue: purged! },
        { ...h.task(), queue: delayed!, delayMs: 60_000 },
        { ...h.task(), queue: dead!, maxAttempts: 1 },
      ]);
      const [doomed] = (await h.store.claim(dead!, 1, LEASE_MS)).leases;
      await h.store.settle(dead!, [
        {
          kind: 'fail',
          taskId: doomed!.task.id,
          token: doomed!.token,
          error: 'x',
          retryDelayMs: 0,
          permanent: true,
        },
      ]);
      await h.store.purge(purged!);
      await h.store.setPaused(h.other, true);
      await h.store.setPaused(h.other, false);
      await h.store.pruneQueues?.();
      const mine = (await h.store.listQueues())
        .map((q) => q.queue)
        .filter((q) => q.startsWith(h.queue) || q === h.other);
      expect(mine).toEqual([delayed, dead].sort());
    });

    it('reads only the queues its filter lets through, up to its limit', async () => {
      const h = await setup();
      const names = ['c', 'a', 'b'].map((n) => `${h.queue}-${n}`);
      for (const queue of names) await h.store.enqueue([{ ...h.task(), queue }]);
      const asked: string[] = [];
      const visible = (queue: string): boolean => {
        asked.push(queue);
        return queue.startsWith(h.queue);
      };
      expect((await h.store.listQueues({ visible })).map((q) => q.queue)).toEqual(names.slice().sort());
      expect(asked).toEqual(expect.arrayContaining(names));
      const limited = await h.store.listQueues({ visible, limit: 2 });
      expect(limited.map((q) => q.queue)).toEqual(names.slice().sort().slice(0, 2));
      const rest = await h.store.listQueues({ visible, after: limited[1]!.queue });
      expect(rest.map((q) => q.queue)).toEqual(names.slice().sort().slice(2));
    });
  });

  describe('pause and resume', () => {
    it('tell whether the queue was paused before: a second pause or resume changes nothing', async () => {
      const h = await setup();
      expect(await h.store.setPaused(h.other, false)).toBe(false);
      expect(await h.store.setPaused(h.queue, true)).toBe(false);
      expect(await h.store.setPaused(h.queue, true)).toBe(true);
      expect(await h.store.isPaused(h.queue)).toBe(true);
      expect(await h.store.setPaused(h.queue, false)).toBe(true);
      expect(await h.store.setPaused(h.queue, false)).toBe(false);
      expect(await h.store.isPaused(h.queue)).toBe(false);
      expect(await h.store.isPaused(h.other)).toBe(false);
    });

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

  describe('resume of a queue without tasks', () => {
    const listed = async (h: Awaited<ReturnType<MakeHarness>>, queue: string): Promise<boolean> =>
      (await h.store.listQueues()).some((q) => q.queue === queue);

    it('undoes a pause of a queue never used: it leaves listQueues', async () => {
      const h = await setup();
      await h.store.setPaused(h.other, true);
      expect(await listed(h, h.other)).toBe(true);
      await h.store.setPaused(h.other, false);
      expect(await listed(h, h.other)).toBe(false);
      expect(await h.store.isPaused(h.other)).toBe(false);
    });

    it('removes a paused queue once emptied, keeps one with tasks, and lists it again on its next enqueue', async () => {
      const h = await setup();
      const id = await h.add();
      await h.store.setPaused(h.queue, true);
      await h.store.setPaused(h.queue, false);
      expect(await listed(h, h.queue)).toBe(true);
      await h.store.setPaused(h.queue, true);
      expect(await h.store.purge(h.queue)).toBe(1);
      await h.store.setPaused(h.queue, false);
      expect(await listed(h, h.queue)).toBe(false);
      expect(await h.store.getTask(h.queue, id)).toBeNull();
      await h.add();
      expect(await listed(h, h.queue)).toBe(true);
    });

    it('keeps a queue whose only tasks are DEAD, so they stay in sight for redrive', async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 1 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: id,
          token: lease.token,
          error: 'boom',
          retryDelayMs: undefined,
          permanent: true,
        },
      ]);
      expect((await h.get(id)).state).toBe('DEAD');
      await h.store.setPaused(h.queue, true);
      await h.store.setPaused(h.queue, false);
      expect(await listed(h, h.queue)).toBe(true);
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
      // Each scheduled task says when it falls due; other states carry no due time.
      const now = h.clock.now();
      expect(scheduled.tasks.map((t) => t.dueTime)).toEqual([now + 3_000, now + 9_000]);
      expect(first.tasks.map((t) => t.dueTime)).toEqual([undefined, undefined]);
      expect((await h.store.listTasks(h.queue, 'DEAD', null, 10)).tasks).toEqual([]);
      expect(await h.store.listTasks(h.other, 'PENDING', null, 10)).toEqual({ tasks: [], nextCursor: null });
    });

    it('lists leases by deadline and dead tasks by when they died', async () => {
      const h = await setup();
      const a = await h.add({ maxAttempts: 1 });
      const b = await h.add({ maxAttempts: 1 });
      const [la] = await h.claim(1, 20_000);
      const [lb] = await h.claim(1, 10_000);
      const leased = (await h.store.listTasks(h.queue, 'LEASED', null, 10)).tasks;
      expect(leased.map((t) => t.id)).toEqual([b, a]);
      // Each lease says when it runs out, as the claim told its worker.
      expect(leased.map((t) => t.leaseDeadline)).toEqual([lb!.deadline, la!.deadline]);
      expect(leased.map((t) => t.dueTime)).toEqual([undefined, undefined]);
      const fail = { kind: 'fail', error: 'x', retryDelayMs: 0, permanent: true } as const;
      await h.store.settle(h.queue, [{ ...fail, taskId: a, token: la!.token }]);
      h.clock.advance(1);
      await h.store.settle(h.queue, [{ ...fail, taskId: b, token: lb!.token }]);
      const dead = await h.store.listTasks(h.queue, 'DEAD', null, 10);
      expect(dead.tasks.map((t) => [t.id, t.state, t.lastError])).toEqual([
        [a, 'DEAD', 'x'],
        [b, 'DEAD', 'x'],
      ]);
      expect(dead.tasks.map((t) => t.leaseDeadline)).toEqual([undefined, undefined]);
    });

    it("lists a lease's deadline as an extension moved it", async () => {
      const h = await setup();
      const id = await h.add();
      const [lease] = await h.claim(1, 10_000);
      h.clock.advance(2_000);
      const [extended] = await h.store.settle(h.queue, [
        { kind: 'extend', taskId: id, token: lease!.token, extensionMs: 30_000 },
      ]);
      expect(extended).toMatchObject({ status: 'ok', deadline: h.clock.now() + 30_000 });
      const [listed] = (await h.store.listTasks(h.queue, 'LEASED', null, 10)).tasks;
      expect(listed).toMatchObject({ id, state: 'LEASED', leaseDeadline: h.clock.now() + 30_000 });
      // Pending tasks carry no deadline.
      await h.add();
      const [pending] = (await h.store.listTasks(h.queue, 'PENDING', null, 10)).tasks;
      expect(pending!.leaseDeadline).toBeUndefined();
    });

    it('shows payload previews, flagged when cut; getTask returns the whole task', async () => {
      const h = await setup();
      const long = Buffer.alloc(5_000, 'a');
      const big = await h.add({ payload: long });
      const small = await h.add({ payload: Buffer.from('small') });
      const page = await h.store.listTasks(h.queue, 'PENDING', null, 10);
      expect(page.tasks.map((t) => [t.id, t.payload.toString(), t.payloadTruncated ?? false])).toEqual([
        [big, long.subarray(0, LIST_PREVIEW_BYTES).toString(), true],
        [small, 'small', false],
      ]);
      expect((await h.get(big)).payload.equals(long)).toBe(true);
      expect((await h.get(big)).payloadTruncated).toBeUndefined();
    });

    it('ends a page early once its tasks hold LIST_PAGE_BYTES, whatever the page size', async () => {
      const h = await setup();
      const added: string[] = [];
      for (let i = 0; i < 5; i++) added.push(await h.add({ payload: Buffer.alloc(1024 * 1024, i) }));
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: TaskPage = await h.store.listTasks(h.queue, 'PENDING', cursor, 1000);
        expect(page.tasks.length).toBeGreaterThanOrEqual(1);
        expect(page.tasks.length * 1024 * 1024).toBeLessThanOrEqual(LIST_PAGE_BYTES);
        for (const t of page.tasks) expect(t.payload.length).toBe(LIST_PREVIEW_BYTES);
        seen.push(...page.tasks.map((t) => t.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor !== null && pages < 10);
      expect(seen).toEqual(added);
      expect(pages).toBeGreaterThanOrEqual(3);
    });

    it('refuses a cursor it did not make, naming the field', async () => {
      const h = await setup();
      await h.add();
      const json = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
      // Decimal offsets (what cursors were before they named places) are refused too.
      for (const cursor of ['x', '2', json({ a: 1 }), json([1]), json([true, 'x']), 'A'.repeat(600)])
        await expect(h.store.listTasks(h.queue, 'PENDING', cursor, 10), cursor).rejects.toThrow(/^cursor: /);
    });

    listPagingCases(setup);
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
        history: ['redriven by test after 1 attempt'],
      });
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 2, dead: 0 });
      // Back of its priority, then claimable as a first attempt; its old retention no longer applies.
      h.clock.advance(6_000);
      const leases = await h.claim(5);
      expect(ids(leases)).toEqual([alive, doomed]);
      expect(leases[1]!.task.attempt).toBe(1);
      expect(await h.store.redrive(h.queue, [doomed], 'again')).toBe(0);
    });

    it('redrives a task named twice once', async () => {
      const h = await setup();
      const doomed = await h.add({ maxAttempts: 1 });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'fail', taskId: doomed, token: lease.token, error: 'boom', retryDelayMs: 0, permanent: true },
      ]);
      expect(await h.store.redrive(h.queue, [doomed, doomed], 'twice')).toBe(1);
      expect(await h.get(doomed)).toMatchObject({ state: 'PENDING', history: ['twice after 1 attempt'] });
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 1, dead: 0 });
      const leases = await h.claim(5);
      expect(ids(leases)).toEqual([doomed]);
      expect(await h.store.stats(h.queue)).toMatchObject({ ready: 0, leased: 1 });
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
      expect((await h.get(first)).history).toEqual(['one after 1 attempt', 'two after 1 attempt']);
      expect((await h.get(second)).state).toBe('PENDING');
      expect(await h.store.redrive(h.other, null, 'none')).toBe(0);
    });
    it(`keeps only the last ${MAX_HISTORY_ENTRIES} notes of a task redriven over and over`, async () => {
      const h = await setup();
      const id = await h.add({ maxAttempts: 1 });
      const rounds = MAX_HISTORY_ENTRIES + 5;
      for (let round = 1; round <= rounds; round++) {
        const lease = await h.claimOne();
        await h.store.settle(h.queue, [
          { kind: 'fail', taskId: id, token: lease.token, error: 'x', retryDelayMs: 0, permanent: true },
        ]);
        expect(await h.store.redrive(h.queue, [id], `round ${round}`)).toBe(1);
      }
      const history = (await h.get(id)).history!;
      expect(history).toHaveLength(MAX_HISTORY_ENTRIES);
      expect(history[0]).toBe(`round ${rounds - MAX_HISTORY_ENTRIES + 1} after 1 attempt`);
      expect(history.at(-1)).toBe(`round ${rounds} after 1 attempt`);
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
        oldestReadySince: null,
        readyKeys: 0,
      });
      expect(await h.store.getTask(h.queue, pending)).toBeNull();
      expect(await h.store.getTask(h.queue, leased)).toBeNull();
      expect((await h.get(done)).state).toBe('COMPLETED');
      const [settled] = await h.store.settle(h.queue, [
        { kind: 'complete', taskId: leased, token: lease.token, result: Buffer.alloc(0) },
      ]);
      expect(settled!.status).toBe('not_found');
      expect(await h.store.purge(h.queue)).toBe(0);
      // Nothing left to list it for: it leaves listQueues (at the Redis store's next prune).
      await h.store.pruneQueues?.();
      expect((await h.store.listQueues()).map((q) => q.queue)).not.toContain(h.queue);
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

import { describe, expect, it } from 'vitest';
import { TASK_ID_PATTERN } from '../../../src/domain/task-id.js';
import { ids, LEASE_MS, UNKNOWN_ID, type MakeHarness } from '../harness.js';

/** enqueue, idempotency and getTask. */
export function enqueueCases(setup: MakeHarness): void {
  describe('enqueue and getTask', () => {
    it('stores a new task PENDING with attempt 0 and every field readable', async () => {
      const h = await setup();
      const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', k: 'v' };
      const id = await h.add({ payload: Buffer.from('hello'), priority: 3, maxAttempts: 4, headers });
      expect(id).toMatch(TASK_ID_PATTERN);
      const task = await h.get(id);
      expect(task).toMatchObject({
        id,
        queue: h.queue,
        priority: 3,
        attempt: 0,
        maxAttempts: 4,
        headers,
        enqueueTime: h.clock.now(),
        state: 'PENDING',
        lastError: '',
      });
      expect(task.payload.toString()).toBe('hello');
      expect(task.result.length).toBe(0);
    });

    it('answers in request order with distinct ids', async () => {
      const h = await setup();
      const results = await h.store.enqueue([1, 2, 3].map((n) => h.task({ payload: Buffer.from(`t${n}`) })));
      expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
      expect(new Set(results.map((r) => r.taskId)).size).toBe(3);
      for (const [i, r] of results.entries()) {
        expect((await h.get(r.taskId)).payload.toString()).toBe(`t${i + 1}`);
      }
    });

    it('schedules a delayed task: not claimable before it is due, claimable at due time', async () => {
      const h = await setup();
      const id = await h.add({ delayMs: 500 });
      expect((await h.get(id)).state).toBe('SCHEDULED');
      h.clock.advance(499);
      const early = await h.store.claim(h.queue, 1, LEASE_MS);
      expect(early.leases).toEqual([]);
      expect(early.nextDueInMs).toBe(1);
      expect((await h.get(id)).state).toBe('SCHEDULED');
      h.clock.advance(1);
      const lease = await h.claimOne();
      expect(lease.task.id).toBe(id);
      expect(lease.task.attempt).toBe(1);
    });

    it('says when a SCHEDULED task falls due, after a delay and after a failed attempt', async () => {
      const h = await setup();
      const start = h.clock.now();
      const delayed = await h.add({ delayMs: 7_000 });
      const ready = await h.add();
      expect(await h.get(delayed)).toMatchObject({ state: 'SCHEDULED', dueTime: start + 7_000 });
      expect((await h.get(ready)).dueTime).toBeUndefined();
      const lease = await h.claimOne();
      expect(lease.task.id).toBe(ready);
      expect((await h.get(ready)).dueTime).toBeUndefined(); // LEASED
      h.clock.advance(1_000);
      await h.store.settle(h.queue, [
        {
          kind: 'fail',
          taskId: ready,
          token: lease.token,
          error: 'e',
          retryDelayMs: 2_500,
          permanent: false,
        },
      ]);
      expect(await h.get(ready)).toMatchObject({ state: 'SCHEDULED', dueTime: start + 3_500 });
      h.clock.advance(2_500);
      expect((await h.claimOne()).task.id).toBe(ready);
      expect((await h.get(ready)).dueTime).toBeUndefined();
    });

    it('takes a batch that spans two queues, each task landing on its own queue', async () => {
      const h = await setup();
      const results = await h.store.enqueue([
        h.task({ payload: Buffer.from('a1') }),
        h.task({ queue: h.other, payload: Buffer.from('b1') }),
        h.task({ payload: Buffer.from('a2') }),
      ]);
      const [a1, b1, a2] = results.map((r) => r.taskId);
      expect(ids(await h.claim(10))).toEqual([a1, a2]);
      const other = await h.store.claim(h.other, 10, LEASE_MS);
      expect(ids(other.leases)).toEqual([b1]);
      expect(await h.store.getTask(h.queue, b1!)).toBeNull();
      expect((await h.store.getTask(h.other, b1!))?.payload.toString()).toBe('b1');
    });

    it('keeps its own copy of the payload and hands out copies', async () => {
      const h = await setup();
      const payload = Buffer.from('original');
      const headers: Record<string, string> = { a: '1' };
      const id = await h.add({ payload, headers });
      payload.write('XXXXXXXX');
      headers.a = 'changed';
      const read = await h.get(id);
      read.payload.write('YYYYYYYY');
      read.headers.a = 'changed again';
      const lease = await h.claimOne();
      lease.task.payload.write('ZZZZZZZZ');
      const again = await h.get(id);
      expect(again.payload.toString()).toBe('original');
      expect(again.headers).toEqual({ a: '1' });
    });

    it('answers null for an unknown task and for a task asked for on another queue', async () => {
      const h = await setup();
      const id = await h.add();
      expect(await h.store.getTask(h.queue, UNKNOWN_ID)).toBeNull();
      expect(await h.store.getTask(h.other, id)).toBeNull();
    });
  });

  describe('idempotency', () => {
    it('answers a repeated key on the same queue with the first id and stores nothing', async () => {
      const h = await setup();
      const first = await h.add({ idempotencyKey: 'order-1' });
      h.clock.advance(1000);
      const [again] = await h.store.enqueue([
        h.task({ idempotencyKey: 'order-1', payload: Buffer.from('x') }),
      ]);
      expect(again).toEqual({ taskId: first, duplicate: true });
      expect(ids(await h.claim(10))).toEqual([first]);
      expect((await h.get(first)).payload.toString()).toBe('payload');
    });

    it('treats the second task of one batch with the same key as a duplicate of the first', async () => {
      const h = await setup();
      const [a, b] = await h.store.enqueue([
        h.task({ idempotencyKey: 'k' }),
        h.task({ idempotencyKey: 'k' }),
      ]);
      expect(a?.duplicate).toBe(false);
      expect(b).toEqual({ taskId: a?.taskId, duplicate: true });
      expect(await h.claim(10)).toHaveLength(1);
    });

    it('does not match the same key on another queue', async () => {
      const h = await setup();
      const first = await h.add({ idempotencyKey: 'k' });
      const [other] = await h.store.enqueue([h.task({ queue: h.other, idempotencyKey: 'k' })]);
      expect(other?.duplicate).toBe(false);
      expect(other?.taskId).not.toBe(first);
    });

    it('makes a new task once the window since the first use has passed', async () => {
      const h = await setup({ idempotencyWindowMs: 1000 });
      const first = await h.add({ idempotencyKey: 'k' });
      h.clock.advance(999);
      const [dup] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(dup).toEqual({ taskId: first, duplicate: true });
      h.clock.advance(1);
      const [fresh] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(fresh?.duplicate).toBe(false);
      expect(fresh?.taskId).not.toBe(first);
      // The window now runs from the new task's enqueue.
      h.clock.advance(999);
      const [dupOfFresh] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(dupOfFresh).toEqual({ taskId: fresh?.taskId, duplicate: true });
    });

    it('stores a new task when the task the key named was purged (enqueue and enqueueAndClaim)', async () => {
      const h = await setup();
      const first = await h.add({ idempotencyKey: 'k' });
      const second = await h.add({ idempotencyKey: 'k2' });
      expect(await h.store.purge(h.queue)).toBe(2);
      const [fresh] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(fresh?.duplicate).toBe(false);
      expect(fresh?.taskId).not.toBe(first);
      expect((await h.get(fresh!.taskId)).state).toBe('PENDING');
      const both = await h.store.enqueueAndClaim(h.queue, [h.task({ idempotencyKey: 'k2' })], 0, LEASE_MS);
      expect(both.results[0]?.duplicate).toBe(false);
      expect(both.results[0]?.taskId).not.toBe(second);
      // The key now names the new task, and answers with it.
      const [dup] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(dup).toEqual({ taskId: fresh?.taskId, duplicate: true });
      expect(await h.claim(10)).toHaveLength(2);
    });

    it('answers with a finished task while it is readable, and stores a new one after its retention', async () => {
      const h = await setup({ finishedRetentionMs: 1000, idempotencyWindowMs: 60_000 });
      const first = await h.add({ idempotencyKey: 'k' });
      const lease = await h.claimOne();
      await h.store.settle(h.queue, [
        { kind: 'complete', taskId: first, token: lease.token, nonce: lease.nonce, result: Buffer.alloc(0) },
      ]);
      h.clock.advance(999);
      const [dup] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(dup).toEqual({ taskId: first, duplicate: true });
      h.clock.advance(1);
      expect(await h.store.getTask(h.queue, first)).toBeNull();
      const [fresh] = await h.store.enqueue([h.task({ idempotencyKey: 'k' })]);
      expect(fresh?.duplicate).toBe(false);
      expect((await h.get(fresh!.taskId)).state).toBe('PENDING');
    });

    it('never deduplicates tasks without a key', async () => {
      const h = await setup();
      const results = await h.store.enqueue([h.task(), h.task()]);
      expect(results.map((r) => r.duplicate)).toEqual([false, false]);
      expect(results[0]?.taskId).not.toBe(results[1]?.taskId);
    });
  });
}

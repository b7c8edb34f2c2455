import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { UnavailableError } from '../../domain/errors.js';
import type { NewTask } from '../../domain/task.js';
import { FakeClock } from '../../../test/support/fake-clock.js';
import { MemoryStore } from './memory-store.js';

// What only the memory store promises; the shared rules live in test/conformance.

const QUEUE = 'q';

function task(overrides: Partial<NewTask> = {}): NewTask {
  return {
    queue: QUEUE,
    payload: Buffer.from('p'),
    priority: 0,
    delayMs: 0,
    maxAttempts: 1,
    retry: { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
    idempotencyKey: '',
    headers: {},
    ...overrides,
  };
}

describe('MemoryStore retention', () => {
  it('forgets COMPLETED and CANCELLED tasks after finishedRetentionMs, DEAD ones after deadRetentionMs', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock: clock.now, finishedRetentionMs: 1000, deadRetentionMs: 5000 });
    const [done, dead, cancelled] = (await store.enqueue([task(), task(), task()])).map((r) => r.taskId);
    const leases = (await store.claim(QUEUE, 2, 60_000)).leases;
    await store.settle(QUEUE, [
      { kind: 'complete', taskId: done!, token: leases[0]!.token, result: Buffer.alloc(0) },
      { kind: 'fail', taskId: dead!, token: leases[1]!.token, error: 'x', retryDelayMs: 0, permanent: true },
    ]);
    await store.cancel(QUEUE, cancelled!);

    clock.advance(999);
    expect(await store.getTask(QUEUE, done!)).not.toBeNull();
    expect(await store.getTask(QUEUE, cancelled!)).not.toBeNull();
    clock.advance(1);
    expect(await store.getTask(QUEUE, done!)).toBeNull();
    expect(await store.getTask(QUEUE, cancelled!)).toBeNull();
    expect((await store.getTask(QUEUE, dead!))?.state).toBe('DEAD');
    clock.advance(4000);
    expect(await store.getTask(QUEUE, dead!)).toBeNull();
    expect(await store.cancel(QUEUE, dead!)).toBeNull();
  });

  it('keeps pending work however long it waits', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock: clock.now, finishedRetentionMs: 10, deadRetentionMs: 10 });
    const [{ taskId } = { taskId: '' }] = await store.enqueue([task()]);
    clock.advance(365 * 24 * 3_600_000);
    expect((await store.getTask(QUEUE, taskId))?.state).toBe('PENDING');
  });
});

describe('MemoryStore maintenance', () => {
  it('reaps at most 1,000 expired leases per claim and says the rest is due now', async () => {
    const clock = new FakeClock();
    const store = new MemoryStore({ clock: clock.now });
    await store.enqueue(Array.from({ length: 2500 }, () => task()));
    expect((await store.claim(QUEUE, 2500, 1000)).leases).toHaveLength(2500);
    clock.advance(1000);
    expect((await store.claim(QUEUE, 0, 1000)).nextDueInMs).toBe(0);
    expect((await store.claim(QUEUE, 0, 1000)).nextDueInMs).toBe(0);
    expect((await store.claim(QUEUE, 0, 1000)).nextDueInMs).toBeNull();
  });

  it('refuses a negative or fractional max', async () => {
    const store = new MemoryStore();
    await expect(store.claim(QUEUE, -1, 1000)).rejects.toThrow(/max/);
    await expect(store.claim(QUEUE, 1.5, 1000)).rejects.toThrow(/max/);
  });
});

describe('MemoryStore lifecycle', () => {
  it('rejects calls after close with UnavailableError', async () => {
    const store = new MemoryStore();
    await store.close();
    await expect(store.enqueue([task()])).rejects.toBeInstanceOf(UnavailableError);
    await expect(store.getTask(QUEUE, 'x')).rejects.toBeInstanceOf(UnavailableError);
  });

  it('delivers events after the change is complete, so a listener may call back into the store', async () => {
    const store = new MemoryStore();
    const seen: (string | undefined)[] = [];
    store.listen({
      ready: (queue) => {
        void store.claim(queue, 1, 1000).then((r) => seen.push(r.leases[0]?.task.id));
      },
      due: () => {},
    });
    const [result] = await store.enqueue([task()]);
    await nextMacrotask();
    expect(seen).toEqual([result?.taskId]);
  });
});

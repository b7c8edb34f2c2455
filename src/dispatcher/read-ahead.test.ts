import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease, NewTask, SettleOp, SettleResult } from '../domain/task.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { newTask } from '../../test/support/new-task.js';
import { Dispatcher, type Consumer, type PendingSettles } from './dispatcher.js';

const task = (overrides: Partial<NewTask> = {}): NewTask => newTask('q', overrides);

class TestConsumer implements Consumer {
  readonly queues = ['q'];
  readonly leaseMs = 30_000;
  readonly received: Lease[] = [];
  constructor(public credit: number) {}
  capacity(): number {
    return this.credit;
  }
  deliver(_queue: string, leases: Lease[]): void {
    if (leases.length > this.credit) throw new Error(`delivered ${leases.length} with credit ${this.credit}`);
    this.credit -= leases.length;
    this.received.push(...leases);
  }
}

describe('Dispatcher read-ahead', () => {
  let store: MemoryStore;
  let dispatcher: Dispatcher | undefined;
  let claims: number;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
    claims = 0;
    const claim = store.claim.bind(store);
    store.claim = (...args) => {
      claims++;
      return claim(...args);
    };
  });

  afterEach(async () => {
    dispatcher?.stop();
    dispatcher = undefined;
    await store.close();
    vi.useRealTimers();
  });

  const turn = () => vi.advanceTimersByTimeAsync(1);

  /** A consumer on a backlog of `tasks` that has taken one lease, so the queue is known to have a backlog. */
  async function backlog(tasks: number, readAhead: { max: number; holdMs: number }): Promise<TestConsumer> {
    await store.enqueue(Array.from({ length: tasks }, () => task()));
    dispatcher = new Dispatcher(store, { readAhead, sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(1);
    dispatcher.add(consumer);
    await turn();
    expect(consumer.received).toHaveLength(1);
    return consumer;
  }

  it('claims ahead on a backlog and hands a freed slot a lease claimed before it was freed', async () => {
    const consumer = await backlog(10, { max: 4, holdMs: 50 });
    consumer.credit = 1;
    const claimedAt = Date.now();
    dispatcher!.poke();
    await turn();
    // That claim took one lease for the stream and one ahead.
    expect(consumer.received).toHaveLength(2);
    expect((await store.stats('q')).leased).toBe(3);
    await vi.advanceTimersByTimeAsync(10);
    const before = claims;
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect(consumer.received).toHaveLength(3);
    // The lease it got was taken about 10 ms before the slot was freed.
    expect(consumer.received[2]!.deadline).toBeLessThanOrEqual(claimedAt + 1 + consumer.leaseMs);
    expect(Date.now()).toBeGreaterThanOrEqual(claimedAt + 11);
    // A claim may follow to top the buffer up, but the lease did not wait for one.
    expect(claims - before).toBeLessThanOrEqual(1);
  });

  it('gives held leases back after the hold, their attempt not counted', async () => {
    const consumer = await backlog(10, { max: 4, holdMs: 20 });
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect((await store.stats('q')).leased).toBe(3);
    // Held for 20 ms, given back; with no demand since, nothing is claimed ahead again.
    await vi.advanceTimersByTimeAsync(100);
    const stats = await store.stats('q');
    expect(stats.leased).toBe(2);
    expect(stats.ready).toBe(8);
    const pending = await store.claim('q', 8, 1000);
    expect(pending.leases.every((l) => l.task.attempt === 1)).toBe(true);
  });

  it('gives every held lease back on close', async () => {
    const consumer = await backlog(10, { max: 4, holdMs: 60_000 });
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect((await store.stats('q')).leased).toBe(3);
    await dispatcher!.close();
    expect((await store.stats('q')).leased).toBe(2);
  });

  it('claims nothing ahead when the queue has no backlog', async () => {
    await store.enqueue([task()]);
    dispatcher = new Dispatcher(store, { readAhead: { max: 4, holdMs: 50 }, sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(1);
    dispatcher.add(consumer);
    await turn();
    await store.enqueue([task(), task()]);
    await turn();
    expect((await store.stats('q')).leased).toBe(1);
    expect((await store.stats('q')).ready).toBe(2);
  });

  it('claims nothing ahead when turned off', async () => {
    const consumer = await backlog(10, { max: 0, holdMs: 50 });
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect((await store.stats('q')).leased).toBe(2);
  });
});

describe('Dispatcher carrying settles', () => {
  it('answers the settles it took even when the store throws at once', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
    await store.enqueue([task()]);
    store.settleAndClaim = () => {
      throw new Error('store broke');
    };
    let results: Promise<SettleResult[]> | undefined;
    const pending: PendingSettles = {
      take: () =>
        results
          ? undefined
          : {
              ops: [{ kind: 'release', taskId: 'x', token: 1 }],
              settled: (r) => {
                // Handled at once, as the settle batcher does; the test reads it below.
                r.catch(() => undefined);
                results = r;
              },
            },
    };
    const dispatcher = new Dispatcher(store, { settles: pending, sweepIntervalMs: 3_600_000 });
    dispatcher.add(new TestConsumer(1));
    await vi.advanceTimersByTimeAsync(1);
    await expect(results).rejects.toThrow('store broke');
    dispatcher.stop();
    await store.close();
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends the settles of the queue with its claim, in one store call', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
    const [done] = await store.enqueue([task(), task()]);
    const { leases } = await store.claim('q', 1, 30_000);
    const calls: string[] = [];
    const settleAndClaim = store.settleAndClaim.bind(store);
    store.settleAndClaim = (...args) => {
      calls.push('settleAndClaim');
      return settleAndClaim(...args);
    };
    const claim = store.claim.bind(store);
    store.claim = (...args) => {
      calls.push('claim');
      return claim(...args);
    };
    let results: Promise<SettleResult[]> | undefined;
    const ops: SettleOp[] = [
      { kind: 'complete', taskId: done!.taskId, token: leases[0]!.token, result: Buffer.alloc(0) },
    ];
    const pending: PendingSettles = {
      take: (queue) =>
        queue === 'q' && !results
          ? {
              ops,
              settled: (r) => {
                results = r;
              },
            }
          : undefined,
    };
    const dispatcher = new Dispatcher(store, { settles: pending, sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(1);
    dispatcher.add(consumer);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toEqual(['settleAndClaim']);
    expect(await results).toEqual([{ status: 'ok' }]);
    expect(consumer.received).toHaveLength(1);
    expect((await store.getTask('q', done!.taskId))?.state).toBe('COMPLETED');
    dispatcher.stop();
    await store.close();
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EnqueueResult, Lease, NewTask } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { newTask } from '../../test/support/new-task.js';
import { silentLogger } from '../telemetry/logger.js';
import { Dispatcher, type Consumer } from './dispatcher.js';

const RETRY = { initialBackoffMs: 1000, maxBackoffMs: 1000, multiplier: 1 };

const task = (queue: string, overrides: Partial<NewTask> = {}): NewTask =>
  newTask(queue, { retry: RETRY, ...overrides });

/** A consumer with a credit counter, recording what it received per queue. */
class TestConsumer implements Consumer {
  readonly received: { queue: string; lease: Lease }[] = [];
  constructor(
    readonly queues: string[],
    public credit: number,
    readonly leaseMs = 30_000,
  ) {}
  capacity(): number {
    return this.credit;
  }
  deliver(queue: string, leases: Lease[]): void {
    if (leases.length > this.credit) throw new Error(`delivered ${leases.length} with credit ${this.credit}`);
    this.credit -= leases.length;
    for (const lease of leases) this.received.push({ queue, lease });
  }
  count(queue: string): number {
    return this.received.filter((r) => r.queue === queue).length;
  }
}

/** Counts claim calls, to show the dispatcher does not poll. */
function counting(store: LeaseStore): { store: LeaseStore; claims: () => number } {
  let claims = 0;
  const claim = store.claim.bind(store);
  store.claim = (...args) => {
    claims++;
    return claim(...args);
  };
  return { store, claims: () => claims };
}

describe('Dispatcher', () => {
  let store: MemoryStore;
  let dispatcher: Dispatcher;

  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
    store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
  });

  afterEach(async () => {
    dispatcher?.stop();
    await store.close();
    vi.useRealTimers();
  });

  // One millisecond: fake timers run immediates queued by earlier immediates only when time moves.
  const settle = () => vi.advanceTimersByTimeAsync(1);

  it('never delivers more than a consumer has credit for, and delivers more as credit grows', async () => {
    dispatcher = new Dispatcher(store);
    await store.enqueue(Array.from({ length: 10 }, () => task('q')));
    const consumer = new TestConsumer(['q'], 3);
    dispatcher.add(consumer);
    await settle();
    expect(consumer.received).toHaveLength(3);
    consumer.credit += 2;
    dispatcher.poke();
    await settle();
    expect(consumer.received).toHaveLength(5);
  });

  /** Holds every store claim until released; counts how many were in flight at once. */
  function heldClaims(): { release(): void; inFlight: () => number; most: () => number; sizes: number[] } {
    const claim = store.claim.bind(store);
    const waiting: (() => void)[] = [];
    const sizes: number[] = [];
    let inFlight = 0;
    let most = 0;
    vi.spyOn(store, 'claim').mockImplementation(async (queue, max, leaseMs) => {
      sizes.push(max);
      most = Math.max(most, ++inFlight);
      await new Promise<void>((resolve) => waiting.push(resolve));
      inFlight--;
      return claim(queue, max, leaseMs);
    });
    return {
      release: () => waiting.splice(0).forEach((resolve) => resolve()),
      inFlight: () => inFlight,
      most: () => most,
      sizes,
    };
  }

  it('drains a backlog with a second claim in flight beside a large one, never a third', async () => {
    dispatcher = new Dispatcher(store, { claimBatch: 32 });
    await store.enqueue(Array.from({ length: 500 }, () => task('q')));
    const consumer = new TestConsumer(['q'], 32);
    dispatcher.add(consumer);
    await settle();
    // The first claim found more than it took: the queue has a backlog.
    expect(consumer.received).toHaveLength(32);
    const held = heldClaims();
    for (let grant = 0; grant < 3; grant++) {
      consumer.credit += 32;
      dispatcher.poke(consumer);
      await settle();
    }
    // A second claim started while the first waits for the store; the third grant waits.
    expect(held.inFlight()).toBe(2);
    expect(held.sizes).toEqual([32, 32]);
    held.release();
    await settle();
    held.release();
    await settle();
    expect(held.most()).toBe(2);
    expect(consumer.received).toHaveLength(32 * 4);
  });

  /** One task, one consumer of 10 s leases, and its first claim answered `ms` after it was asked. */
  async function claimAnsweredAfter(ms: number) {
    const warnings: [string, Record<string, unknown> | undefined][] = [];
    const logger = {
      ...silentLogger,
      warn: (message: string, fields?: Record<string, unknown>) => warnings.push([message, fields]),
    };
    dispatcher = new Dispatcher(store, { logger });
    await store.enqueue([task('q')]);
    const consumer = new TestConsumer(['q'], 1, 10_000);
    const held = heldClaims();
    dispatcher.add(consumer);
    await settle();
    expect(held.inFlight()).toBe(1);
    await vi.advanceTimersByTimeAsync(ms);
    held.release();
    await settle();
    return { consumer, held, warnings };
  }

  it('gives back the leases of a claim answered after half their lease, and delivers the task afresh', async () => {
    // The store answers 5 s after the claim was asked (writes waiting for a replica), the
    // dispatcher hears of it a millisecond later.
    const { consumer, held, warnings } = await claimAnsweredAfter(5_000);
    expect(consumer.received).toHaveLength(0);
    expect(warnings).toEqual([
      [
        expect.stringContaining('its leases went back to the queue') as string,
        { queue: 'q', leases: 1, answered_after_ms: 5_001, lease_ms: 10_000 },
      ],
    ]);
    expect((await store.stats('q')).ready).toBe(1);

    // The lease given back wakes the queue: the next claim, answered at once, delivers it.
    expect(held.inFlight()).toBe(1);
    held.release();
    await settle();
    expect(consumer.received).toHaveLength(1);
    // Given back, not run out: the attempt that was never delivered does not count.
    expect(consumer.received[0]!.lease.task.attempt).toBe(1);
  });

  it('delivers the leases of a claim answered within half their lease', async () => {
    const { consumer, warnings } = await claimAnsweredAfter(4_990);
    expect(consumer.received).toHaveLength(1);
    expect(warnings).toEqual([]);
  });

  it('reads ahead with the first claim in flight only, so what is held stays within --read-ahead', async () => {
    dispatcher = new Dispatcher(store, { claimBatch: 32, readAhead: { max: 8, holdMs: 5 } });
    await store.enqueue(Array.from({ length: 500 }, () => task('q')));
    const consumer = new TestConsumer(['q'], 32);
    dispatcher.add(consumer);
    await settle();
    const held = heldClaims();
    for (let grant = 0; grant < 2; grant++) {
      consumer.credit += 32;
      dispatcher.poke(consumer);
      await settle();
    }
    // The first claim asks for its streams' 32 and up to 8 ahead; the second for 32 alone.
    expect(held.sizes).toHaveLength(2);
    expect(held.sizes[0]).toBeGreaterThan(32);
    expect(held.sizes[0]).toBeLessThanOrEqual(40);
    expect(held.sizes[1]).toBe(32);
    held.release();
    await settle();
    held.release();
    await settle();
  });

  it('asks for as many tasks as the last claim left, not a full batch', async () => {
    dispatcher = new Dispatcher(store, { claimBatch: 32 });
    await store.enqueue(Array.from({ length: 3 }, () => task('q')));
    const first = new TestConsumer(['q'], 1);
    dispatcher.add(first);
    await settle();
    // The claim for one stream took one task and counted two left.
    expect(first.received).toHaveLength(1);
    const held = heldClaims();
    const second = new TestConsumer(['q'], 32);
    dispatcher.add(second);
    await settle();
    expect(held.sizes).toEqual([2]);
    held.release();
    await settle();
    expect(second.received).toHaveLength(2);
  });

  it('keeps one claim in flight for a queue without a backlog', async () => {
    dispatcher = new Dispatcher(store, { claimBatch: 32 });
    const consumer = new TestConsumer(['q'], 100);
    dispatcher.add(consumer);
    await settle();
    const held = heldClaims();
    await store.enqueue(Array.from({ length: 20 }, () => task('q')));
    await settle();
    await store.enqueue(Array.from({ length: 20 }, () => task('q')));
    await settle();
    // The first claim asks for the 20 it heard of; the next 20 wait for it to come back.
    expect(held.sizes).toEqual([20]);
    held.release();
    await settle();
    held.release();
    await settle();
    expect(held.most()).toBe(1);
    expect(consumer.received).toHaveLength(40);
  });

  it('pushes a task enqueued after the consumer waits, without being asked again', async () => {
    dispatcher = new Dispatcher(store);
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    expect(consumer.received).toHaveLength(0);
    const [{ taskId }] = (await store.enqueue([task('q')])) as [EnqueueResult];
    await settle();
    expect(consumer.received.map((r) => r.lease.task.id)).toEqual([taskId]);
  });

  it('deals a consumer its credit round-robin over its queues', async () => {
    dispatcher = new Dispatcher(store);
    await store.enqueue([
      ...Array.from({ length: 10 }, () => task('a')),
      ...Array.from({ length: 10 }, () => task('b')),
    ]);
    const consumer = new TestConsumer(['a', 'b'], 4);
    dispatcher.add(consumer);
    await settle();
    expect(consumer.count('a')).toBe(2);
    expect(consumer.count('b')).toBe(2);
  });

  it('moves on to the queue that has tasks when another is empty', async () => {
    dispatcher = new Dispatcher(store);
    await store.enqueue(Array.from({ length: 5 }, () => task('b')));
    const consumer = new TestConsumer(['a', 'b'], 4);
    dispatcher.add(consumer);
    await vi.advanceTimersByTimeAsync(10);
    expect(consumer.count('b')).toBe(4);
  });

  it('shares a queue fairly between consumers', async () => {
    dispatcher = new Dispatcher(store);
    const consumers = Array.from({ length: 5 }, () => new TestConsumer(['q'], 0));
    for (const c of consumers) dispatcher.add(c);
    await store.enqueue(Array.from({ length: 100 }, () => task('q')));
    // Each round every consumer has room for one task, as a worker at concurrency 1 would.
    for (let round = 0; round < 20; round++) {
      for (const c of consumers) c.credit = 1;
      dispatcher.poke();
      await settle();
    }
    const counts = consumers.map((c) => c.received.length);
    expect(counts.reduce((a, b) => a + b)).toBe(100);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it('claims for the streams waiting here with the enqueue, in the same store call', async () => {
    const { store: counted, claims } = counting(store);
    const combined = vi.spyOn(store, 'enqueueAndClaim');
    dispatcher = new Dispatcher(counted, { sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 2);
    dispatcher.add(consumer);
    await settle();
    const before = claims();
    const results = dispatcher.calls.enqueue([task('q'), task('q'), task('q')]);
    await settle();
    const ids = (await results).map((r) => r.taskId);
    // One lease each per stream: this stream got one with the enqueue, the second came
    // from a pass the claim's `more` asked for.
    expect(combined).toHaveBeenCalledTimes(1);
    expect(combined.mock.calls[0]!.slice(2)).toEqual([1, consumer.leaseMs]);
    expect(consumer.received.map((r) => r.lease.task.id)).toEqual(ids.slice(0, 2));
    expect(claims() - before).toBe(1);
  });

  it('claims with an enqueue while an earlier claim of the queue is still in flight', async () => {
    dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 10);
    dispatcher.add(consumer);
    await settle();
    const held = heldClaims();
    const plain = vi.spyOn(store, 'enqueue');
    const combined = vi.spyOn(store, 'enqueueAndClaim');
    const first = (await store.enqueue([task('q'), task('q')])).map((r) => r.taskId);
    await settle();
    expect(held.inFlight()).toBe(1);
    // The new tasks' claim rides with their enqueue (no call of its own, no wake-up
    // published): it does not wait for the claim in flight to come back.
    const next = dispatcher.calls.enqueue([task('q'), task('q')]);
    await settle();
    expect(plain).toHaveBeenCalledTimes(1); // the direct store.enqueue above only
    expect(combined).toHaveBeenCalledTimes(1);
    // One lease per stream with an enqueue (sync match); the rest goes to a pass.
    expect(combined.mock.calls[0]!.slice(2)).toEqual([1, consumer.leaseMs]);
    const second = (await next).map((r) => r.taskId);
    // A lease before the claim in flight came back (the oldest ready task: this test
    // holds that claim before it reaches the store, so it has not taken its tasks yet).
    expect(consumer.received).toHaveLength(1);
    held.release();
    await settle();
    held.release();
    await settle();
    expect(consumer.received.map((r) => r.lease.task.id).sort()).toEqual([...first, ...second].sort());
  });

  it('frees the room it reserved when the enqueue and its claim fail', async () => {
    dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000, retryDelayMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    const combined = vi
      .spyOn(store, 'enqueueAndClaim')
      .mockImplementationOnce(() => Promise.reject(new Error('store down')));
    const failed = dispatcher.calls.enqueue([task('q')]);
    const seen = expect(failed).rejects.toThrow('store down');
    await settle();
    await seen;
    // The stream's room is free again: the next enqueue claims for it.
    const [next] = await Promise.all([dispatcher.calls.enqueue([task('q')]), settle()]);
    await settle();
    expect(combined).toHaveBeenCalledTimes(2);
    expect(consumer.received.map((r) => r.lease.task.id)).toEqual([next[0]!.taskId]);
  });

  it('enqueues alone when no stream here has room for the queue', async () => {
    const combined = vi.spyOn(store, 'enqueueAndClaim');
    const plain = vi.spyOn(store, 'enqueue');
    dispatcher = new Dispatcher(store);
    dispatcher.add(new TestConsumer(['q'], 0));
    await settle();
    await Promise.all([dispatcher.calls.enqueue([task('q'), task('other')]), settle()]);
    expect(combined).not.toHaveBeenCalled();
    expect(plain.mock.calls.map(([tasks]) => tasks.map((t) => t.queue))).toEqual([['q'], ['other']]);
  });

  it('sets a timer for a delayed task instead of polling', async () => {
    const { store: counted, claims } = counting(store);
    dispatcher = new Dispatcher(counted, { sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    await store.enqueue([task('q', { delayMs: 5_000 })]);
    await settle();
    const before = claims();
    await vi.advanceTimersByTimeAsync(4_900);
    expect(consumer.received).toHaveLength(0);
    expect(claims()).toBe(before);
    await vi.advanceTimersByTimeAsync(100);
    expect(consumer.received).toHaveLength(1);
  });

  it('returns an expired lease to the queue at its deadline, with the backoff', async () => {
    dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000 });
    await store.enqueue([task('q')]);
    const first = new TestConsumer(['q'], 1, 2_000);
    dispatcher.add(first);
    await settle();
    expect(first.received).toHaveLength(1);
    dispatcher.remove(first);
    const second = new TestConsumer(['q'], 1, 2_000);
    dispatcher.add(second);
    // Lease runs out at 2 s; random 0.5 of a 1 s backoff makes it due at 2.5 s.
    await vi.advanceTimersByTimeAsync(2_400);
    expect(second.received).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(200);
    expect(second.received).toHaveLength(1);
    expect(second.received[0]!.lease.task.attempt).toBe(2);
  });

  it('gives back leases claimed for a consumer that left meanwhile, without counting the attempt', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const claim = store.claim.bind(store);
    store.claim = async (...args) => {
      await gate;
      return claim(...args);
    };
    dispatcher = new Dispatcher(store);
    const [{ taskId }] = (await store.enqueue([task('q')])) as [EnqueueResult];
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    dispatcher.remove(consumer);
    release();
    await vi.advanceTimersByTimeAsync(10);
    expect(consumer.received).toHaveLength(0);
    const stored = await store.getTask('q', taskId);
    expect(stored?.state).toBe('PENDING');
    expect(stored?.attempt).toBe(0);
  });

  it('retries a queue after the store failed', async () => {
    let failures = 1;
    const claim = store.claim.bind(store);
    store.claim = (...args) => {
      if (failures-- > 0) return Promise.reject(new Error('store down'));
      return claim(...args);
    };
    dispatcher = new Dispatcher(store, { retryDelayMs: 100 });
    await store.enqueue([task('q')]);
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    expect(consumer.received).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(100);
    expect(consumer.received).toHaveLength(1);
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EnqueueResult, Lease, NewTask } from '../domain/task.js';
import type { LeaseStore } from '../lease-store/lease-store.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { newTask } from '../../test/support/new-task.js';
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

  it('deals the claim of an enqueue it reserved room for, with no claim of its own', async () => {
    const { store: counted, claims } = counting(store);
    dispatcher = new Dispatcher(counted, { sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 2);
    dispatcher.add(consumer);
    await settle();
    const before = claims();
    const sync = dispatcher.reserveForEnqueue('q', 3);
    // One lease each per stream: this stream gets one now, the rest goes to the next pass.
    expect(sync).toMatchObject({ max: 1, leaseMs: consumer.leaseMs });
    const both = store.enqueueAndClaim('q', [task('q'), task('q'), task('q')], sync!.max, sync!.leaseMs);
    sync!.claimed(both.then((r) => r.claim));
    const { results } = await both;
    await settle();
    expect(consumer.received.map((r) => r.lease.task.id)).toEqual([results[0]!.taskId, results[1]!.taskId]);
    // The second lease came from a pass the claim's `more` asked for.
    expect(claims() - before).toBe(1);
  });

  it('frees the room it reserved when the enqueue and its claim fail', async () => {
    dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000, retryDelayMs: 3_600_000 });
    const consumer = new TestConsumer(['q'], 1);
    dispatcher.add(consumer);
    await settle();
    const sync = dispatcher.reserveForEnqueue('q', 1);
    expect(sync).toBeDefined();
    // While the claim is out, nothing more is reserved for the queue.
    expect(dispatcher.reserveForEnqueue('q', 1)).toBeUndefined();
    sync!.claimed(Promise.reject(new Error('store down')));
    await settle();
    expect(dispatcher.reserveForEnqueue('q', 1)).toMatchObject({ max: 1 });
  });

  it('reserves nothing for an enqueue when no stream has room', async () => {
    dispatcher = new Dispatcher(store);
    const consumer = new TestConsumer(['q'], 0);
    dispatcher.add(consumer);
    await settle();
    expect(dispatcher.reserveForEnqueue('q', 1)).toBeUndefined();
    expect(dispatcher.reserveForEnqueue('other', 1)).toBeUndefined();
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

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Lease, NewTask, SettleOp, SettleResult, TaskRecord } from '../domain/task.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { newTask } from '../../test/support/new-task.js';
import { Dispatcher, type Consumer } from './dispatcher.js';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { DispatchTrace } from '../telemetry/dispatch-trace.js';
import { collected } from '../../support/collect-garbage.js';
import { ReadAheadBuffer } from './read-ahead.js';

const task = (overrides: Partial<NewTask> = {}): NewTask => newTask('q', overrides);

class TestConsumer implements Consumer {
  readonly queues = ['q'];
  readonly leaseMs = 30_000;
  readonly received: Lease[] = [];
  /** The dispatch span of each delivery, when the dispatcher traces. */
  readonly dispatches: (DispatchTrace | undefined)[] = [];
  constructor(public credit: number) {}
  capacity(): number {
    return this.credit;
  }
  deliver(_queue: string, leases: Lease[], dispatch?: DispatchTrace): void {
    if (leases.length > this.credit) throw new Error(`delivered ${leases.length} with credit ${this.credit}`);
    this.dispatches.push(dispatch);
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
  async function backlog(
    tasks: number,
    readAhead: { max: number; holdMs: number },
    tracer?: ClaimPathTracer,
  ): Promise<TestConsumer> {
    await store.enqueue(Array.from({ length: tasks }, () => task()));
    dispatcher = new Dispatcher(store, { readAhead, sweepIntervalMs: 3_600_000, tracer });
    const consumer = new TestConsumer(1);
    dispatcher.add(consumer);
    await turn();
    expect(consumer.received).toHaveLength(1);
    return consumer;
  }

  /**
   * A stream that has taken two leases while more are held ahead for the queue, and no
   * credit left; `complete` settles its first lease, as the worker's next message would.
   */
  async function oneHeldAhead(): Promise<{ consumer: TestConsumer; complete: SettleOp }> {
    const consumer = await backlog(10, { max: 4, holdMs: 50 });
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect(consumer.received).toHaveLength(2);
    const first = consumer.received[0]!;
    return {
      consumer,
      complete: { kind: 'complete', taskId: first.task.id, token: first.token, result: Buffer.alloc(0) },
    };
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

  it('refills what it holds once half of it is dealt, while the stream has no room', async () => {
    const consumer = await backlog(30, { max: 4, holdMs: 50 });
    const leased = async () => (await store.stats('q')).leased;
    // The stream takes a few leases at once: the claim for them takes what it took ahead.
    consumer.credit = 6;
    dispatcher!.poke(consumer);
    await turn();
    expect(consumer.received).toHaveLength(7);
    // The stream frees its slots one at a time, each answered from what is held.
    const held: number[] = [];
    const claimsWhileBusy: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = claims;
      consumer.credit = 1;
      dispatcher!.poke(consumer);
      await turn();
      expect(consumer.received).toHaveLength(8 + i);
      expect(consumer.credit).toBe(0);
      claimsWhileBusy.push(claims - before);
      held.push((await leased()) - consumer.received.length);
    }
    // It never ran dry: once half of it was dealt, a claim refilled it though the stream
    // had no room, and only then, not after every lease dealt.
    expect(Math.min(...held)).toBeGreaterThanOrEqual(2);
    const refills = claimsWhileBusy.reduce((a, b) => a + b, 0);
    expect(refills).toBeGreaterThan(0);
    expect(refills).toBeLessThanOrEqual(claimsWhileBusy.length / 2);
  });

  it('sends the store calls of a turn that dealt a held lease after the check phase that writes it', async () => {
    // The worker settles its first lease and grants one credit in the same message.
    const { consumer, complete: op } = await oneHeldAhead();
    const settle = vi.spyOn(store, 'settle');
    const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
    const storeCalls = () => settle.mock.calls.length + settleAndClaim.mock.calls.length;
    // A stream's write leaves the socket at the next check phase: what ran before it there?
    let callsBeforeWrite = -1;
    const deliver = consumer.deliver.bind(consumer);
    consumer.deliver = (queue, leases, dispatch) => {
      deliver(queue, leases, dispatch);
      setImmediate(() => (callsBeforeWrite = storeCalls()));
    };
    // Dealt by the pass (a stream whose credit grew is dealt sooner: the test below).
    consumer.credit = 1;
    dispatcher!.poke();
    const settled = dispatcher!.calls.settle('q', op);
    await turn();
    expect(consumer.received).toHaveLength(3);
    expect(callsBeforeWrite).toBe(0);
    expect(await settled).toEqual<SettleResult>({ status: 'ok' });
    expect(storeCalls()).toBe(1);
  });

  it('deals a held lease to a stream whose credit grew at the end of that task, before the turn', async () => {
    const { consumer, complete } = await oneHeldAhead();
    const settle = vi.spyOn(store, 'settle');
    const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
    const claim = vi.spyOn(store, 'claim');
    // The worker settles its first lease and grants one credit in the same message.
    consumer.credit = 1;
    dispatcher!.poke(consumer);
    const settled = dispatcher!.calls.settle('q', complete);
    expect(consumer.received).toHaveLength(2);
    // Microtasks only: no timer and no check phase ran, and no store call was made.
    await Promise.resolve();
    expect(consumer.received).toHaveLength(3);
    expect(settle.mock.calls.length + settleAndClaim.mock.calls.length + claim.mock.calls.length).toBe(0);
    await turn();
    expect(await settled).toEqual<SettleResult>({ status: 'ok' });
    expect(settle.mock.calls.length + settleAndClaim.mock.calls.length).toBe(1);
  });

  it('gathers the credits a stream grants in one task into one delivery of held leases', async () => {
    const consumer = await backlog(20, { max: 8, holdMs: 50 });
    consumer.credit = 2;
    dispatcher!.poke(consumer);
    await turn();
    expect(consumer.received).toHaveLength(3);
    const held = (await store.stats('q')).leased - consumer.received.length;
    expect(held).toBeGreaterThanOrEqual(2);
    const deliveries = consumer.dispatches.length;
    // Two settle-and-credit messages of one socket read.
    for (let i = 0; i < 2; i++) {
      consumer.credit++;
      dispatcher!.poke(consumer);
    }
    await Promise.resolve();
    expect(consumer.received).toHaveLength(5);
    expect(consumer.dispatches.length).toBe(deliveries + 1);
  });

  it('deals nothing to a stream that ended before the end of the task its credit grew in', async () => {
    const { consumer } = await oneHeldAhead();
    consumer.credit = 1;
    dispatcher!.poke(consumer);
    dispatcher!.remove(consumer);
    await turn();
    expect(consumer.received).toHaveLength(2);
  });

  it('links the dispatch of a lease read ahead to the dispatch whose store claim took it', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const consumer = await backlog(10, { max: 4, holdMs: 50 }, new ClaimPathTracer(provider, 'memory'));
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect(consumer.received).toHaveLength(3);
    const [, claiming, served] = consumer.dispatches.map((d) => d!.span.spanContext().spanId);
    const spans = exporter.getFinishedSpans();
    const byId = (id: string | undefined) => spans.find((s) => s.spanContext().spanId === id);
    // The third lease came from the buffer: its dispatch made no store call of its own.
    const storeClaimUnder = (id: string | undefined) =>
      spans.filter((s) => s.name === 'codeq.store.claim' && s.parentSpanContext?.spanId === id);
    expect(served).not.toBe(claiming);
    expect(storeClaimUnder(served)).toEqual([]);
    expect(byId(served)!.links.map((l) => l.context.spanId)).toEqual([claiming]);
    expect(storeClaimUnder(claiming)).toHaveLength(1);
    await provider.shutdown();
  });

  it('hands out held leases before the tasks an enqueue of the same turn brings', async () => {
    const consumer = await backlog(10, { max: 4, holdMs: 50 });
    consumer.credit = 1;
    dispatcher!.poke();
    await turn();
    expect(consumer.received).toHaveLength(2);
    consumer.credit = 1;
    dispatcher!.poke();
    const [stored] = await Promise.all([dispatcher!.calls.enqueue([task()]), turn()]);
    expect(consumer.received).toHaveLength(3);
    expect(consumer.received[2]!.task.id).not.toBe(stored[0]!.taskId);
    expect((await store.getTask('q', stored[0]!.taskId))?.state).toBe('PENDING');
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
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers the settles it took even when the store throws at once', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
    await store.enqueue([task()]);
    store.settleAndClaim = () => {
      throw new Error('store broke');
    };
    const dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000 });
    dispatcher.add(new TestConsumer(1));
    // Gathered in the same turn as the pass the new stream asked for: the claim carries it.
    const settled = dispatcher.calls.settle('q', { kind: 'release', taskId: 'x', token: 1 });
    const seen = expect(settled).rejects.toThrow('store broke');
    await vi.advanceTimersByTimeAsync(1);
    await seen;
    dispatcher.stop();
    await store.close();
  });

  it('sends the settles of the queue with its claim, in one store call', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const store = new MemoryStore({ clock: () => Date.now(), random: () => 0.5 });
    const [done] = await store.enqueue([task(), task()]);
    const { leases } = await store.claim('q', 1, 30_000);
    const claim = vi.spyOn(store, 'claim');
    const settle = vi.spyOn(store, 'settle');
    const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
    const dispatcher = new Dispatcher(store, { sweepIntervalMs: 3_600_000 });
    const consumer = new TestConsumer(1);
    dispatcher.add(consumer);
    const op: SettleOp = {
      kind: 'complete',
      taskId: done!.taskId,
      token: leases[0]!.token,
      result: Buffer.alloc(0),
    };
    const settled = dispatcher.calls.settle('q', op);
    await vi.advanceTimersByTimeAsync(1);
    expect(settleAndClaim).toHaveBeenCalledTimes(1);
    expect(claim).not.toHaveBeenCalled();
    expect(settle).not.toHaveBeenCalled();
    expect(await settled).toEqual<SettleResult>({ status: 'ok' });
    expect(consumer.received).toHaveLength(1);
    expect((await store.getTask('q', done!.taskId))?.state).toBe('COMPLETED');
    dispatcher.stop();
    await store.close();
  });
});

describe('ReadAheadBuffer', () => {
  const lease = (id: string): Lease => ({ task: { id } as TaskRecord, token: 1, nonce: 'n', deadline: 0 });
  const ids = (leases: readonly Lease[]): string[] => leases.map((l) => l.task.id);

  it('lets go of a lease dealt or expired while others stay held', async () => {
    // Under a backlog the buffer is topped up before it runs dry, so it never empties:
    // what left it must not wait for that to be freed.
    const buffer = new ReadAheadBuffer(30_000, { max: 16, holdMs: 20 });
    buffer.add([lease('a'), lease('b')], 0);
    const dealt = new WeakRef(buffer.take(1, 0)[0]!);
    buffer.add([lease('c')], 10);
    const expired = new WeakRef(buffer.expired(20)[0]!);
    buffer.add([lease('d')], 30);
    expect(await collected(dealt)).toBe(true);
    expect(await collected(expired)).toBe(true);
    expect(buffer.size).toBe(2);
    expect(buffer.nextExpiry).toBe(30);
    expect(ids(buffer.take(5, 30))).toEqual(['c', 'd']);
  });

  it.each([
    { label: 'a steady stream', everyMs: 0.25, pauseEvery: 0, pauseMs: 0 },
    { label: 'a stream that stops 4 ms every 40 leases', everyMs: 0.25, pauseEvery: 40, pauseMs: 4 },
    { label: 'a stream that stops 5 ms every 20 leases', everyMs: 1, pauseEvery: 20, pauseMs: 5 },
  ])('holds no more than $label takes within its hold', ({ everyMs, pauseEvery, pauseMs }) => {
    // One slot with a backlog: the stream takes a lease, and the buffer is refilled as the
    // dispatcher refills it (a claim for the waiting stream when empty, top-ups while busy).
    const buffer = new ReadAheadBuffer(30_000, { max: 256, holdMs: 20 });
    let next = 0;
    let claims = 0;
    const claim = (count: number): Lease[] => {
      claims++;
      return Array.from({ length: count }, () => lease(String(next++)));
    };
    let now = 1_000;
    let gaveBack = 0;
    let taken = 0;
    for (let i = 1; i <= 20_000; i++) {
      now += everyMs + (pauseEvery > 0 && i % pauseEvery === 0 ? pauseMs : 0);
      gaveBack += buffer.expired(now).length;
      if (buffer.size === 0) buffer.add(claim(buffer.room(now)), now);
      taken += buffer.take(1, now).length;
      const extra = buffer.topUp(now);
      if (extra > 0) buffer.add(claim(extra), now);
    }
    expect(taken).toBe(20_000);
    expect(gaveBack).toBe(0);
    // Refilled in claims of many leases, not one at a time.
    expect(next / claims).toBeGreaterThan(4);
  });
});

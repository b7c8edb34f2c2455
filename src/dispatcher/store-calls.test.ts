import { setImmediate as nextMacrotask } from 'node:timers/promises';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EnqueueResult, NewTask, SettleOp } from '../domain/task.js';
import { MemoryStore } from '../lease-store/memory/memory-store.js';
import { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import { newTask } from '../../test/support/new-task.js';
import { StoreCalls, type StoreCallsOptions } from './store-calls.js';

const task = (queue = 'q', overrides: Partial<NewTask> = {}): NewTask => newTask(queue, overrides);

describe('StoreCalls', () => {
  let store: MemoryStore;

  beforeEach(() => {
    store = new MemoryStore();
  });

  afterEach(async () => {
    await store.close();
  });

  /** Owner whose turns ask for the claims `want` names per queue (none by default). */
  function calls(
    want: (queue: string, ready: number) => { max: number; leaseMs: number } | undefined = () => undefined,
    options: StoreCallsOptions = {},
  ) {
    const claims: Promise<unknown>[] = [];
    const seen: Map<string, number>[] = [];
    const owner: StoreCalls = new StoreCalls(store, {
      ...options,
      onTurn: (enqueued) => {
        seen.push(new Map(enqueued));
        for (const queue of new Set([...enqueued.keys(), ...wanted])) {
          const w = want(queue, enqueued.get(queue) ?? 0);
          if (w) claims.push(owner.claim(queue, w.max, w.leaseMs));
        }
      },
    });
    const wanted = new Set<string>();
    return { owner, claims, seen, wanted };
  }

  /** A lease of a task of `queue`, and a complete op for it. */
  async function leased(queue = 'q'): Promise<SettleOp> {
    const [{ taskId }] = (await store.enqueue([task(queue)])) as [EnqueueResult];
    const { leases } = await store.claim(queue, 1, 30_000);
    return { kind: 'complete', taskId, token: leases[0]!.token, result: Buffer.from('r') };
  }

  it("starts all of a turn's store calls inside the store's `together`, when it has one", async () => {
    let inside = false;
    let turns = 0;
    Object.assign(store, {
      together: (send: () => void) => {
        turns++;
        inside = true;
        try {
          send();
        } finally {
          inside = false;
        }
      },
    });
    const seenInside: boolean[] = [];
    const enqueue = store.enqueue.bind(store);
    const settle = store.settle.bind(store);
    vi.spyOn(store, 'enqueue').mockImplementation((tasks) => {
      seenInside.push(inside);
      return enqueue(tasks);
    });
    const op = await leased('s');
    vi.spyOn(store, 'settle').mockImplementation((queue, ops) => {
      seenInside.push(inside);
      return settle(queue, ops);
    });
    seenInside.length = 0;
    const { owner } = calls();
    await Promise.all([owner.enqueue([task('a')]), owner.enqueue([task('b')]), owner.settle('s', op)]);
    expect(seenInside).toEqual([true, true, true]);
    expect(turns).toBe(1);
  });

  it("gathers one turn's enqueues of a queue into one store call, each caller getting its own results", async () => {
    const enqueue = vi.spyOn(store, 'enqueue');
    const { owner, seen } = calls();
    const a = owner.enqueue([task(), task()]);
    const b = owner.enqueue([task('q', { delayMs: 60_000 })]);
    const c = owner.enqueue([task()]);
    const [ra, rb, rc] = await Promise.all([a, b, c]);
    expect(enqueue).toHaveBeenCalledTimes(1);
    expect(enqueue.mock.calls[0]![0]).toHaveLength(4);
    expect([ra.length, rb.length, rc.length]).toEqual([2, 1, 1]);
    expect(new Set([...ra, ...rb, ...rc].map((r) => r.taskId)).size).toBe(4);
    expect((await store.getTask('q', rb[0]!.taskId))?.state).toBe('SCHEDULED');
    // The turn told the dispatcher of the ready tasks only.
    expect(seen).toEqual([new Map([['q', 3]])]);
  });

  it('splits a turn at the most calls one store call carries', async () => {
    const enqueue = vi.spyOn(store, 'enqueue');
    const { owner } = calls(undefined, { maxEnqueueCalls: 2 });
    await Promise.all([owner.enqueue([task()]), owner.enqueue([task()]), owner.enqueue([task()])]);
    expect(enqueue.mock.calls.map(([tasks]) => tasks.length)).toEqual([2, 1]);
  });

  it("puts a call's tasks of several queues back in request order", async () => {
    const enqueue = vi.spyOn(store, 'enqueue');
    const { owner } = calls();
    const results = await owner.enqueue([task('a'), task('b'), task('a')]);
    expect(enqueue).toHaveBeenCalledTimes(2);
    const queues = await Promise.all(
      results.map(async (r, i) => (await store.getTask(i === 1 ? 'b' : 'a', r.taskId))?.queue),
    );
    expect(queues).toEqual(['a', 'b', 'a']);
  });

  it("keeps a failure within its queue: another queue's callers are served", async () => {
    const enqueue = store.enqueue.bind(store);
    vi.spyOn(store, 'enqueue').mockImplementation((tasks) =>
      tasks[0]!.queue === 'bad' ? Promise.reject(new Error('bad queue')) : enqueue(tasks),
    );
    const { owner } = calls();
    const bad = owner.enqueue([task('bad')]);
    const mixed = owner.enqueue([task('good'), task('bad')]);
    const good = owner.enqueue([task('good')]);
    await expect(bad).rejects.toThrow('bad queue');
    await expect(mixed).rejects.toThrow('bad queue');
    expect(await good).toHaveLength(1);
    expect((await store.stats('good')).ready).toBe(2);
  });

  it('sends a claim asked for in a turn with the queue’s enqueues, and its settles alone', async () => {
    const op = await leased();
    const combined = vi.spyOn(store, 'enqueueAndClaim');
    const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
    const settle = vi.spyOn(store, 'settle');
    const { owner, claims } = calls((_queue, ready) => (ready > 0 ? { max: 5, leaseMs: 10_000 } : undefined));
    const settled = owner.settle('q', op);
    const [results] = await Promise.all([owner.enqueue([task(), task()]), settled]);
    expect(combined).toHaveBeenCalledTimes(1);
    expect(combined.mock.calls[0]!.slice(2)).toEqual([5, 10_000]);
    expect(settleAndClaim).not.toHaveBeenCalled();
    expect(settle).toHaveBeenCalledTimes(1);
    expect(await settled).toEqual({ status: 'ok' });
    const [claim] = (await Promise.all(claims)) as [{ leases: { task: { id: string } }[] }];
    expect(claim.leases.map((l) => l.task.id)).toEqual(results.map((r) => r.taskId));
  });

  it('sends a claim with the queue’s settles when it has no enqueue, and the rest of them alone', async () => {
    const ops = [await leased(), await leased(), await leased()];
    await store.enqueue([task()]);
    const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
    const settle = vi.spyOn(store, 'settle');
    const claim = vi.spyOn(store, 'claim');
    const { owner, claims, wanted } = calls(() => ({ max: 1, leaseMs: 10_000 }), { maxSettles: 2 });
    wanted.add('q');
    const results = await Promise.all(ops.map((op) => owner.settle('q', op)));
    expect(results).toEqual([{ status: 'ok' }, { status: 'ok' }, { status: 'ok' }]);
    expect(settleAndClaim.mock.calls.map(([, list, max]) => [list.length, max])).toEqual([[2, 1]]);
    expect(settle.mock.calls.map(([, list]) => list.length)).toEqual([1]);
    expect(claim).not.toHaveBeenCalled();
    const [claimed] = (await Promise.all(claims)) as [{ leases: unknown[] }];
    expect(claimed.leases).toHaveLength(1);
  });

  it('sends a claim alone when the queue gathered nothing, and at once outside a turn', async () => {
    await store.enqueue([task(), task()]);
    const claim = vi.spyOn(store, 'claim');
    const { owner, claims, wanted } = calls(() => ({ max: 1, leaseMs: 10_000 }));
    wanted.add('q');
    owner.requestTurn();
    await nextMacrotask();
    expect(claim).toHaveBeenCalledTimes(1);
    expect(((await claims[0]) as { leases: unknown[] }).leases).toHaveLength(1);
    // A reap from a timer does not wait for a turn.
    const reap = owner.claim('q', 0, 10_000);
    expect(claim).toHaveBeenCalledTimes(2);
    expect((await reap).leases).toEqual([]);
  });

  it('answers the settles a claim carried with the store’s error when that call fails', async () => {
    const op = await leased();
    vi.spyOn(store, 'settleAndClaim').mockImplementation(() =>
      Promise.reject(new Error('settle and claim failed')),
    );
    const { owner, claims, wanted } = calls(() => ({ max: 1, leaseMs: 10_000 }));
    wanted.add('q');
    const settled = owner.settle('q', op);
    await expect(settled).rejects.toThrow('settle and claim failed');
    await expect(claims[0]).rejects.toThrow('settle and claim failed');
    // Nothing was applied: the lease is still held.
    expect((await store.getTask('q', op.taskId))?.state).toBe('LEASED');
  });

  it('times the settles a claim carried under their own settle batch span', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    const op = await leased();
    const { owner, wanted } = calls(() => ({ max: 1, leaseMs: 10_000 }), {
      tracer: new ClaimPathTracer(provider, 'memory'),
    });
    wanted.add('q');
    await owner.settle('q', op);
    const spans = exporter.getFinishedSpans();
    const batch = spans.find((s) => s.name === 'codeq.settle.batch');
    const settle = spans.find((s) => s.name === 'codeq.store.settle');
    expect(batch).toBeDefined();
    expect(settle?.parentSpanContext?.spanId).toBe(batch!.spanContext().spanId);
    await provider.shutdown();
  });

  it("sends a turn's store calls after the next check phase when its pass wrote leases, at once otherwise", async () => {
    // What the turn writes to a stream leaves the socket at the loop's next check phase;
    // an immediate set during the turn runs there too, so it sees whether the store call
    // went ahead of the writes.
    const seenAtNextCheck = async (wroteLeases: boolean): Promise<number> => {
      const settle = vi.spyOn(store, 'settle');
      let seen = -1;
      const owner = new StoreCalls(store, {
        onTurn: () => {
          setImmediate(() => (seen = settle.mock.calls.length));
          return wroteLeases;
        },
      });
      await owner.settle('q', await leased());
      await nextMacrotask();
      expect(settle).toHaveBeenCalledTimes(1);
      settle.mockRestore();
      return seen;
    };
    expect(await seenAtNextCheck(true)).toBe(0);
    expect(await seenAtNextCheck(false)).toBe(1);
  });

  describe('settles held over while the queue is served from read-ahead', () => {
    const HOLD_MS = 50;

    /**
     * An owner that holds settles which may wait while `ahead` says so, with `store.settle`
     * and `settleAndClaim` watched; its turns ask for a claim of each queue in `wanted`
     * once `claiming` is set.
     */
    function holding(ahead = true) {
      vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
      const settle = vi.spyOn(store, 'settle');
      const settleAndClaim = vi.spyOn(store, 'settleAndClaim');
      const want = { claiming: false };
      const made = calls(() => (want.claiming ? { max: 1, leaseMs: 10_000 } : undefined), {
        settleHoldMs: HOLD_MS,
        dealingAhead: () => ahead,
      });
      /** Lets a few turns run (they are immediates, which the fake timers leave alone). */
      const turns = async (): Promise<void> => {
        for (let i = 0; i < 4; i++) await nextMacrotask();
      };
      const sizes = (): number[] => settle.mock.calls.map(([, ops]) => ops.length);
      return { ...made, want, settleAndClaim, turns, sizes };
    }

    afterEach(() => {
      vi.useRealTimers();
    });

    it('sends the settles of several turns in one store call when the hold ends', async () => {
      const ops = [await leased(), await leased()];
      const { owner, turns, sizes } = holding();
      const first = owner.settle('q', ops[0]!, true);
      await turns();
      const second = owner.settle('q', ops[1]!, true);
      await turns();
      expect(sizes()).toEqual([]);
      vi.advanceTimersByTime(HOLD_MS);
      await turns();
      expect(sizes()).toEqual([2]);
      expect(await Promise.all([first, second])).toEqual([{ status: 'ok' }, { status: 'ok' }]);
    });

    it('sends what it held with a settle whose caller waits for the answer', async () => {
      const ops = [await leased(), await leased()];
      const { owner, turns, sizes } = holding();
      const held = owner.settle('q', ops[0]!, true);
      await turns();
      expect(sizes()).toEqual([]);
      const waited = owner.settle('q', ops[1]!);
      await turns();
      expect(sizes()).toEqual([2]);
      expect(await Promise.all([held, waited])).toEqual([{ status: 'ok' }, { status: 'ok' }]);
    });

    it("lets held settles ride with the queue's next claim", async () => {
      const op = await leased();
      await store.enqueue([task()]);
      const { owner, claims, wanted, want, turns, sizes, settleAndClaim } = holding();
      const held = owner.settle('q', op, true);
      await turns();
      wanted.add('q');
      want.claiming = true;
      owner.requestTurn();
      await turns();
      expect(settleAndClaim.mock.calls.map(([, ops, max]) => [ops.length, max])).toEqual([[1, 1]]);
      expect(sizes()).toEqual([]);
      expect(await held).toEqual({ status: 'ok' });
      const [claimed] = (await Promise.all(claims)) as [{ leases: unknown[] }];
      expect(claimed.leases).toHaveLength(1);
    });

    it('gives a settle held after others left with a claim a hold of its own', async () => {
      const ops = [await leased(), await leased()];
      await store.enqueue([task()]);
      const { owner, wanted, want, turns, sizes, settleAndClaim } = holding();
      const rode = owner.settle('q', ops[0]!, true);
      await turns();
      vi.advanceTimersByTime(HOLD_MS / 2);
      wanted.add('q');
      want.claiming = true;
      owner.requestTurn();
      await turns();
      expect(settleAndClaim.mock.calls.map(([, o]) => o.length)).toEqual([1]);
      expect(await rode).toEqual({ status: 'ok' });
      // Nothing is held now: the hold's timer stopped with the settle it was armed for.
      expect(vi.getTimerCount()).toBe(0);
      want.claiming = false;
      const later = owner.settle('q', ops[1]!, true);
      await turns();
      vi.advanceTimersByTime(HOLD_MS / 2);
      await turns();
      expect(sizes()).toEqual([]);
      vi.advanceTimersByTime(HOLD_MS / 2);
      await turns();
      expect(sizes()).toEqual([1]);
      expect(await later).toEqual({ status: 'ok' });
    });

    it('sends them once a queue gathered many, without waiting out the hold', async () => {
      const ops = await Promise.all(Array.from({ length: 64 }, () => leased()));
      const { owner, turns, sizes } = holding();
      const settled = ops.map((op) => owner.settle('q', op, true));
      await turns();
      expect(sizes()).toEqual([64]);
      expect(new Set((await Promise.all(settled)).map((r) => r.status))).toEqual(new Set(['ok']));
    });

    it('sends at once when the queue is not served from read-ahead', async () => {
      const { owner, sizes } = holding(false);
      expect(await owner.settle('q', await leased(), true)).toEqual({ status: 'ok' });
      expect(sizes()).toEqual([1]);
    });
  });
});

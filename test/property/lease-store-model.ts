import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EnqueueResult, NewTask, SettleOp, TaskRecord, TaskState } from '../../src/domain/task.js';
import type { ClaimResult, LeaseStore } from '../../src/lease-store/lease-store.js';
import type { StoreOptions } from '../../src/lease-store/store-options.js';
import { FakeClock } from '../support/fake-clock.js';
import { FAIRNESS_KEYS, FairShareModel } from './fair-model.js';
import { ReferenceModel, type JitterSource, type ModelTask } from './reference-model.js';

/**
 * Picks a task of the op's queue and a lease of it. `leased` prefers tasks the model holds
 * as LEASED (expired or not), since random picks among all tasks rarely hit a live lease;
 * otherwise any task, now and then one that does not exist.
 */
interface Target {
  leased: boolean;
  pick: number;
  /** 0: the latest lease; -1: the one before (stale once re-leased); +1: one never issued. */
  tokenDelta: number;
}

/** Stores tasks, each in the queue it names. */
interface EnqueueOp {
  t: 'enqueue';
  tasks: {
    q: number;
    priority: number;
    delayMs: number;
    maxAttempts: number;
    retry: number;
    key: string;
    /** The fairness key; absent in examples pinned before fair shares: ''. */
    fk?: string;
  }[];
}

/** One step of a generated sequence; exported so a counterexample can be pinned in `examples`. */
export type Op =
  | EnqueueOp
  | {
      /** enqueueAndClaim: tasks of one queue stored, then a claim of it, in one store call. */
      t: 'enqueueClaim';
      q: number;
      tasks: Omit<EnqueueOp['tasks'][number], 'q'>[];
      credit: number;
      leaseMs: number;
    }
  | { t: 'config'; q: number; maxLeasedPerKey: number }
  | { t: 'claim'; q: number; credit: number; leaseMs: number }
  | {
      t: 'settle';
      q: number;
      ops: {
        target: Target;
        kind: SettleOp['kind'];
        retryDelayMs: number | undefined;
        permanent: boolean;
        extensionMs: number;
      }[];
    }
  | { t: 'abandon'; q: number; targets: Target[]; graceMs: number }
  | { t: 'cancel'; q: number; target: Target }
  | { t: 'advance'; ms: number };

const RETRIES = [
  { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 },
  { initialBackoffMs: 100, maxBackoffMs: 1000, multiplier: 2 },
  { initialBackoffMs: 1000, maxBackoffMs: 5000, multiplier: 3 },
];
const FINISHED = new Set<TaskState>(['COMPLETED', 'DEAD', 'CANCELLED']);
const UNKNOWN_ID = 'AAAAAAAAAAAAAAAA';
const IDEMPOTENCY_WINDOW_MS = 3000;

const queueArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(1) });
const targetArb = fc.record({
  leased: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  pick: fc.nat(),
  tokenDelta: fc.constantFrom(0, 0, 0, -1, 1),
});
const newTaskArb = fc.record({
  priority: fc.constantFrom(0, 1, 9),
  delayMs: fc.constantFrom(0, 0, 100, 1000),
  maxAttempts: fc.integer({ min: 1, max: 4 }),
  retry: fc.integer({ min: 0, max: RETRIES.length - 1 }),
  key: fc.constantFrom('', '', '', 'k1', 'k2'),
  fk: fc.constantFrom(...FAIRNESS_KEYS),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('enqueue' as const),
      tasks: fc.array(
        newTaskArb.chain((task) => queueArb.map((q) => ({ ...task, q }))),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    // Mostly one task, as a producer's call usually is.
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('enqueueClaim' as const),
      q: queueArb,
      tasks: fc.oneof(
        { weight: 3, arbitrary: fc.array(newTaskArb, { minLength: 1, maxLength: 1 }) },
        { weight: 1, arbitrary: fc.array(newTaskArb, { minLength: 1, maxLength: 3 }) },
      ),
      credit: fc.integer({ min: 0, max: 3 }),
      leaseMs: fc.constantFrom(100, 1000, 5000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('claim' as const),
      q: queueArb,
      credit: fc.integer({ min: 0, max: 4 }),
      leaseMs: fc.constantFrom(100, 1000, 5000),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      q: queueArb,
      ops: fc.array(
        fc.record({
          target: targetArb,
          kind: fc.constantFrom('complete' as const, 'fail' as const, 'extend' as const, 'release' as const),
          retryDelayMs: fc.constantFrom(undefined, 0, 500),
          permanent: fc.boolean(),
          extensionMs: fc.constantFrom(100, 2000),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('abandon' as const),
      q: queueArb,
      targets: fc.array(targetArb, { minLength: 1, maxLength: 3 }),
      graceMs: fc.constantFrom(0, 50, 2000),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancel' as const), q: queueArb, target: targetArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('config' as const),
      q: queueArb,
      maxLeasedPerKey: fc.constantFrom(0, 1, 2),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 50, 100, 500, 1000, 3000),
    }),
  },
);

/** Runs one op sequence against a store and the model, failing at the first disagreement. */
class Run {
  readonly #queues: [string, string];
  readonly #model: ReferenceModel;
  readonly #fair = new FairShareModel();
  /** Tasks the last op may have changed; only these are read back after it. */
  readonly #touched = new Set<ModelTask>();
  #serial = 0;

  constructor(
    readonly store: LeaseStore,
    readonly clock: FakeClock,
    jitter: JitterSource,
    runId: string,
  ) {
    this.#queues = [`prop-${runId}-a`, `prop-${runId}-b`];
    this.#model = new ReferenceModel(jitter, IDEMPOTENCY_WINDOW_MS);
  }

  /** The tasks of an enqueue op, with payloads no other op has. */
  #newTasks(tasks: EnqueueOp['tasks']): NewTask[] {
    const made = tasks.map((t, i) => ({
      queue: this.#queues[t.q]!,
      payload: Buffer.from(`p${this.#serial}-${i}`),
      priority: t.priority,
      delayMs: t.delayMs,
      maxAttempts: t.maxAttempts,
      retry: RETRIES[t.retry]!,
      idempotencyKey: t.key,
      headers: {},
      fairnessKey: t.fk ?? '',
    }));
    this.#serial++;
    return made;
  }

  /** Checks an enqueue's results against the model and adds the new tasks to it. */
  #enqueued(op: Op, tasks: NewTask[], results: EnqueueResult[], now: number): void {
    const model = this.#model;
    expect(results).toHaveLength(tasks.length);
    for (const [i, task] of tasks.entries()) {
      const r = results[i]!;
      const first = model.duplicateOf(task.queue, task.idempotencyKey, now);
      expect(r, `enqueue #${i} of ${JSON.stringify(op)}`).toEqual({
        taskId: first ?? r.taskId,
        duplicate: first !== undefined,
      });
      if (first !== undefined) continue;
      expect(model.get(r.taskId), 'a new task got a fresh id').toBeUndefined();
      model.add(
        {
          ...task,
          id: r.taskId,
          payload: task.payload.toString(),
          fairnessKey: task.fairnessKey ?? '',
          attempt: 0,
          token: 0,
          deadline: 0,
          cancelRequested: false,
          lastError: '',
          result: '',
          settled: undefined,
        },
        task.idempotencyKey,
        task.delayMs,
        now,
      );
      this.#touched.add(model.get(r.taskId)!);
    }
  }

  /** Checks a claim of `queue` against the model (maintenance, fair order, credit) and applies its leases. */
  #claimed(queue: string, result: ClaimResult, credit: number, leaseMs: number, now: number): void {
    const model = this.#model;
    const { leases, nextDueInMs, more } = result;
    // Maintenance may change any unfinished task of the queue.
    for (const t of model.tasks) if (t.queue === queue && !FINISHED.has(t.state)) this.#touched.add(t);
    model.beginCall();
    model.maintain(queue, now);
    this.#fair.refresh(model, queue);
    for (const lease of leases) {
      const t = model.get(lease.task.id);
      const claimable = this.#fair.claimable(model, queue);
      expect(t && claimable.includes(t), `claim returned a task it may not take: ${lease.task.id}`).toBe(
        true,
      );
      this.#fair.onLease(t!, claimable);
      const earlierToken = t!.token;
      model.lease(t!, now, leaseMs);
      expect(lease.token, 'every lease has a token above all earlier ones').toBeGreaterThan(earlierToken);
      expect(lease).toMatchObject({ token: t!.token, deadline: t!.deadline });
      expect(lease.task).toMatchObject({
        queue,
        state: 'LEASED',
        attempt: t!.attempt,
        priority: t!.priority,
        maxAttempts: t!.maxAttempts,
      });
      // A lease carries the task as stored, however the store read it.
      expect(lease.task.payload.toString(), 'the lease carries the payload').toBe(t!.payload);
      expect(lease.task.fairnessKey ?? '', 'the lease carries the fairness key').toBe(t!.fairnessKey);
    }
    const left = this.#fair.claimable(model, queue).length;
    if (leases.length < credit) expect(left, 'a claim takes min(credit, claimable tasks)').toBe(0);
    expect(nextDueInMs, 'nextDueInMs').toBe(model.nextDueInMs(queue, now));
    expect(more, 'more: claimable tasks left after the claim').toBe(left > 0);
  }

  async apply(op: Op): Promise<void> {
    const now = this.clock.now();
    const model = this.#model;
    switch (op.t) {
      case 'advance':
        this.clock.advance(op.ms);
        return;

      case 'enqueue': {
        const tasks = this.#newTasks(op.tasks);
        this.#enqueued(op, tasks, await this.store.enqueue(tasks), now);
        return;
      }

      case 'enqueueClaim': {
        const queue = this.#queues[op.q]!;
        const tasks = this.#newTasks(op.tasks.map((t) => ({ ...t, q: op.q })));
        const { results, claim } = await this.store.enqueueAndClaim(queue, tasks, op.credit, op.leaseMs);
        this.#enqueued(op, tasks, results, now);
        this.#claimed(queue, claim, op.credit, op.leaseMs, now);
        return;
      }

      case 'claim': {
        const queue = this.#queues[op.q]!;
        this.#claimed(
          queue,
          await this.store.claim(queue, op.credit, op.leaseMs),
          op.credit,
          op.leaseMs,
          now,
        );
        return;
      }

      case 'config': {
        const queue = this.#queues[op.q]!;
        await this.store.setConfig(queue, { maxLeasedPerKey: op.maxLeasedPerKey, maxClaimsPerSecond: 0 });
        this.#fair.limits.set(queue, op.maxLeasedPerKey);
        return;
      }

      case 'settle': {
        const queue = this.#queues[op.q]!;
        const ops: SettleOp[] = op.ops.map((o) => {
          const { taskId, token } = this.#target(queue, o.target);
          switch (o.kind) {
            case 'complete':
              return { kind: o.kind, taskId, token, result: Buffer.from(`r${this.#serial++}`) };
            case 'fail':
              return {
                kind: o.kind,
                taskId,
                token,
                error: `e${this.#serial++}`,
                retryDelayMs: o.retryDelayMs,
                permanent: o.permanent,
              };
            case 'extend':
              return { kind: o.kind, taskId, token, extensionMs: o.extensionMs };
            case 'release':
              return { kind: o.kind, taskId, token };
          }
        });
        const results = await this.store.settle(queue, ops);
        expect(results).toHaveLength(ops.length);
        model.beginCall();
        for (const [i, sop] of ops.entries()) {
          const before = model.get(sop.taskId);
          if (before !== undefined) this.#touched.add(before);
          const wasCompletedBy = before?.state === 'COMPLETED' ? before.settled?.token : undefined;
          const expected = model.settle(queue, sop, now);
          const actual = results[i]!;
          expect(actual.status, `settle ${JSON.stringify({ ...sop, result: undefined })}`).toBe(
            expected.status,
          );
          if (expected.deadline !== undefined)
            expect(actual).toEqual({ status: 'ok', deadline: expected.deadline });
          if (sop.kind === 'complete' && wasCompletedBy !== undefined && sop.token !== wasCompletedBy) {
            expect(actual.status, 'a COMPLETED task is never completed again by another lease').not.toBe(
              'ok',
            );
          }
        }
        return;
      }

      case 'abandon': {
        const queue = this.#queues[op.q]!;
        const refs = op.targets.map((t) => this.#target(queue, t));
        await this.store.abandon(queue, refs, op.graceMs);
        for (const ref of refs) {
          const t = model.get(ref.taskId);
          if (t !== undefined && t.queue === queue) model.abandon(t, ref.token, op.graceMs, now);
        }
        return;
      }

      case 'cancel': {
        const queue = this.#queues[op.q]!;
        const { taskId } = this.#target(queue, op.target);
        const t = model.get(taskId);
        if (t !== undefined) this.#touched.add(t);
        const expected = model.cancel(t?.queue === queue ? t : undefined);
        expect(await this.store.cancel(queue, taskId), `cancel ${taskId}`).toBe(expected);
        return;
      }
    }
  }

  /**
   * Reads back the tasks the last op touched, or with `all` every task the model knows:
   * each must be stored exactly as the model says, so nothing is lost and nothing extra done.
   */
  async verify(all = false): Promise<void> {
    const tasks = all ? this.#model.tasks : [...this.#touched];
    this.#touched.clear();
    const stored = await Promise.all(tasks.map((t) => this.store.getTask(t.queue, t.id)));
    for (const [i, t] of tasks.entries()) {
      this.#check(t, stored[i] ?? null);
    }
    for (const queue of this.#queues) {
      this.#fair.refresh(this.#model, queue);
      await this.#fair.checkStore(this.store, this.#model, queue);
    }
  }

  #check(t: ModelTask, stored: TaskRecord | null): void {
    expect(stored, `task ${t.id} was lost`).not.toBeNull();
    const { state, attempt, lastError, payload, result } = stored!;
    expect(
      { state, attempt, lastError, payload: payload.toString(), result: result.toString() },
      `task ${t.id}`,
    ).toEqual({
      state: t.state,
      attempt: t.attempt,
      lastError: t.lastError,
      payload: t.payload,
      result: t.result,
    });
  }

  #target(queue: string, target: Target): { taskId: string; token: number } {
    const inQueue = this.#model.tasks.filter((t: ModelTask) => t.queue === queue);
    const leased = inQueue.filter((t) => t.state === 'LEASED');
    const t =
      target.leased && leased.length > 0
        ? leased[target.pick % leased.length]
        : target.pick % 5 === 0
          ? undefined
          : inQueue[target.pick % inQueue.length];
    if (t === undefined) return { taskId: UNKNOWN_ID, token: 1 };
    return { taskId: t.id, token: Math.max(1, t.token + target.tokenDelta) };
  }
}

let runCounter = 0;
const runTag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/**
 * Registers a fast-check property: random sequences of enqueue (with fairness keys),
 * enqueue-and-claim, claim (with random credit), complete / fail / extend / release of
 * held and stale leases, abandon, cancel, per-key limit changes and clock advances, run
 * against a store and against a naive reference model of docs/lease-store-semantics.md.
 * After every step each task must read exactly as the model says, and the store's per-key
 * counts as the model's. Among what that covers: no task is lost, none completes twice, a
 * claim never exceeds its credit, tokens only grow, stale tokens are always refused, no key
 * exceeds its limit and no key starves (fair-model.ts). The rate limit (max_claims_per_second),
 * over several replicas at once, has a property of its own: rate-limit-model.ts.
 */
export function runLeaseStoreProperty(
  name: string,
  makeStore: (options: StoreOptions) => Promise<LeaseStore>,
  dispose: (store: LeaseStore) => Promise<void>,
  {
    numRuns,
    examples = [],
    jitter,
  }: {
    numRuns: number;
    examples?: [random: number, ops: Op[]][];
    /** How the store turns its constant `random` option into backoff jitter. */
    jitter: (random: number) => JitterSource;
  },
): void {
  describe(name, () => {
    it('agrees with the reference model on random operation sequences', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(0, 0.3, 0.5, 0.999),
          fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }),
          async (random, ops) => {
            const clock = new FakeClock();
            const store = await makeStore({
              clock: clock.now,
              random: () => random,
              idempotencyWindowMs: IDEMPOTENCY_WINDOW_MS,
            });
            try {
              const run = new Run(store, clock, jitter(random), `${runTag}-${++runCounter}`);
              for (const op of ops) {
                await run.apply(op);
                await run.verify();
              }
              await run.verify(true);
            } finally {
              await dispose(store);
            }
          },
        ),
        // Shrinking against a networked store can take a while; report the best
        // counterexample found rather than a bare test timeout.
        { numRuns, examples, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
      );
    }, 120_000);
  });
}

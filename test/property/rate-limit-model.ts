import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Lease, SettleOp } from '../../src/domain/task.js';
import type { ClaimResult, LeaseStore } from '../../src/lease-store/lease-store.js';
import type { StoreOptions } from '../../src/lease-store/store-options.js';
import { FakeClock } from '../support/fake-clock.js';
import { newTask } from '../support/new-task.js';
import { FAIRNESS_KEYS } from './fair-model.js';

/** How a claim reaches the store: the claim script alone, or the settle-and-claim one with no ops. */
type Via = 'claim' | 'settleClaim';

/** One step of a generated sequence; exported so a counterexample can be pinned in `examples`. */
export type RateOp =
  | { t: 'enqueue'; replica: number; keys: string[] }
  | { t: 'config'; replica: number; maxClaimsPerSecond: number; maxLeasedPerKey: number }
  /** Claims on several replicas at once, at one instant: Redis runs them in some order. */
  | { t: 'claims'; calls: { replica: number; credit: number; leaseMs: number; via: Via }[] }
  | { t: 'enqueueClaim'; replica: number; keys: string[]; credit: number; leaseMs: number }
  | {
      t: 'settle';
      replica: number;
      ops: { pick: number; kind: 'complete' | 'fail' | 'release' | 'extend' }[];
    }
  | { t: 'advance'; ms: number };

const replicaArb = fc.nat({ max: 2 });
const keysArb = fc.array(fc.constantFrom(...FAIRNESS_KEYS), { minLength: 1, maxLength: 5 });
const leaseMsArb = fc.constantFrom(100, 1000, 5000);
const rateOpArb: fc.Arbitrary<RateOp> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('enqueue' as const), replica: replicaArb, keys: keysArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('config' as const),
      replica: replicaArb,
      maxClaimsPerSecond: fc.constantFrom(0, 1, 3, 10),
      maxLeasedPerKey: fc.constantFrom(0, 0, 1, 2),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('claims' as const),
      calls: fc.array(
        fc.record({
          replica: replicaArb,
          credit: fc.integer({ min: 0, max: 6 }),
          leaseMs: leaseMsArb,
          via: fc.constantFrom('claim' as const, 'claim' as const, 'settleClaim' as const),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('enqueueClaim' as const),
      replica: replicaArb,
      keys: keysArb,
      credit: fc.integer({ min: 1, max: 6 }),
      leaseMs: leaseMsArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('settle' as const),
      replica: replicaArb,
      ops: fc.array(
        fc.record({
          pick: fc.nat(),
          kind: fc.constantFrom('complete' as const, 'fail' as const, 'release' as const, 'extend' as const),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('advance' as const),
      ms: fc.constantFrom(1, 50, 250, 400, 1000, 2500),
    }),
  },
);

/**
 * The queue's token bucket as the contract states it, kept by the test: one second's
 * worth of leases (`max_claims_per_second`), full when the config is set, refilled
 * continuously, in thousandths of a lease so that every step is exact.
 */
class BucketModel {
  #tokens: number;
  #at: number;

  constructor(
    readonly perSecond: number,
    now: number,
  ) {
    this.#tokens = perSecond * 1000;
    this.#at = now;
  }

  /** Whole leases the budget holds at `now`. */
  leasesAt(now: number): number {
    this.#refill(now);
    return Math.floor(this.#tokens / 1000);
  }

  /** Spends `n` leases at `now`; returns the ms until the budget holds one again (0: it does). */
  spend(now: number, n: number): number {
    this.#refill(now);
    this.#tokens -= n * 1000;
    return this.#tokens >= 1000 ? 0 : Math.ceil((1000 - this.#tokens) / this.perSecond);
  }

  #refill(now: number): void {
    this.#tokens = Math.min(this.perSecond * 1000, this.#tokens + (now - this.#at) * this.perSecond);
    this.#at = now;
  }
}

/** What a store test hands the property: replicas over one shared state, and a view of that state. */
export interface RateLimitFixture {
  /** Replicas sharing one state (one Redis); the memory store passes one store three times. */
  replicas: readonly LeaseStore[];
  /**
   * Leases ever issued on `queue`, read from the store's own state (the Redis store: the
   * fencing tokens in its task hashes), not from what the test was handed; undefined when
   * the store has no such state to read.
   */
  leasesIssued?: (queue: string) => Promise<number>;
  close(): Promise<void>;
}

/** Runs one op sequence against the replicas, failing at the first broken rule. */
class RateRun {
  readonly #clock: FakeClock;
  readonly #fixture: RateLimitFixture;
  readonly #queue: string;
  /** Leases the test holds: what settles pick from (expired ones too, which are refused). */
  readonly #held: Lease[] = [];
  /** Every lease the stores handed out, over all replicas and calls. */
  #issued = 0;
  #config = { maxClaimsPerSecond: 0, maxLeasedPerKey: 0 };
  #bucket: BucketModel | undefined;
  /** Leases granted since the config was set, by instant: what the rate bound is checked on. */
  #grants: { at: number; n: number }[] = [];
  #configAt = 0;

  constructor(clock: FakeClock, fixture: RateLimitFixture, queue: string) {
    this.#clock = clock;
    this.#fixture = fixture;
    this.#queue = queue;
  }

  #replica(i: number): LeaseStore {
    const { replicas } = this.#fixture;
    return replicas[i % replicas.length]!;
  }

  async apply(op: RateOp): Promise<void> {
    const now = this.#clock.now();
    const queue = this.#queue;
    switch (op.t) {
      case 'advance':
        this.#clock.advance(op.ms);
        return;

      case 'enqueue':
        await this.#replica(op.replica).enqueue(
          op.keys.map((fairnessKey) => newTask(queue, { fairnessKey })),
        );
        return;

      case 'config':
        this.#config = { maxClaimsPerSecond: op.maxClaimsPerSecond, maxLeasedPerKey: op.maxLeasedPerKey };
        await this.#replica(op.replica).setConfig(queue, this.#config);
        // A new config starts a full second's budget, and a new window for the rate bound.
        this.#bucket = op.maxClaimsPerSecond > 0 ? new BucketModel(op.maxClaimsPerSecond, now) : undefined;
        this.#grants = [];
        this.#configAt = now;
        return;

      case 'claims': {
        const budget = this.#bucket?.leasesAt(now);
        const results = await Promise.all(
          op.calls.map((c) => {
            const store = this.#replica(c.replica);
            return c.via === 'claim'
              ? store.claim(queue, c.credit, c.leaseMs)
              : store.settleAndClaim(queue, [], c.credit, c.leaseMs).then((r) => r.claim);
          }),
        );
        await this.#checkClaims(op.calls, results, budget, now);
        return;
      }

      case 'enqueueClaim': {
        const budget = this.#bucket?.leasesAt(now);
        const tasks = op.keys.map((fairnessKey) => newTask(queue, { fairnessKey }));
        const { claim } = await this.#replica(op.replica).enqueueAndClaim(
          queue,
          tasks,
          op.credit,
          op.leaseMs,
        );
        await this.#checkClaims([op], [claim], budget, now);
        return;
      }

      case 'settle': {
        if (this.#held.length === 0) return;
        const picked = new Set(op.ops.map((o) => o.pick % this.#held.length));
        const ops: SettleOp[] = [...picked].map((i, j) => {
          const { task, token, nonce } = this.#held[i]!;
          const kind = op.ops[j]!.kind;
          const ref = { taskId: task.id, token, nonce };
          switch (kind) {
            case 'complete':
              return { kind, ...ref, result: Buffer.alloc(0) };
            case 'fail':
              return { kind, ...ref, error: 'failed', permanent: false, retryDelayMs: 0 };
            case 'release':
              return { kind, ...ref };
            case 'extend':
              return { kind, ...ref, extensionMs: 1000 };
          }
        });
        const results = await this.#replica(op.replica).settle(queue, ops);
        expect(results).toHaveLength(ops.length);
        const ended = new Set(
          ops.filter((o, i) => o.kind !== 'extend' || results[i]!.status !== 'ok').map((o) => o.taskId),
        );
        for (let i = this.#held.length - 1; i >= 0; i--)
          if (ended.has(this.#held[i]!.task.id)) this.#held.splice(i, 1);
        return;
      }
    }
  }

  /**
   * The rules for claims that ran at one instant: together they never exceed the budget
   * (the bucket the contract describes), and when they took fewer than their credit
   * while a task was claimable, the budget ran out, each short claim said so and named
   * when to come back. Then the rate bound over every window since the config.
   */
  async #checkClaims(
    calls: readonly { credit: number }[],
    results: readonly ClaimResult[],
    budget: number | undefined,
    now: number,
  ): Promise<void> {
    const granted = results.reduce((n, r) => n + r.leases.length, 0);
    const credit = calls.reduce((n, c) => n + c.credit, 0);
    for (const [i, r] of results.entries()) {
      expect(r.leases.length, 'a claim takes at most its credit').toBeLessThanOrEqual(calls[i]!.credit);
      this.#held.push(...r.leases);
      if (r.rateLimited) {
        expect(this.#bucket, 'rateLimited without a rate limit').toBeDefined();
        expect(r.leases.length, 'a rate-limited claim took less than its credit').toBeLessThan(
          calls[i]!.credit,
        );
        expect(r.more, 'a rate-limited claim comes back by its timer, not by more').toBe(false);
      }
    }
    this.#issued += granted;
    if (budget !== undefined) {
      expect(
        granted,
        `leases at ${now - this.#configAt} ms against a budget of ${budget}`,
      ).toBeLessThanOrEqual(budget);
    }
    const refillIn = this.#bucket?.spend(now, granted) ?? 0;
    if (granted > 0) this.#grants.push({ at: now, n: granted });

    const claimable = await this.#claimable();
    if (granted < credit && claimable > 0) {
      expect(
        this.#bucket === undefined ? Infinity : this.#bucket.leasesAt(now),
        `claims took ${granted} of ${credit} with ${claimable} claimable: only an empty budget explains it`,
      ).toBe(0);
      for (const [i, r] of results.entries()) {
        if (r.leases.length >= calls[i]!.credit) continue;
        expect(r.rateLimited, 'a claim the budget cut short says so').toBe(true);
        expect(r.nextDueInMs, 'a rate-limited claim names when the budget has a lease again').not.toBeNull();
        expect(r.nextDueInMs!, `nextDueInMs against the budget's ${refillIn} ms`).toBeLessThanOrEqual(
          refillIn,
        );
      }
    }
    this.#checkRate(now);
  }

  /**
   * The contract itself: over any window [t0, now] since the config, at most one second's
   * worth of leases plus the rate times the window's length.
   */
  #checkRate(now: number): void {
    const perSecond = this.#config.maxClaimsPerSecond;
    if (perSecond === 0) return;
    let inWindow = 0;
    // Windows start at each grant instant (and at the config), latest first.
    for (let i = this.#grants.length - 1; i >= -1; i--) {
      const from = i < 0 ? this.#configAt : this.#grants[i]!.at;
      if (i >= 0) inWindow += this.#grants[i]!.n;
      const bound = Math.floor((perSecond * (1000 + now - from)) / 1000);
      expect(
        inWindow,
        `leases in [${from - this.#configAt}, ${now - this.#configAt}] ms at ${perSecond}/s`,
      ).toBeLessThanOrEqual(bound);
    }
  }

  /** Tasks a claim could take now by the store's own per-key counts (ready, under the per-key limit). */
  async #claimable(): Promise<number> {
    const page = await this.#replica(0).listKeys(this.#queue, null, 100);
    const limit = this.#config.maxLeasedPerKey;
    return page.keys.reduce(
      (n, k) => n + (limit === 0 ? k.ready : Math.min(k.ready, Math.max(0, limit - k.leased))),
      0,
    );
  }

  /** After every step: the store issued exactly the leases the test was handed, and its rate-limited flag agrees. */
  async verify(): Promise<void> {
    const now = this.#clock.now();
    if (this.#fixture.leasesIssued)
      expect(await this.#fixture.leasesIssued(this.#queue), 'leases in the store state').toBe(this.#issued);
    const stats = await this.#replica(1).stats(this.#queue);
    const limited =
      this.#bucket !== undefined && (await this.#claimable()) > 0 && this.#bucket.leasesAt(now) === 0;
    expect(stats.rateLimited === true, 'stats.rateLimited').toBe(limited);
  }
}

let runCounter = 0;

/**
 * Registers a fast-check property of max_claims_per_second: random sequences of enqueues,
 * config changes (rate and per-key limit), claims on several replicas at one instant
 * (claim and settle-and-claim), enqueue-and-claim, settles of held and expired leases,
 * and clock advances. Checked after every step: the leases of the queue over all
 * replicas never exceed the rate with a burst of one second's worth, a claim falls short
 * of its credit only when no task is claimable or the budget is spent (and then says
 * when to come back), the store's own record of leases issued matches what the replicas
 * handed out, and its rate-limited flag agrees.
 */
export function runRateLimitProperty(
  name: string,
  open: (options: StoreOptions) => Promise<RateLimitFixture>,
  { numRuns, examples = [] }: { numRuns: number; examples?: [ops: RateOp[]][] },
): void {
  describe(name, () => {
    it('keeps max_claims_per_second over all replicas on random operation sequences', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(rateOpArb, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
          const clock = new FakeClock();
          const fixture = await open({ clock: clock.now, random: () => 0.5 });
          try {
            const run = new RateRun(clock, fixture, `rate-${++runCounter}`);
            for (const op of ops) {
              await run.apply(op);
              await run.verify();
            }
          } finally {
            await fixture.close();
          }
        }),
        { numRuns, examples, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
      );
    }, 120_000);
  });
}

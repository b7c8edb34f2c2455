import { expect, vi } from 'vitest';
import type { Lease, NewTask, TaskRecord } from '../../src/domain/task.js';
import type { LeaseStore, StoreListener } from '../../src/lease-store/lease-store.js';
import type { StoreOptions } from '../../src/lease-store/store-options.js';
import { FakeClock } from '../support/fake-clock.js';

/** An event a store reported to its listener. */
export type StoreEvent = { kind: 'ready'; queue: string } | { kind: 'due'; queue: string; inMs: number };

/**
 * Records listener events. Stores may report asynchronously (the Redis store hears
 * `ready` through pub/sub), so tests wait for an event instead of asserting at once.
 */
export class EventLog implements StoreListener {
  readonly events: StoreEvent[] = [];
  /** The `count` of each ready event, by queue (undefined: the store did not know). */
  readonly readyCounts = new Map<string, (number | undefined)[]>();

  readonly ready = (queue: string, count?: number): void => {
    this.events.push({ kind: 'ready', queue });
    let counts = this.readyCounts.get(queue);
    if (!counts) this.readyCounts.set(queue, (counts = []));
    counts.push(count);
  };

  readonly due = (queue: string, inMs: number): void => {
    this.events.push({ kind: 'due', queue, inMs });
  };

  clear(): void {
    this.events.length = 0;
    this.readyCounts.clear();
  }

  /** Resolves once an event equal to `expected` has arrived; fails after ten seconds (pub/sub under load). */
  async waitFor(expected: StoreEvent): Promise<void> {
    await vi.waitFor(
      () => {
        expect(this.events).toContainEqual(expected);
      },
      { timeout: 10_000, interval: 5 },
    );
  }
}

/** Retry policy of test tasks: with `random = 0.5` the n-th retry waits 500 × 2^(n-1) ms, at most 2 s. */
export const RETRY = { initialBackoffMs: 1000, maxBackoffMs: 4000, multiplier: 2 };

/** A retry policy without waits, for tests about what happens after a retry, not when. */
export const NO_BACKOFF = { initialBackoffMs: 0, maxBackoffMs: 0, multiplier: 1 };

/** Default lease length of the tests. */
export const LEASE_MS = 10_000;

/** A syntactically valid task id that no store has issued. */
export const UNKNOWN_ID = 'AAAAAAAAAAAAAAAA';

let queueCounter = 0;
const runTag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

/** A queue name no other test (or earlier run against the same Redis) uses. */
export function uniqueQueue(): string {
  return `conf-${runTag}-${++queueCounter}`;
}

/** One test's store, clock, queues and event log, with shorthands for the common steps. */
export interface Harness {
  store: LeaseStore;
  clock: FakeClock;
  /** The queue the test works on. */
  queue: string;
  /** A second queue, for tests about queue isolation. */
  other: string;
  events: EventLog;
  /** A NewTask on `queue` with test defaults, changed by `overrides`. */
  task(overrides?: Partial<NewTask>): NewTask;
  /** Enqueues one task and returns its id. */
  add(overrides?: Partial<NewTask>): Promise<string>;
  /** Claims up to `max` tasks of `queue` and returns their leases. */
  claim(max: number, leaseMs?: number): Promise<Lease[]>;
  /** Claims exactly one task and returns its lease. */
  claimOne(leaseMs?: number): Promise<Lease>;
  /** The task of `queue`, which must exist. */
  get(taskId: string): Promise<TaskRecord>;
  /** Runs the reaper: a claim of zero tasks. Returns its nextDueInMs. */
  reap(): Promise<number | null>;
}

/** Makes a harness; options override the defaults (fake clock, `random = 0.5`). */
export type MakeHarness = (options?: Omit<StoreOptions, 'clock'>) => Promise<Harness>;

/** Builds a harness factory over a store factory, and a disposer for every store it made. */
export function harnessFactory(
  makeStore: (options: StoreOptions) => Promise<LeaseStore>,
  dispose: (store: LeaseStore) => Promise<void>,
): { make: MakeHarness; disposeAll: () => Promise<void> } {
  const open: LeaseStore[] = [];
  const make: MakeHarness = async (options = {}) => {
    const clock = new FakeClock();
    const store = await makeStore({ random: () => 0.5, ...options, clock: clock.now });
    open.push(store);
    const events = new EventLog();
    store.listen(events);
    const queue = uniqueQueue();
    const h: Harness = {
      store,
      clock,
      queue,
      other: uniqueQueue(),
      events,
      task: (overrides = {}) => ({
        queue,
        payload: Buffer.from('payload'),
        priority: 0,
        delayMs: 0,
        maxAttempts: 5,
        retry: RETRY,
        idempotencyKey: '',
        headers: {},
        ...overrides,
      }),
      add: async (overrides) => {
        const [result] = await store.enqueue([h.task(overrides)]);
        expect(result?.duplicate).toBe(false);
        return result!.taskId;
      },
      claim: async (max, leaseMs = LEASE_MS) => (await store.claim(queue, max, leaseMs)).leases,
      claimOne: async (leaseMs = LEASE_MS) => {
        const leases = await h.claim(1, leaseMs);
        expect(leases).toHaveLength(1);
        return leases[0]!;
      },
      get: async (taskId) => {
        const task = await store.getTask(queue, taskId);
        expect(task, `task ${taskId}`).not.toBeNull();
        return task!;
      },
      reap: async () => (await store.claim(queue, 0, LEASE_MS)).nextDueInMs,
    };
    return h;
  };
  const disposeAll = async (): Promise<void> => {
    await Promise.all(open.splice(0).map(dispose));
  };
  return { make, disposeAll };
}

/** The ids of leases, in the order the claim returned them. */
export function ids(leases: readonly Lease[]): string[] {
  return leases.map((l) => l.task.id);
}

import type { NewTask, RetryPolicy, SettleKind, TaskRecord, TaskState } from '../../domain/task.js';
import { newTaskId } from '../../domain/task-id.js';
import { FairReady } from './fair-ready.js';
import { LazyHeap } from './min-heap.js';

/** A task as the memory store holds it: the record plus the bookkeeping of its place and lease. */
export interface StoredTask {
  readonly id: string;
  readonly queue: string;
  readonly payload: Buffer;
  readonly priority: number;
  readonly maxAttempts: number;
  readonly retry: RetryPolicy;
  readonly headers: Record<string, string>;
  /** '' for the queue's default key. */
  readonly fairnessKey: string;
  readonly enqueueTime: number;
  state: TaskState;
  attempt: number;
  lastError: string;
  result: Buffer;
  /** Fencing token of the latest lease; 0 before the first. */
  token: number;
  /** The latest lease's secret, which settles must present; '' before the first lease. */
  nonce: string;
  /** When the latest lease was taken: extends never carry it past this + the max lease age. */
  leasedAt: number;
  /** Place in the ready order; kept across a release. */
  seq: number;
  /**
   * When PENDING: since when it has been ready (its enqueue, the end of its delay or
   * backoff, a redrive); a release keeps it, as it keeps the task's place.
   */
  readySince: number;
  /** Names the task's current entry in the scheduled heap. */
  scheduleId: number;
  /** When SCHEDULED: when it falls due. */
  due: number;
  /** When LEASED: when the lease runs out. */
  deadline: number;
  cancelRequested: boolean;
  /** When it became COMPLETED, DEAD or CANCELLED; 0 while it is not. */
  finishedAt: number;
  /** Notes of what operators did to the task, oldest first. */
  history: string[];
  /**
   * The last settle that succeeded, so a true repeat of it (same lease, kind and
   * `settleDetail`) is answered `ok`.
   */
  settled: { token: number; kind: SettleKind; nonce: string | undefined; detail: string } | undefined;
}

/** A new PENDING task, with a fresh id, before its first lease; copies what it keeps of `t`. */
export function newStoredTask(t: NewTask, now: number): StoredTask {
  return {
    id: newTaskId(),
    queue: t.queue,
    payload: Buffer.from(t.payload),
    priority: t.priority,
    maxAttempts: t.maxAttempts,
    retry: { ...t.retry },
    headers: { ...t.headers },
    fairnessKey: t.fairnessKey ?? '',
    enqueueTime: now,
    state: 'PENDING',
    attempt: 0,
    lastError: '',
    result: Buffer.alloc(0),
    token: 0,
    nonce: '',
    leasedAt: 0,
    seq: 0,
    readySince: 0,
    scheduleId: 0,
    due: 0,
    deadline: 0,
    cancelRequested: false,
    finishedAt: 0,
    history: [],
    settled: undefined,
  };
}

/** The first task an idempotency key named, and when. */
export interface IdempotencyEntry {
  taskId: string;
  firstUsed: number;
}

interface ScheduledEntry {
  id: string;
  due: number;
  scheduleId: number;
}

interface LeaseEntry {
  id: string;
  deadline: number;
  token: number;
}

/**
 * One queue's tasks and the three indexes a claim walks: ready (fair order, fair-ready.ts),
 * scheduled (due asc) and leases (deadline asc). An index entry is live only while the
 * task still matches it, so a cancel or an extend never has to search a heap.
 * `maxLeasedPerKey` reads the queue's current per-key limit (0 = none).
 */
export class QueueState {
  readonly tasks = new Map<string, StoredTask>();
  readonly idempotency = new Map<string, IdempotencyEntry>();
  #nextSeq = 1;
  #nextScheduleId = 1;

  /** The ready tasks in claim order, and the per-key lease counts. */
  readonly fair: FairReady;

  constructor(maxLeasedPerKey: () => number = () => 0) {
    this.fair = new FairReady(maxLeasedPerKey);
  }

  readonly #scheduled = new LazyHeap<ScheduledEntry>(
    // scheduleId breaks ties so tasks due at the same time leave in the order they were scheduled.
    (a, b) => a.due < b.due || (a.due === b.due && a.scheduleId < b.scheduleId),
    (e) => {
      const t = this.tasks.get(e.id);
      return t !== undefined && t.state === 'SCHEDULED' && t.scheduleId === e.scheduleId;
    },
  );

  readonly #leases = new LazyHeap<LeaseEntry>(
    (a, b) => a.deadline < b.deadline,
    (e) => {
      const t = this.tasks.get(e.id);
      return t !== undefined && t.state === 'LEASED' && t.token === e.token && t.deadline === e.deadline;
    },
  );

  /** True when nothing is left that a later call could find. */
  get isEmpty(): boolean {
    return this.tasks.size === 0 && this.idempotency.size === 0;
  }

  /** Makes the task PENDING at the back of its key's line, ready since `since`. */
  makeReady(task: StoredTask, since: number): void {
    this.#endLease(task);
    task.seq = this.#nextSeq++;
    task.readySince = since;
    task.state = 'PENDING';
    this.fair.add(task, false);
  }

  /**
   * Makes a released task PENDING at the front of its key's line, keeping its old
   * sequence number for listings and its `readySince`: it waits on as if never leased.
   */
  putBack(task: StoredTask): void {
    this.#endLease(task);
    task.state = 'PENDING';
    this.fair.add(task, true);
  }

  /**
   * Removes and returns the next ready task in fair order, counted leased for its key; it
   * stays PENDING until the caller leases it.
   */
  takeReady(): StoredTask | undefined {
    const id = this.fair.take();
    return id === undefined ? undefined : this.tasks.get(id);
  }

  /** Whether a claim could take a task now (keys at their limit wait). */
  hasReady(): boolean {
    return this.fair.hasReady();
  }

  /** Makes the task SCHEDULED, due at `due`. */
  schedule(task: StoredTask, due: number): void {
    this.#endLease(task);
    task.state = 'SCHEDULED';
    task.due = due;
    task.scheduleId = this.#nextScheduleId++;
    this.#scheduled.push({ id: task.id, due, scheduleId: task.scheduleId });
  }

  /** Removes and returns the earliest scheduled task due at or before `now`. */
  takeDue(now: number): StoredTask | undefined {
    const e = this.#scheduled.peek();
    if (e === undefined || e.due > now) return undefined;
    this.#scheduled.pop();
    return this.tasks.get(e.id);
  }

  /** Makes the task LEASED until `deadline`; a lease already held just moves its deadline. */
  lease(task: StoredTask, deadline: number): void {
    if (task.state === 'LEASED') {
      if (task.deadline === deadline) return;
      this.#leases.invalidate();
    }
    task.state = 'LEASED';
    task.deadline = deadline;
    this.#leases.push({ id: task.id, deadline, token: task.token });
  }

  /** Removes and returns the task whose lease ran out first, if it ran out at or before `now`. */
  takeExpired(now: number): StoredTask | undefined {
    const e = this.#leases.peek();
    if (e === undefined || e.deadline > now) return undefined;
    this.#leases.pop();
    const task = this.tasks.get(e.id);
    if (task !== undefined) this.fair.leaseEnded(task);
    return task;
  }

  /**
   * Call before a task leaves PENDING, SCHEDULED or LEASED other than through a `take…`:
   * its index entry goes stale, and the heap learns it so it can compact.
   */
  unindex(task: StoredTask): void {
    if (task.state === 'PENDING') this.fair.remove(task);
    else if (task.state === 'SCHEDULED') this.#scheduled.invalidate();
    else if (task.state === 'LEASED') {
      this.#leases.invalidate();
      this.fair.leaseEnded(task);
    }
  }

  // A LEASED task moving on ends its lease for its key's count (a no-op otherwise).
  #endLease(task: StoredTask): void {
    if (task.state === 'LEASED') this.fair.leaseEnded(task);
  }

  /** Forgets a PENDING, SCHEDULED or LEASED task at once: its index entry goes stale. */
  remove(task: StoredTask): void {
    this.unindex(task);
    this.tasks.delete(task.id);
  }

  /** The earliest scheduled due time or lease deadline, or undefined when there is none. */
  nextEventAt(): number | undefined {
    const due = this.#scheduled.peek()?.due;
    const deadline = this.#leases.peek()?.deadline;
    if (due === undefined) return deadline;
    if (deadline === undefined) return due;
    return Math.min(due, deadline);
  }
}

/** A copy of the task as callers see it: they cannot change stored state through it. */
export function toRecord(task: StoredTask): TaskRecord {
  return {
    id: task.id,
    queue: task.queue,
    payload: Buffer.from(task.payload),
    priority: task.priority,
    attempt: task.attempt,
    maxAttempts: task.maxAttempts,
    headers: { ...task.headers },
    ...(task.fairnessKey !== '' && { fairnessKey: task.fairnessKey }),
    enqueueTime: task.enqueueTime,
    state: task.state,
    lastError: task.lastError,
    result: Buffer.from(task.result),
    ...(task.history.length > 0 && { history: [...task.history] }),
  };
}

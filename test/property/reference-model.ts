import type { RetryPolicy, SettleKind, SettleOp, SettleResult, TaskState } from '../../src/domain/task.js';
import { jitterGenerator } from '../../src/lease-store/redis/jitter-generator.js';
import { backoffMs } from '../../src/lease-store/store-options.js';

/** What the model knows of one task. */
export interface ModelTask {
  id: string;
  queue: string;
  payload: string;
  priority: number;
  /** '' for the default key. */
  fairnessKey: string;
  maxAttempts: number;
  retry: RetryPolicy;
  state: TaskState;
  attempt: number;
  /** Highest token the store has issued for this task; 0 before the first lease. */
  token: number;
  deadline: number;
  due: number;
  /**
   * Place in its fairness key's line. Tasks that fell due in the same claim at the same
   * instant share a place: the semantics leave their order open, so either order is
   * accepted. A released task goes to the front of its line (a negative place).
   */
  place: number;
  cancelRequested: boolean;
  lastError: string;
  result: string;
  /** The last successful settle: only a repeat with the same token, kind and detail is `ok`. */
  settled: { token: number; kind: SettleKind; detail: string } | undefined;
  /** When its current lease was taken, counted over the whole run: ties of equal deadlines expire in this order. */
  leaseOrder: number;
}

/**
 * Where backoff jitter comes from, as the store under test draws it. The store's
 * `random` option is a constant in the property test; what a store makes of it differs.
 */
export interface JitterSource {
  /** A store call begins (a claim, or a settle of several ops). */
  beginCall(): void;
  /** The next jitter of this call, in [0, 1). */
  next(): number;
}

/** The memory store: every backoff draws the `random` option itself. */
export function constantJitter(random: number): JitterSource {
  return { beginCall: () => undefined, next: () => random };
}

/**
 * The Redis store: each script call seeds a generator with one draw of `random` and takes
 * its backoffs from it in the order the script meets them (jitter-generator.ts).
 */
export function seededJitter(random: number): JitterSource {
  let next = jitterGenerator(random);
  return {
    beginCall: () => {
      next = jitterGenerator(random);
    },
    next: () => next(),
  };
}

/** What tells a true repeat from another settle: the result, or the error, permanent and delay. */
function detailOf(op: SettleOp): string {
  if (op.kind === 'complete') return op.result.toString('hex');
  if (op.kind === 'fail') return JSON.stringify([op.error, op.permanent, op.retryDelayMs ?? null]);
  return '';
}

/**
 * A deliberately naive model of docs/lease-store-semantics.md: arrays and linear scans,
 * no heaps, no lazy deletion. It predicts every answer a store gives except which of
 * several equally placed tasks a claim takes, where it checks the store's choice is one
 * the rules allow and then follows it. Backoff jitter comes from `jitter`, drawn in the
 * order the store draws it: fails in op order, expired leases by deadline, then by when
 * they were leased.
 */
export class ReferenceModel {
  readonly tasks: ModelTask[] = [];
  readonly #byId = new Map<string, ModelTask>();
  readonly #keys = new Map<string, { id: string; firstUsed: number }>();
  #nextPlace = 1;
  #nextFront = 0;
  #leases = 0;

  constructor(
    readonly jitter: JitterSource,
    readonly idempotencyWindowMs: number,
  ) {}

  /** A store call that may draw backoff jitter begins. */
  beginCall(): void {
    this.jitter.beginCall();
  }

  get(id: string): ModelTask | undefined {
    return this.#byId.get(id);
  }

  /** The first task of `key` on `queue` when it still deduplicates at `now`. */
  duplicateOf(queue: string, key: string, now: number): string | undefined {
    if (key === '') return undefined;
    const first = this.#keys.get(`${queue}\n${key}`);
    return first !== undefined && now - first.firstUsed < this.idempotencyWindowMs ? first.id : undefined;
  }

  add(
    task: Omit<ModelTask, 'state' | 'due' | 'place' | 'leaseOrder'>,
    key: string,
    delayMs: number,
    now: number,
  ): void {
    const t: ModelTask = { ...task, state: 'PENDING', due: 0, place: 0, leaseOrder: 0 };
    if (delayMs > 0) this.#schedule(t, now + delayMs);
    else this.#makeReady(t);
    this.tasks.push(t);
    this.#byId.set(t.id, t);
    if (key !== '') this.#keys.set(`${t.queue}\n${key}`, { id: t.id, firstUsed: now });
  }

  /** Claim steps 1 and 2: expire leases, then promote due tasks, sharing a place on equal due times. */
  maintain(queue: string, now: number): void {
    const expired = this.tasks.filter((t) => t.queue === queue && t.state === 'LEASED' && t.deadline <= now);
    expired.sort((a, b) => a.deadline - b.deadline || a.leaseOrder - b.leaseOrder);
    for (const t of expired) {
      t.lastError = 'lease expired';
      if (!this.#endIfOver(t, false))
        this.#schedule(t, now + backoffMs(t.retry, t.attempt, this.jitter.next()));
    }
    const due = this.tasks.filter((t) => t.queue === queue && t.state === 'SCHEDULED' && t.due <= now);
    due.sort((a, b) => a.due - b.due);
    let lastDue: number | undefined;
    for (const t of due) {
      if (t.due !== lastDue) this.#nextPlace++;
      lastDue = t.due;
      t.state = 'PENDING';
      t.place = this.#nextPlace;
    }
    this.#nextPlace++;
  }

  /** Tasks of `queue` a claim may take now. */
  ready(queue: string): ModelTask[] {
    return this.tasks.filter((t) => t.queue === queue && t.state === 'PENDING');
  }

  lease(t: ModelTask, now: number, leaseMs: number): void {
    t.state = 'LEASED';
    t.attempt += 1;
    t.token += 1;
    t.deadline = now + leaseMs;
    t.leaseOrder = ++this.#leases;
  }

  nextDueInMs(queue: string, now: number): number | null {
    let next = Infinity;
    for (const t of this.tasks) {
      if (t.queue !== queue) continue;
      if (t.state === 'SCHEDULED') next = Math.min(next, t.due);
      if (t.state === 'LEASED') next = Math.min(next, t.deadline);
    }
    return next === Infinity ? null : Math.max(0, next - now);
  }

  static isHeld(t: ModelTask, token: number, now: number): boolean {
    return t.state === 'LEASED' && t.token === token && t.deadline > now;
  }

  /** Applies one settle op and returns the status (and extend deadline) the store must answer. */
  settle(queue: string, op: SettleOp, now: number): Pick<SettleResult, 'status'> & { deadline?: number } {
    const t = this.#byId.get(op.taskId);
    if (t === undefined || t.queue !== queue) return { status: 'not_found' };
    if (!ReferenceModel.isHeld(t, op.token, now)) {
      return t.settled?.token === op.token && t.settled.kind === op.kind && t.settled.detail === detailOf(op)
        ? { status: 'ok' }
        : { status: 'stale' };
    }
    switch (op.kind) {
      case 'extend':
        if (t.cancelRequested) return { status: 'stale' };
        t.deadline = now + op.extensionMs;
        return { status: 'ok', deadline: t.deadline };
      case 'complete':
        t.state = 'COMPLETED';
        t.result = op.result.toString();
        break;
      case 'fail': {
        t.lastError = op.error;
        if (this.#endIfOver(t, op.permanent)) break;
        const delay = op.retryDelayMs ?? backoffMs(t.retry, t.attempt, this.jitter.next());
        if (delay > 0) this.#schedule(t, now + delay);
        else this.#makeReady(t);
        break;
      }
      case 'release':
        t.attempt -= 1;
        if (t.cancelRequested) t.state = 'CANCELLED';
        else {
          t.state = 'PENDING';
          t.place = this.#nextFront--;
        }
        break;
    }
    t.settled = { token: op.token, kind: op.kind, detail: detailOf(op) };
    return { status: 'ok' };
  }

  abandon(t: ModelTask, token: number, graceMs: number, now: number): void {
    if (ReferenceModel.isHeld(t, token, now)) t.deadline = Math.min(t.deadline, now + graceMs);
  }

  cancel(t: ModelTask | undefined): boolean | null {
    if (t === undefined) return null;
    switch (t.state) {
      case 'PENDING':
      case 'SCHEDULED':
        t.state = 'CANCELLED';
        return true;
      case 'LEASED':
        t.cancelRequested = true;
        return true;
      case 'CANCELLED':
        return true;
      default:
        return false;
    }
  }

  #endIfOver(t: ModelTask, permanent: boolean): boolean {
    if (t.cancelRequested) t.state = 'CANCELLED';
    else if (permanent || t.attempt >= t.maxAttempts) t.state = 'DEAD';
    else return false;
    return true;
  }

  #schedule(t: ModelTask, due: number): void {
    t.state = 'SCHEDULED';
    t.due = due;
  }

  #makeReady(t: ModelTask): void {
    t.state = 'PENDING';
    t.place = this.#nextPlace++;
  }
}

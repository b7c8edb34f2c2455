import { groupBy } from '../domain/group-by.js';
import type { EnqueueResult, Lease, NewTask, SettleOp, SettleResult } from '../domain/task.js';
import type { ClaimResult, LeaseStore } from '../lease-store/lease-store.js';
import type { ClaimPathTracer } from '../telemetry/claim-path-tracer.js';
import type { CodeqMetrics } from '../telemetry/codeq-metrics.js';
import { silentLogger, type Logger } from '../telemetry/logger.js';
import { nowMs } from '../spans/span-helpers.js';
import { CallBatch } from './call-batch.js';
import { SettleHold } from './settle-hold.js';

/** How {@link StoreCalls} sizes its store calls, and what it traces, counts and logs. */
export interface StoreCallsOptions {
  /** Most enqueue calls (each one caller's tasks of the queue) one store call stores. Default 256. */
  maxEnqueueCalls?: number;
  /** Most settles one store call carries. Default 512. */
  maxSettles?: number;
  /** Times each batch of settles (`codeq.settle.batch` over the store's settle span). Default: none. */
  tracer?: ClaimPathTracer | undefined;
  /** Counts settles and their latency. Default: none. */
  metrics?: CodeqMetrics | undefined;
  logger?: Logger;
  /**
   * Runs at the start of each turn, before anything of it is sent, with the number of ready
   * tasks (not delayed) each queue gathered: the claims it asks for with `claim` ride with
   * the turn's calls. The dispatcher's pass. Returns true when it wrote leases to streams
   * (leases held ahead of demand): the turn's store calls then wait for those writes to
   * leave (see {@link StoreCalls}). Default: none.
   */
  onTurn?: ((enqueued: ReadonlyMap<string, number>) => boolean | void) | undefined;
  /**
   * Longest a settle may wait, in ms, for later turns of its queue while that queue's
   * streams are served from read-ahead (`dealingAhead`): the settles of several turns
   * then go in one store call, most often the one that refills the read-ahead
   * (`settleAndClaim`), instead of one call each. Only settles whose caller goes on
   * without their answer may wait. Default 0: every settle goes with its own turn.
   */
  settleHoldMs?: number;
  /** True while leases of `queue` are held ahead of demand (the dispatcher's read-ahead). */
  dealingAhead?: (queue: string) => boolean;
}

/** A settle waiting for its queue's call, with when it reached the server (`nowMs()`), for its latency and span. */
interface PendingSettle {
  op: SettleOp;
  queuedAt: number;
}

/** What one queue gathered for a turn. */
interface QueueTurn {
  /** One item per enqueue call: that caller's tasks of the queue. */
  readonly enqueues: CallBatch<readonly NewTask[], EnqueueResult[]>;
  /** Its settles, those held over from earlier turns first. */
  settles: CallBatch<PendingSettle, SettleResult>;
  /** False once a settle came whose caller waits for its answer: the turn sends its settles. */
  settlesMayWait: boolean;
  /** Claims the dispatcher asked for during the turn, in order, each with its caller's answer. */
  readonly claims: {
    max: number;
    leaseMs: number;
    resolve: (result: ClaimResult) => void;
    reject: (err: unknown) => void;
  }[];
  /** Ready tasks among the enqueues. */
  ready: number;
  /** Whether it carries settles held over from an earlier turn. */
  carriesHeld: boolean;
}

const opsOf = (list: readonly PendingSettle[]): SettleOp[] => list.map((p) => p.op);

/** A store call that throws at once fails like one that rejects: its callers are answered either way. */
function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return run();
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * The one owner of each queue's store calls. It gathers one event-loop turn's enqueues and
 * settles, from every stream and unary call, per queue; at the turn's start the dispatcher
 * says which claims it wants (`onTurn`), and then each queue gets its calls in one place:
 *
 * - a claim rides with the queue's enqueues (`enqueueAndClaim`: the script stores the
 *   tasks and leases them to streams waiting here; other replicas hear of the tasks only
 *   when some are left), else with its settles (`settleAndClaim`: a worker that finishes a
 *   task and wants the next costs one round trip), else goes alone (`claim`);
 * - what no claim carries goes as one `enqueue` (per `maxEnqueueCalls` callers) and one
 *   `settle` (per `maxSettles` ops).
 *
 * A failure stays within its queue and its call: the callers it carried get its error.
 *
 * While a queue's streams are served from read-ahead, a turn that gathered only settles
 * whose workers go on without the answer (they granted credit with them) leaves them to
 * a later turn, for at most `settleHoldMs` (settle-hold.ts).
 *
 * A turn whose pass wrote leases (held ahead of demand, so no store call stands between a
 * worker's settle and its next task) sends its store calls one event-loop iteration later:
 * grpc-js hands a write to HTTP/2, which puts it on the socket only at the loop's next
 * check phase, while a store call writes to Redis at once. Sent in the same turn, the
 * store calls' writes, and often their replies, went ahead of the leases (measured at one
 * slot: the lease reached the worker after the settle's Redis round trip). A turn that
 * wrote nothing sends at once: its claims and enqueues are what its streams wait for.
 */
export class StoreCalls {
  readonly #maxEnqueueCalls: number;
  readonly #maxSettles: number;
  readonly #tracer: ClaimPathTracer | undefined;
  readonly #metrics: CodeqMetrics | undefined;
  readonly #logger: Logger;
  readonly #onTurn: ((enqueued: ReadonlyMap<string, number>) => boolean | void) | undefined;
  readonly #hold: SettleHold;
  /** What the coming turn gathers, per queue. */
  #next = new Map<string, QueueTurn>();
  /** The turn being decided: claims asked for now ride with it. */
  #deciding: Map<string, QueueTurn> | undefined;
  #scheduled = false;
  readonly #store: LeaseStore;

  constructor(store: LeaseStore, options: StoreCallsOptions = {}) {
    this.#store = store;
    this.#maxEnqueueCalls = options.maxEnqueueCalls ?? 256;
    this.#maxSettles = options.maxSettles ?? 512;
    this.#tracer = options.tracer;
    this.#metrics = options.metrics?.enabled ? options.metrics : undefined;
    this.#logger = options.logger ?? silentLogger;
    this.#onTurn = options.onTurn;
    this.#hold = new SettleHold(options.settleHoldMs ?? 0, options.dealingAhead ?? (() => false), () =>
      this.requestTurn(),
    );
  }

  /**
   * Stores validated tasks with the coming turn's call of each of their queues; results in
   * the order of `tasks`. Not an async function: tasks of one queue (every unary Enqueue)
   * get the batch's own promise.
   */
  enqueue(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const queue = tasks[0]?.queue;
    if (queue === undefined) return Promise.resolve([]);
    for (let i = 1; i < tasks.length; i++) if (tasks[i]!.queue !== queue) return this.#enqueueQueues(tasks);
    return this.#enqueueShare(queue, tasks);
  }

  /** Tasks of several queues: one share per queue, put back in request order. */
  async #enqueueQueues(tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const byQueue = groupBy(tasks.keys(), (i) => tasks[i]!.queue);
    const results: EnqueueResult[] = new Array<EnqueueResult>(tasks.length);
    await Promise.all(
      [...byQueue].map(async ([queue, indexes]) => {
        const part = await this.#enqueueShare(
          queue,
          indexes.map((i) => tasks[i]!),
        );
        indexes.forEach((i, j) => (results[i] = part[j]!));
      }),
    );
    return results;
  }

  /**
   * Settles one op with the coming turn's call of its queue, or, when `mayWait` (its
   * caller goes on without the answer, as a worker that granted credit with the settle
   * does) and the queue is served from read-ahead, with a later one (`settleHoldMs`).
   */
  settle(queue: string, op: SettleOp, mayWait = false): Promise<SettleResult> {
    const queuedAt = this.#metrics || this.#tracer ? nowMs() : 0;
    const turn = this.#gather(queue);
    if (!mayWait) turn.settlesMayWait = false;
    return turn.settles.add({ op, queuedAt });
  }

  /**
   * Claims up to `max` leases of `leaseMs`: asked during a turn (`onTurn`), the claim rides
   * with the queue's calls of that turn; asked at any other time (a timer's reap), it goes
   * at once.
   */
  claim(queue: string, max: number, leaseMs: number): Promise<ClaimResult> {
    if (!this.#deciding) return call(() => this.#store.claim(queue, max, leaseMs));
    const { claims } = this.#turnOf(this.#deciding, queue);
    return new Promise((resolve, reject) => claims.push({ max, leaseMs, resolve, reject }));
  }

  /** Gives back leases nobody will take (their stream left, or they outstayed their hold); the attempt does not count. */
  async giveBack(queue: string, leases: readonly Lease[]): Promise<void> {
    try {
      await this.#store.settle(
        queue,
        leases.map((l) => ({ kind: 'release' as const, taskId: l.task.id, token: l.token })),
      );
    } catch (err) {
      this.#logger.warn('could not return leases of a closed stream; they come back when they expire', {
        queue,
        error: err,
      });
    }
  }

  /** Makes sure a turn comes: the dispatcher asks for one when it wants a pass. */
  requestTurn(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#turn());
  }

  #enqueueShare(queue: string, tasks: readonly NewTask[]): Promise<EnqueueResult[]> {
    const turn = this.#gather(queue);
    for (const t of tasks) if (t.delayMs === 0) turn.ready++;
    return turn.enqueues.add(tasks);
  }

  #gather(queue: string): QueueTurn {
    this.requestTurn();
    return this.#turnOf(this.#next, queue);
  }

  #turnOf(turns: Map<string, QueueTurn>, queue: string): QueueTurn {
    let turn = turns.get(queue);
    if (!turn) {
      turn = {
        enqueues: new CallBatch(),
        settles: new CallBatch(),
        settlesMayWait: true,
        claims: [],
        ready: 0,
        carriesHeld: false,
      };
      turns.set(queue, turn);
    }
    return turn;
  }

  #turn(): void {
    this.#scheduled = false;
    const turns = this.#next;
    this.#next = new Map();
    // Settles held over live in `#next`: the turn that takes them takes their deadline too.
    const holdsDue = this.#hold.takeDue();
    this.#deciding = turns;
    let wroteLeases = false;
    try {
      if (this.#onTurn) {
        const enqueued = new Map<string, number>();
        for (const [queue, turn] of turns) if (turn.ready > 0) enqueued.set(queue, turn.ready);
        wroteLeases = this.#onTurn(enqueued) === true;
      }
    } finally {
      this.#deciding = undefined;
      // One write to Redis for the whole turn, not one per store call. A turn that handed
      // out leases sends one event-loop iteration later, so the leases leave first.
      const send = (): void => {
        if (this.#store.together) this.#store.together(() => this.#sendAll(turns, holdsDue));
        else this.#sendAll(turns, holdsDue);
      };
      if (wroteLeases) setImmediate(send);
      else send();
    }
  }

  #sendAll(turns: ReadonlyMap<string, QueueTurn>, holdsDue: boolean): void {
    for (const [queue, turn] of turns) {
      if (this.#hold.mayHold(queue, turn, holdsDue)) this.#holdOver(queue, turn);
      else {
        // What was held leaves with this turn's calls.
        if (turn.carriesHeld) this.#hold.released();
        this.#send(queue, turn);
      }
    }
  }

  /** Puts a turn's settles first in the coming turn of their queue (settle-hold.ts). */
  #holdOver(queue: string, turn: QueueTurn): void {
    const next = this.#turnOf(this.#next, queue);
    next.settles = turn.settles.concat(next.settles);
    // Settles held once more stay one holding; a second holding of the queue joins the first.
    if (turn.carriesHeld === next.carriesHeld) {
      if (turn.carriesHeld) this.#hold.released();
      else this.#hold.held();
    }
    next.carriesHeld = true;
  }

  /** Sends one queue's calls of a turn: each claim with enqueues, else with settles, else alone; then the rest. */
  #send(queue: string, turn: QueueTurn): void {
    const enqueues = turn.enqueues.split(this.#maxEnqueueCalls);
    const settles = turn.settles.split(this.#maxSettles);
    for (const claim of turn.claims) {
      const { max, leaseMs } = claim;
      const tasks = enqueues.shift();
      const ops = tasks ? undefined : settles.shift();
      let claimed: Promise<ClaimResult>;
      if (tasks) {
        const calls = tasks.items;
        const both = call(() => this.#store.enqueueAndClaim(queue, calls.flat(), max, leaseMs));
        this.#answerEnqueues(
          tasks,
          calls,
          both.then((r) => r.results),
        );
        claimed = both.then((r) => r.claim);
      } else if (ops) {
        const list = ops.items;
        const both = call(() => this.#store.settleAndClaim(queue, opsOf(list), max, leaseMs));
        this.#answerSettles(
          queue,
          ops,
          list,
          both.then((r) => r.results),
        );
        claimed = both.then((r) => r.claim);
      } else {
        claimed = call(() => this.#store.claim(queue, max, leaseMs));
      }
      claimed.then(claim.resolve, claim.reject);
    }
    for (const part of enqueues) {
      const calls = part.items;
      const flat = calls.length === 1 ? calls[0]! : calls.flat();
      this.#answerEnqueues(
        part,
        calls,
        call(() => this.#store.enqueue(flat)),
      );
    }
    for (const part of settles) {
      const list = part.items;
      this.#answerSettles(
        queue,
        part,
        list,
        call(() => this.#store.settle(queue, opsOf(list))),
      );
    }
  }

  /** Hands each enqueue call (`calls`, one entry per caller) its own tasks' results, out of the store call's flat list. */
  #answerEnqueues(
    part: CallBatch<readonly NewTask[], EnqueueResult[]>,
    calls: readonly (readonly NewTask[])[],
    results: Promise<EnqueueResult[]>,
  ): void {
    part.answer(
      results.then((flat) => {
        if (calls.length === 1) return [flat];
        const out: EnqueueResult[][] = [];
        let at = 0;
        for (const tasks of calls) {
          out.push(flat.slice(at, at + tasks.length));
          at += tasks.length;
        }
        return out;
      }),
    );
  }

  /** Answers a batch of settles with the call's results, under its settle span, counting each. */
  #answerSettles(
    queue: string,
    part: CallBatch<PendingSettle, SettleResult>,
    list: readonly PendingSettle[],
    results: Promise<SettleResult[]>,
  ): void {
    const tracer = this.#tracer;
    const metrics = this.#metrics;
    if (!tracer?.spans && !metrics) {
      part.answer(results);
      return;
    }
    const timed = tracer?.spans
      ? tracer.settleBatch(queue, list.length, list[0]!.queuedAt, () => results)
      : results;
    part.answer(
      metrics
        ? timed.then((values) => {
            const now = nowMs();
            list.forEach((p, i) => metrics.settled(queue, p.op, values[i]!, now - p.queuedAt));
            return values;
          })
        : timed,
    );
  }
}

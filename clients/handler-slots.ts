import type { Span } from '@opentelemetry/api';
import type { _codeq_v1_ClaimResponse_Lease__Output as Lease } from '../src/api/generated/codeq/v1/ClaimResponse.js';
import { leaseReference } from '../src/domain/lease-id.js';
import { LeaseExtender, type ExtendableLease } from './lease-extender.js';
import { PrefetchedLeases } from './prefetched-leases.js';
import { abortOf, RunningContext, type ResultLimit, type Running } from './running-handler.js';
import type { SettleOutbox } from './settle-outbox.js';
import type { FailedEvent } from './worker-events.js';
import type { ResolvedWorkerOptions } from './worker-options.js';
import { WorkerTracer } from './worker-tracer.js';
import { runHandler, toWorkerTask, type HandlerSettle, type WorkerTask } from './worker-task.js';

/** What {@link HandlerSlots} calls back on its worker; given once, at construction. */
export interface SlotHooks {
  /** Something was queued in the outbox: write it at the end of this turn. */
  scheduleFlush(): void;
  /** A handler of ours finished and its settle is queued: a slot is free. */
  finished(): void;
  /** A problem with no caller to throw to. */
  reportError(err: Error): void;
  /** A handler failed its task's attempt; its FAIL is queued. */
  failed(event: FailedEvent): void;
}

/**
 * The worker's `concurrency` handler slots and the leases it holds for them: a lease runs
 * in a free slot or waits among at most `prefetch` others for the next; never more than
 * `concurrency` handlers run. Every lease held, running or waiting, is extended before it
 * runs out. A finished handler's result or error goes to the outbox as its settle, with
 * its `codeq.settle` span left in `settleSpans` for the outcome to end.
 */
export class HandlerSlots {
  readonly #options: ResolvedWorkerOptions;
  readonly #outbox: SettleOutbox;
  readonly #settleSpans: Map<string, Span>;
  readonly #resultLimit: ResultLimit;
  readonly #hooks: SlotHooks;
  readonly #running = new Map<string, Running>();
  readonly #prefetched: PrefetchedLeases;
  readonly #extender: LeaseExtender;
  readonly #tracer: WorkerTracer;

  /**
   * `settleSpans` (by lease id) and `resultLimit` are shared with the worker, which ends
   * the spans and updates the limit when a stream opens.
   */
  constructor(
    options: ResolvedWorkerOptions,
    outbox: SettleOutbox,
    settleSpans: Map<string, Span>,
    resultLimit: ResultLimit,
    hooks: SlotHooks,
  ) {
    this.#options = options;
    this.#outbox = outbox;
    this.#settleSpans = settleSpans;
    this.#resultLimit = resultLimit;
    this.#hooks = hooks;
    this.#prefetched = new PrefetchedLeases(options.prefetch);
    this.#tracer = new WorkerTracer(options.tracerProvider);
    this.#extender = new LeaseExtender(
      () => this.#held(),
      (lease, extensionMs) => {
        this.#outbox.extend(lease.leaseId, extensionMs);
        this.#hooks.scheduleFlush();
      },
    );
  }

  /** Handlers running now, by lease id. */
  get running(): ReadonlyMap<string, Running> {
    return this.#running;
  }

  /** Leases held ready for the next free slot. */
  get prefetched(): PrefetchedLeases {
    return this.#prefetched;
  }

  /** True when no handler runs and no lease waits. */
  get idle(): boolean {
    return this.#running.size === 0 && this.#prefetched.size === 0;
  }

  /** True when `leaseId` is running or waiting here already. */
  holds(leaseId: string): boolean {
    return this.#running.has(leaseId) || this.#prefetched.has(leaseId);
  }

  /** Credit the worker may still grant, before what the stream already has unused. */
  room(): number {
    const { concurrency, prefetch } = this.#options;
    return Math.max(0, concurrency + prefetch - this.#running.size - this.#prefetched.size);
  }

  /**
   * Runs a leased task in a free slot, or holds it for the next one. False when there is
   * neither or the lease carries no task: the caller gives the lease back.
   */
  accept(lease: Lease, leaseId: string, leaseMs: number): boolean {
    const { concurrency } = this.#options;
    if (this.#running.size >= concurrency && lease.task) {
      const waiting = this.#prefetched.offer({ ...lease, leaseId }, leaseMs);
      if (waiting) {
        this.#extender.scheduled(waiting);
        return true;
      }
    }
    // Running it would break the concurrency promise.
    if (this.#running.size >= concurrency || !lease.task) return false;
    this.#run(toWorkerTask({ ...lease, leaseId }), leaseMs);
    return true;
  }

  /** Slots are free: the oldest prefetched leases start now, with no round trip. */
  startPrefetched(): void {
    while (this.#running.size < this.#options.concurrency) {
      const next = this.#prefetched.take();
      if (!next) return;
      // Its extension schedule carries over: the lease clock ran while it waited.
      this.#run(toWorkerTask(next.lease), next.leaseMs, next.nextExtendAt);
    }
  }

  /** Moves a held lease's next automatic extension to `atMs` (Date.now() ms). */
  extendAt(lease: ExtendableLease, atMs: number): void {
    lease.nextExtendAt = atMs;
    this.#extender.scheduled(lease);
  }

  /**
   * Extends every lease still ours now and again after half a lease: a new stream opened,
   * and leases that outlived the old one run out after the server's reconnect grace (5 s
   * by default), long before their next half-lease extension.
   */
  extendAll(): void {
    const now = Date.now();
    let held = 0;
    for (const entry of this.#held()) {
      if (entry.lost) continue;
      this.#outbox.extend(entry.leaseId, entry.leaseMs);
      entry.nextExtendAt = now + entry.leaseMs / 2;
      held++;
    }
    if (held > 0) this.#extender.rearm();
  }

  /** No more automatic extensions: the worker is stopping. */
  stopExtending(): void {
    this.#extender.stop();
  }

  /** Releases every prefetched lease: tasks not started go back to the queue, attempt not counted. */
  releasePrefetched(): void {
    for (const waiting of this.#prefetched.drain())
      if (!waiting.lost) this.#outbox.release(waiting.leaseId, waiting.lease.task?.id);
    this.#hooks.scheduleFlush();
  }

  /**
   * The stop's grace ran out: aborts every running handler through its signal and
   * releases its lease. What such a handler returns later is not sent. `graceMs`: the
   * shorter grace a later `stop({ graceMs })` asked for, when one did (0: at once).
   */
  abortRunning(graceMs?: number): void {
    if (this.#running.size === 0) return;
    const { shutdownGraceMs, logger } = this.#options;
    const why =
      graceMs === undefined
        ? 'the shutdown grace ran out'
        : graceMs === 0
          ? 'the worker was stopped at once'
          : `the stop's grace of ${graceMs} ms ran out`;
    logger.warn(`aborting ${this.#running.size} handler(s) still running: ${why}`, {
      ...(graceMs === undefined ? { shutdownGraceMs } : { graceMs }),
      leases: [...this.#running.keys()].map(leaseReference),
    });
    for (const entry of this.#running.values()) {
      abortOf(entry).abort(new Error(`codeq worker: ${why}`));
      // A released lease goes back to the queue now and its attempt is not counted.
      if (!entry.lost) this.#outbox.release(entry.task.leaseId, entry.task.id);
    }
    this.#running.clear();
    this.#hooks.scheduleFlush();
  }

  #run(task: WorkerTask, leaseMs: number, nextExtendAt = Date.now() + leaseMs / 2): void {
    const entry: Running = {
      leaseId: task.leaseId,
      task,
      controller: undefined,
      leaseMs,
      nextExtendAt,
      lost: false,
      spans: this.#tracer.startProcess(task),
    };
    this.#running.set(task.leaseId, entry);
    this.#extender.scheduled(entry);
    const context = new RunningContext(entry, (ms) => this.#extendNow(entry, ms), this.#resultLimit);
    this.#tracer
      .run(entry.spans, () => runHandler(this.#options.handler, task, context))
      .then((settle) => this.#finish(entry, settle))
      .catch((err: unknown) => this.#hooks.reportError(err instanceof Error ? err : new Error(String(err))));
  }

  #finish(entry: Running, settle: HandlerSettle): void {
    const { leaseId, id: taskId } = entry.task;
    // Not ours any more: stop() gave up on it and released the lease.
    if (this.#running.get(leaseId) !== entry) {
      WorkerTracer.abandoned(entry.spans.process, 'handler outlived the shutdown grace');
      return;
    }
    this.#running.delete(leaseId);
    const error =
      settle.kind === 'FAIL' ? settle.error : settle.kind === 'RELEASE' ? settle.reason : undefined;
    if (entry.lost) {
      this.#tracer.finishProcess(entry.spans, entry.task, settle.kind, error ?? 'lease lost')?.end();
      // The lease of a cancelled task still holds: given back, the task ends CANCELLED now.
      if (entry.cancelled) this.#outbox.release(leaseId, taskId);
    } else {
      const span = this.#tracer.finishProcess(entry.spans, entry.task, settle.kind, error);
      if (span) this.#settleSpans.set(leaseId, span);
      if (settle.kind === 'COMPLETE') this.#outbox.complete(leaseId, settle.result, taskId);
      else if (settle.kind === 'RELEASE') this.#outbox.release(leaseId, taskId);
      else {
        // As a result the server refused is told (LeaseOutcomes): the handler did its work.
        if (settle.oversized)
          this.#options.logger.warn(`result of task ${taskId} not sent: ${settle.error}`, {
            lease: leaseReference(leaseId),
          });
        this.#outbox.fail(leaseId, settle.error, settle.permanent, settle.retryDelayMs, taskId);
        const { queue, attempt, maxAttempts } = entry.task;
        const final = settle.permanent || attempt >= maxAttempts;
        this.#hooks.failed({ taskId, queue, leaseId, attempt, maxAttempts, error: settle.error, final });
      }
    }
    this.#hooks.finished();
  }

  /** Extends by hand from the handler's context. */
  #extendNow(entry: Running, ms?: number): void {
    const extensionMs = ms ?? entry.leaseMs;
    if (!Number.isFinite(extensionMs) || extensionMs <= 0)
      throw new RangeError('extend(ms): ms must be a positive number');
    if (this.#running.get(entry.task.leaseId) !== entry || entry.lost) return;
    this.#outbox.extend(entry.task.leaseId, extensionMs);
    entry.nextExtendAt = Date.now() + extensionMs / 2;
    this.#extender.rearm();
    this.#hooks.scheduleFlush();
  }

  /** Every lease held: running handlers and prefetched leases. */
  *#held(): Generator<ExtendableLease> {
    yield* this.#running.values();
    yield* this.#prefetched.values();
  }
}

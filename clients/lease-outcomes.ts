import type { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { _codeq_v1_ClaimResponse_Outcome__Output as Outcome } from '../src/api/generated/codeq/v1/ClaimResponse.js';
import { timestampToMs } from '../src/api/time.js';
import { leaseReference } from '../src/domain/lease-id.js';
import type { HandlerSlots } from './handler-slots.js';
import type { ExtendableLease } from './lease-extender.js';
import type { PrefetchedLeases } from './prefetched-leases.js';
import { abortOf, type Running } from './running-handler.js';
import type { SettleOutbox } from './settle-outbox.js';
import { TRANSIENT_OUTCOMES } from './status-codes.js';
import type { LeaseLostEvent, WorkerEvents } from './worker-events.js';
import type { WorkerLogger } from './worker-options.js';
import { WorkerTracer } from './worker-tracer.js';
import { LeaseLostError, refusedAsCancelled } from './worker-task.js';

/** Pause before a settle or extension the server could not apply is sent again, in ms. */
const RETRY_SETTLE_MS = 500;

/**
 * What the worker does with the server's outcome of each settle and extension it sent.
 * An extension's OK moves the task's deadline; a settle's OK ends its `codeq.settle`
 * span and emits 'settled'. A "not now" (the store was unavailable) sends it again soon,
 * since the lease still stands. A refusal for good is a lost lease: a running handler is
 * aborted, a prefetched lease dropped, and 'lease-lost' emitted; a result too large for
 * the server fails the attempt instead, with the server's reason.
 */
export class LeaseOutcomes {
  readonly #slots: HandlerSlots;
  readonly #running: ReadonlyMap<string, Running>;
  readonly #prefetched: PrefetchedLeases;
  readonly #outbox: SettleOutbox;
  readonly #settleSpans: Map<string, Span>;
  readonly #worker: EventEmitter<WorkerEvents>;
  readonly #logger: WorkerLogger;
  readonly #scheduleFlush: () => void;
  #retryTimer: NodeJS.Timeout | undefined;

  /**
   * `settleSpans` holds the `codeq.settle` spans awaiting their outcome, by lease id;
   * `worker` emits the events; `scheduleFlush` writes what the outbox holds at the end of this turn.
   */
  constructor(
    slots: HandlerSlots,
    outbox: SettleOutbox,
    settleSpans: Map<string, Span>,
    worker: EventEmitter<WorkerEvents>,
    logger: WorkerLogger,
    scheduleFlush: () => void,
  ) {
    this.#slots = slots;
    this.#running = slots.running;
    this.#prefetched = slots.prefetched;
    this.#outbox = outbox;
    this.#settleSpans = settleSpans;
    this.#worker = worker;
    this.#logger = logger;
    this.#scheduleFlush = scheduleFlush;
  }

  /** Acts on one outcome from the current stream. */
  apply(outcome: Outcome): void {
    const leaseId = outcome.leaseId ?? '';
    const code: grpc.status = outcome.code ?? grpc.status.OK;
    const kind = outcome.kind ?? 'KIND_UNSPECIFIED';
    const message = outcome.message ?? '';
    const entry = this.#running.get(leaseId);
    if (kind === 'EXTEND' && !entry && this.#prefetched.has(leaseId)) {
      this.#onPrefetchedExtended(outcome, leaseId, code, message);
      return;
    }
    if (kind === 'EXTEND') {
      if (!entry || entry.lost) return;
      if (code === grpc.status.OK) {
        const deadlineMs = timestampToMs(outcome.deadline);
        if (deadlineMs !== undefined) entry.task.deadline = new Date(deadlineMs);
      } else if (TRANSIENT_OUTCOMES.has(code)) {
        this.#extendSoon(entry);
      } else if (!this.#holdsToDeadline(entry, outcome, message)) {
        entry.lost = true;
        this.#outbox.dropExtend(leaseId);
        const lost = new LeaseLostError(leaseId, code, message);
        entry.cancelled = lost.cancelled;
        abortOf(entry).abort(lost);
        this.#leaseLost({ leaseId, taskId: entry.task.id, kind, code, message });
      }
      return;
    }
    if (code !== grpc.status.OK && TRANSIENT_OUTCOMES.has(code) && this.#outbox.defer(leaseId)) {
      this.#logger.debug?.(
        `${kind} of lease ${leaseReference(leaseId)} not applied (code ${code}); retrying`,
        {
          message,
        },
      );
      this.#retryTimer ??= setTimeout(() => {
        this.#retryTimer = undefined;
        this.#outbox.resumeDeferred();
        this.#scheduleFlush();
      }, RETRY_SETTLE_MS);
      return;
    }
    const settle = this.#outbox.ack(leaseId);
    const span = this.#settleSpans.get(leaseId);
    if (span) {
      this.#settleSpans.delete(leaseId);
      WorkerTracer.settled(span, code, message);
    }
    if (code === grpc.status.OK) {
      if (settle) this.#worker.emit('settled', { leaseId, taskId: settle.taskId, kind: settle.kind });
      return;
    }
    const taskId = settle?.taskId ?? entry?.task.id;
    if (settle?.kind === 'COMPLETE' && code === grpc.status.RESOURCE_EXHAUSTED) {
      // The lease is still held, but this result will never fit: fail the attempt with the
      // server's reason, so the task's last_error says why instead of the lease timing out.
      this.#logger.warn(`result of task ${taskId} refused: ${message}`, {
        lease: leaseReference(leaseId),
      });
      this.#outbox.fail(leaseId, `result refused by the server: ${message}`, false, undefined, taskId);
      return;
    }
    this.#leaseLost({ leaseId, taskId, kind, code, message });
  }

  /** Drops the pending resend of deferred settles: the worker is stopping. */
  cancelRetry(): void {
    clearTimeout(this.#retryTimer);
  }

  /**
   * An extend refused with a deadline still ahead: the lease reached the server's max lease
   * age and holds until then, no further. The handler keeps running; the extension asked
   * for at that deadline is refused, and that refusal ends the lease. False otherwise.
   */
  #holdsToDeadline(entry: Running, outcome: Outcome, message: string): boolean {
    const deadlineMs = timestampToMs(outcome.deadline);
    if (deadlineMs === undefined || deadlineMs <= Date.now() + RETRY_SETTLE_MS) return false;
    if (entry.nextExtendAt === deadlineMs) return true;
    this.#logger.warn(`task ${entry.task.id}: ${message}`, { lease: leaseReference(entry.leaseId) });
    entry.task.deadline = new Date(deadlineMs);
    this.#slots.extendAt(entry, deadlineMs);
    return true;
  }

  /** The lease still stands: extend again well before it runs out rather than at the next half-lease. */
  #extendSoon(lease: ExtendableLease): void {
    this.#slots.extendAt(lease, Date.now() + Math.min(RETRY_SETTLE_MS, lease.leaseMs / 8));
  }

  /** The outcome of extending a lease still waiting in the prefetch. */
  #onPrefetchedExtended(outcome: Outcome, leaseId: string, code: grpc.status, message: string): void {
    const waiting = this.#prefetched.get(leaseId)!;
    if (code === grpc.status.OK) {
      if (outcome.deadline) waiting.lease.deadline = outcome.deadline;
    } else if (TRANSIENT_OUTCOMES.has(code)) {
      this.#extendSoon(waiting);
    } else {
      // Never started, so nothing to abort: the task simply is not ours any more (a
      // cancelled one's lease goes back, so that it ends CANCELLED now).
      waiting.lost = true;
      this.#prefetched.drop(leaseId);
      this.#outbox.dropExtend(leaseId);
      if (refusedAsCancelled(code, message)) this.#outbox.release(leaseId, waiting.lease.task?.id);
      this.#leaseLost({ leaseId, taskId: waiting.lease.task?.id, kind: 'EXTEND', code, message });
      this.#scheduleFlush();
    }
  }

  #leaseLost(event: LeaseLostEvent): void {
    this.#logger.warn(
      `lease ${leaseReference(event.leaseId)} lost: ${event.kind} refused with code ${event.code}`,
      {
        taskId: event.taskId,
        message: event.message,
      },
    );
    this.#worker.emit('lease-lost', event);
  }
}

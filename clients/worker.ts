import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { ClaimRequest } from '../src/api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse__Output,
  _codeq_v1_ClaimResponse_Lease__Output as Lease,
  _codeq_v1_ClaimResponse_Outcome__Output as Outcome,
} from '../src/api/generated/codeq/v1/ClaimResponse.js';
import type { WorkerServiceClient } from '../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../src/api/proto.js';
import { msToDuration, timestampToMs } from '../src/api/time.js';
import { WorkerTracer, type TaskSpans } from './worker-tracer.js';
import { Backoff } from './backoff.js';
import { WorkerStream } from './worker-stream.js';
import { LeaseExtender, type ExtendableLease } from './lease-extender.js';
import { SettleOutbox } from './settle-outbox.js';
import { NON_RETRYABLE_STREAM, TRANSIENT_OUTCOMES } from './status-codes.js';
import type { LeaseLostEvent, ReconnectEvent, WorkerEvents, WorkerState } from './worker-events.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './worker-options.js';
import { Waiters } from './waiters.js';
import {
  LeaseLostError,
  runHandler,
  toWorkerTask,
  type HandlerSettle,
  type WorkerTask,
} from './worker-task.js';

/** A handler the worker is running. */
interface Running extends ExtendableLease {
  readonly task: WorkerTask;
  readonly controller: AbortController;
  /** The server refused an extension: results would be refused too, so none is sent. */
  lost: boolean;
  readonly spans: TaskSpans;
}

/** Pause before a settle or extension the server could not apply is sent again, in ms. */
const RETRY_SETTLE_MS = 500;

/** Failed reconnects in a row before the logger hears of it (then every 30 more). */
const WARN_AFTER_ATTEMPTS = 8;

/**
 * A codeQ worker: holds one Claim stream, runs `handler` for every leased task with at
 * most `concurrency` at a time, and settles each lease with its result or error.
 *
 * Guarantees: never more than `concurrency` handlers run; credit granted but unused plus
 * running handlers never exceed `concurrency`; running handlers are extended before their
 * lease runs out; a settle is sent (again, on a new stream if need be) until the server
 * acknowledges it or stop() gives up; stream failures reconnect with jittered backoff
 * without disturbing running handlers, to the next of its servers when it has several;
 * keepalive pings find a connection that died without closing.
 */
export class Worker extends EventEmitter<WorkerEvents> {
  readonly #options: ResolvedWorkerOptions;
  readonly #backoff: Backoff;
  readonly #outbox = new SettleOutbox();
  readonly #running = new Map<string, Running>();
  readonly #waiters = new Waiters();
  readonly #extender = new LeaseExtender(
    () => this.#running.values(),
    (lease, extensionMs) => {
      this.#outbox.extend(lease.leaseId, extensionMs);
      this.#scheduleFlush();
    },
  );
  readonly #tracer: WorkerTracer;
  /** `codeq.settle` spans awaiting the server's outcome, by lease id. */
  readonly #settleSpans = new Map<string, Span>();
  #state: WorkerState = 'INITIALIZED';
  /** One client (one channel) per address, in the order of `addresses`. */
  #clients: WorkerServiceClient[] = [];
  /** Index in `#clients` of the server the current or next stream goes to. */
  #target = 0;
  #session: WorkerStream | undefined;
  #everOpened = false;
  #starting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #stopping: Promise<void> | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #flushScheduled = false;

  constructor(options: WorkerOptions) {
    super();
    this.#options = resolveWorkerOptions(options);
    this.#tracer = new WorkerTracer(this.#options.tracerProvider);
    this.#backoff = new Backoff(this.#options.reconnectInitialBackoffMs, this.#options.reconnectMaxBackoffMs);
  }

  /** Where the worker is in its lifecycle; see {@link WorkerState}. */
  get state(): WorkerState {
    return this.#state;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  /**
   * Connects and starts taking tasks. Resolves once the first stream is opened; retries
   * while the server is unreachable. Rejects with the server's ServiceError when it refuses
   * the open for good (INVALID_ARGUMENT, UNAUTHENTICATED, …; the worker is then STOPPED),
   * or when stop() is called first.
   */
  start(): Promise<void> {
    if (this.#state !== 'INITIALIZED')
      return Promise.reject(new Error(`codeq worker: start() in state ${this.#state}`));
    this.#setState('RUNNING');
    const { WorkerService } = codeqProto().codeq.v1;
    const { addresses, credentials, channelOptions } = this.#options;
    this.#clients = addresses.map((address) => new WorkerService(address, credentials, channelOptions));
    const started = new Promise<void>((resolve, reject) => {
      this.#starting = { resolve, reject };
    });
    this.#connect();
    return started;
  }

  /**
   * Stops gracefully; safe to call more than once. Grants no more credit and releases
   * leases that still arrive; waits up to `shutdownGraceMs` for running handlers, then
   * aborts the rest through their signal and releases their leases; waits up to
   * `settleTimeoutMs` for every settle to be acknowledged; ends the stream and closes the
   * channel. Resolves in state STOPPED.
   */
  stop(): Promise<void> {
    if (this.#stopping) return this.#stopping;
    if (this.#state === 'INITIALIZED' || this.#state === 'STOPPED') {
      this.#setState('STOPPED');
      return Promise.resolve();
    }
    this.#stopping = this.#shutdown();
    return this.#stopping;
  }

  async #shutdown(): Promise<void> {
    const { shutdownGraceMs, settleTimeoutMs, logger } = this.#options;
    this.#setState('DRAINING');
    this.#starting?.reject(new Error('codeq worker: stopped before the first stream opened'));
    this.#starting = undefined;

    if (!(await this.#waiters.until(() => this.#running.size === 0, shutdownGraceMs))) {
      logger.warn(`aborting ${this.#running.size} handler(s) still running after the shutdown grace`, {
        shutdownGraceMs,
        leaseIds: [...this.#running.keys()],
      });
      for (const entry of this.#running.values()) {
        entry.controller.abort(new Error('codeq worker: shutdown grace ran out'));
        // A released lease goes back to the queue now and its attempt is not counted.
        if (!entry.lost) this.#outbox.release(entry.task.leaseId, entry.task.id);
      }
      this.#running.clear();
      this.#scheduleFlush();
    }

    const deadline = Date.now() + settleTimeoutMs;
    if (!(await this.#waiters.until(() => this.#outbox.settled, settleTimeoutMs))) {
      logger.warn(
        `${this.#outbox.unsettledCount} settle(s) unacknowledged at shutdown; ` +
          'those leases run out on the server and their tasks are retried',
        { settleTimeoutMs },
      );
    }
    clearTimeout(this.#reconnectTimer);
    clearTimeout(this.#retryTimer);
    this.#extender.stop();
    const session = this.#session;
    // Detached first, so its closing is not mistaken for a failure to recover from.
    this.#session = undefined;
    if (session) await session.end(Math.max(0, deadline - Date.now()));
    for (const span of this.#settleSpans.values())
      WorkerTracer.abandoned(span, 'settle unacknowledged when the worker stopped');
    this.#settleSpans.clear();
    this.#closeClients();
    this.#setState('STOPPED');
  }

  #connect(): void {
    const { workerId, queues, leaseDurationMs } = this.#options;
    const first: ClaimRequest = { open: { workerId, queues, leaseDuration: msToDuration(leaseDurationMs) } };
    // After a reconnect, handlers from the old stream still hold slots: grant only the rest.
    const credit = this.#state === 'RUNNING' ? this.#options.concurrency - this.#running.size : 0;
    if (credit > 0) first.credit = credit;
    const session = new WorkerStream(this.#clients[this.#target]!.Claim(), first, leaseDurationMs);
    this.#session = session;
    session.on('opened', () => this.#onOpened(session));
    session.on('response', (message) => this.#onResponse(session, message));
    session.on('drain', () => this.#scheduleFlush());
    session.on('closed', (status, error) => this.#onClosed(session, status, error));
  }

  #onResponse(session: WorkerStream, message: ClaimResponse__Output): void {
    if (session !== this.#session) return;
    for (const lease of message.leases) this.#onLease(session, lease);
    for (const outcome of message.outcomes) this.#onOutcome(outcome);
    if (message.draining && !session.draining) {
      session.draining = true;
      this.#options.logger.debug?.('server is draining; settling in-flight work before reconnecting', {
        sessionId: session.sessionId,
        inFlight: this.#running.size,
      });
      this.emit('draining');
    }
    this.#scheduleFlush();
    this.#notify();
  }

  #onOpened(session: WorkerStream): void {
    if (session !== this.#session) return;
    this.#everOpened = true;
    this.#backoff.reset();
    // Leases of handlers that outlived the old stream run out after the server's reconnect
    // grace (5 s by default), long before their next half-lease extension: claim them now.
    const now = Date.now();
    for (const entry of this.#running.values()) {
      if (entry.lost) continue;
      this.#outbox.extend(entry.leaseId, entry.leaseMs);
      entry.nextExtendAt = now + entry.leaseMs / 2;
    }
    if (this.#running.size > 0) this.#extender.rearm();
    this.emit('opened', { sessionId: session.sessionId ?? '', leaseDurationMs: session.leaseDurationMs });
    this.#starting?.resolve();
    this.#starting = undefined;
  }

  #onLease(session: WorkerStream, lease: Lease): void {
    session.window = Math.max(0, session.window - 1);
    const { leaseId } = lease;
    if (!leaseId) {
      this.#reportError(new Error('codeq worker: server sent a lease without lease_id; ignored'));
      return;
    }
    if (this.#running.has(leaseId)) return;
    if (this.#state !== 'RUNNING') {
      this.#outbox.release(leaseId, lease.task?.id);
      return;
    }
    if (this.#running.size >= this.#options.concurrency || !lease.task) {
      // Running it would break the concurrency promise; releasing costs the task no attempt.
      this.#reportError(
        new Error(`codeq worker: server sent lease ${leaseId} beyond the credit granted (or without a task)`),
      );
      this.#outbox.release(leaseId, lease.task?.id);
      return;
    }
    this.#run(toWorkerTask({ ...lease, leaseId }), session.leaseDurationMs);
  }

  #run(task: WorkerTask, leaseMs: number): void {
    const entry: Running = {
      leaseId: task.leaseId,
      task,
      controller: new AbortController(),
      leaseMs,
      nextExtendAt: Date.now() + leaseMs / 2,
      lost: false,
      spans: this.#tracer.startProcess(task),
    };
    this.#running.set(task.leaseId, entry);
    this.#extender.scheduled(entry);
    const context = { signal: entry.controller.signal, extend: (ms?: number) => this.#extendNow(entry, ms) };
    this.#tracer
      .run(entry.spans, () => runHandler(this.#options.handler, task, context))
      .then((settle) => this.#finish(entry, settle))
      .catch((err: unknown) => this.#reportError(err instanceof Error ? err : new Error(String(err))));
  }

  #finish(entry: Running, settle: HandlerSettle): void {
    const { leaseId, id: taskId } = entry.task;
    // Not ours any more: stop() gave up on it and released the lease.
    if (this.#running.get(leaseId) !== entry) {
      WorkerTracer.abandoned(entry.spans.process, 'handler outlived the shutdown grace');
      return;
    }
    this.#running.delete(leaseId);
    const error = settle.kind === 'FAIL' ? settle.error : undefined;
    if (entry.lost) {
      this.#tracer.finishProcess(entry.spans, entry.task, settle.kind, error ?? 'lease lost')?.end();
    } else {
      const span = this.#tracer.finishProcess(entry.spans, entry.task, settle.kind, error);
      if (span) this.#settleSpans.set(leaseId, span);
      if (settle.kind === 'COMPLETE') this.#outbox.complete(leaseId, settle.result, taskId);
      else this.#outbox.fail(leaseId, settle.error, settle.permanent, settle.retryDelayMs, taskId);
    }
    if (this.#running.size === 0) this.#extender.stop();
    this.#scheduleFlush();
    this.#notify();
  }

  #onOutcome(outcome: Outcome): void {
    const leaseId = outcome.leaseId ?? '';
    const code: grpc.status = outcome.code ?? grpc.status.OK;
    const kind = outcome.kind ?? 'KIND_UNSPECIFIED';
    const message = outcome.message ?? '';
    const entry = this.#running.get(leaseId);
    if (kind === 'EXTEND') {
      if (!entry || entry.lost) return;
      if (code === grpc.status.OK) {
        const deadlineMs = timestampToMs(outcome.deadline);
        if (deadlineMs !== undefined) entry.task.deadline = new Date(deadlineMs);
      } else if (TRANSIENT_OUTCOMES.has(code)) {
        // The lease still stands; try again well before it runs out rather than at the next half-lease.
        entry.nextExtendAt = Date.now() + Math.min(RETRY_SETTLE_MS, entry.leaseMs / 8);
        this.#extender.scheduled(entry);
      } else {
        entry.lost = true;
        this.#outbox.dropExtend(leaseId);
        entry.controller.abort(new LeaseLostError(leaseId, code, message));
        this.#leaseLost({ leaseId, taskId: entry.task.id, kind, code, message });
      }
      return;
    }
    if (code !== grpc.status.OK && TRANSIENT_OUTCOMES.has(code) && this.#outbox.defer(leaseId)) {
      this.#options.logger.debug?.(`${kind} of lease ${leaseId} not applied (code ${code}); retrying`, {
        message,
      });
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
    if (code === grpc.status.OK) return;
    const taskId = settle?.taskId ?? entry?.task.id;
    if (settle?.kind === 'COMPLETE' && code === grpc.status.RESOURCE_EXHAUSTED) {
      // The lease is still held, but this result will never fit: fail the attempt with the
      // server's reason, so the task's last_error says why instead of the lease timing out.
      this.#options.logger.warn(`result of task ${taskId} refused: ${message}`, { leaseId });
      this.#outbox.fail(leaseId, `result refused by the server: ${message}`, false, undefined, taskId);
      return;
    }
    this.#leaseLost({ leaseId, taskId, kind, code, message });
  }

  #leaseLost(event: LeaseLostEvent): void {
    this.#options.logger.warn(`lease ${event.leaseId} lost: ${event.kind} refused with code ${event.code}`, {
      taskId: event.taskId,
      message: event.message,
    });
    this.emit('lease-lost', event);
  }

  #onClosed(session: WorkerStream, status: grpc.StatusObject, error: grpc.ServiceError | undefined): void {
    if (session !== this.#session) return;
    this.#session = undefined;
    this.#outbox.requeueUnacked();
    const retryable = !NON_RETRYABLE_STREAM.has(status.code);
    if (this.#starting && !this.#everOpened && !retryable) {
      this.#starting.reject(error ?? new Error(`codeq worker: Claim refused: ${status.details}`));
      this.#starting = undefined;
      this.#closeClients();
      this.#setState('STOPPED');
      return;
    }
    if (!retryable) {
      this.#reportError(
        error ?? new Error(`codeq worker: Claim stream ended with code ${status.code}: ${status.details}`),
      );
    }
    if (this.#needsStream()) this.#scheduleReconnect(status);
    this.#notify();
  }

  #scheduleReconnect(status: grpc.StatusObject): void {
    // Whatever ended the stream (a crash, a drain, a refusal) may still hold for this
    // server; the next one is the better bet. The backoff still grows across servers, so a
    // worker whose every server is down does not spin through the list.
    this.#target = (this.#target + 1) % this.#clients.length;
    const delayMs = this.#backoff.next();
    const event: ReconnectEvent = {
      attempt: this.#backoff.attempt,
      delayMs,
      code: status.code,
      details: status.details,
      address: this.#options.addresses[this.#target]!,
    };
    // A few failures in a row are a deploy or a blip; more mean nobody is serving any address.
    const persistent =
      event.attempt >= WARN_AFTER_ATTEMPTS && event.attempt % 30 === WARN_AFTER_ATTEMPTS % 30;
    if (persistent)
      this.#options.logger.warn(`still no Claim stream after ${event.attempt} attempts`, { ...event });
    else this.#options.logger.debug?.('Claim stream ended; reconnecting', { ...event });
    this.emit('reconnect', event);
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      if (this.#needsStream()) this.#connect();
    }, delayMs);
  }

  /** A stream is needed to take work, or, once stopping, to deliver the settles still owed. */
  #needsStream(): boolean {
    if (this.#state === 'RUNNING') return true;
    return this.#state === 'DRAINING' && (this.#running.size > 0 || !this.#outbox.settled);
  }

  /** Writes what is queued at the end of this event-loop turn, so one turn's settles share one message. */
  #scheduleFlush(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    const session = this.#session;
    // Before `opened` the server may still refuse the open; queued settles wait for a stream that took.
    if (!session?.opened) return;
    while (session.writable) {
      const credit =
        this.#state === 'RUNNING' && !session.draining
          ? Math.max(0, this.#options.concurrency - this.#running.size - session.window)
          : 0;
      const message = this.#outbox.take(credit);
      if (!message) return;
      session.window += message.credit ?? 0;
      session.write(message);
    }
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
    this.#scheduleFlush();
  }

  /** Something changed: finish a drained stream, wake waiters. */
  #notify(): void {
    const session = this.#session;
    if (
      session?.draining &&
      !session.ending &&
      this.#running.size === 0 &&
      this.#outbox.settled &&
      this.#state !== 'STOPPED'
    ) {
      // Everything is settled on the draining stream: end it; its close triggers the reconnect.
      void session.end(this.#options.settleTimeoutMs);
    }
    this.#waiters.changed();
  }

  #closeClients(): void {
    for (const client of this.#clients) client.close();
  }

  #reportError(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.#options.logger.warn(err.message);
  }

  #setState(state: WorkerState): void {
    if (this.#state === state) return;
    this.#state = state;
    this.emit('state', state);
  }
}

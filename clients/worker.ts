import { EventEmitter } from 'node:events';
import type * as grpc from '@grpc/grpc-js';
import type { Span } from '@opentelemetry/api';
import type { ClaimRequest } from '../src/api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse__Output,
  _codeq_v1_ClaimResponse_Lease__Output as Lease,
} from '../src/api/generated/codeq/v1/ClaimResponse.js';
import type { WorkerServiceClient } from '../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../src/api/proto.js';
import { msToDuration } from '../src/api/time.js';
import { leaseReference } from '../src/domain/lease-id.js';
import { setLongTimeout } from '../src/domain/long-timeout.js';
import { WorkerTracer } from './worker-tracer.js';
import { WorkerStream } from './worker-stream.js';
import { ReconnectSchedule } from './reconnect-schedule.js';
import { HandlerSlots } from './handler-slots.js';
import { LeaseOutcomes } from './lease-outcomes.js';
import { SettleOutbox } from './settle-outbox.js';
import { NON_RETRYABLE_STREAM } from './status-codes.js';
import { failedSentence, type FailedEvent, type WorkerEvents, type WorkerState } from './worker-events.js';
import { resolveWorkerOptions, type ResolvedWorkerOptions, type WorkerOptions } from './worker-options.js';
import { Waiters } from './waiters.js';
import { MAX_RESULT_BYTES } from './worker-task.js';

/**
 * A codeQ worker: holds one Claim stream, runs `handler` for every leased task with at
 * most `concurrency` at a time, and settles each lease with its result or error.
 *
 * Guarantees: never more than `concurrency` handlers run; credit granted but unused plus
 * leases held (running or prefetched) never exceed `concurrency + prefetch`; held leases
 * are extended before they run out; a settle is sent (again, on a new stream if need be) until the server
 * acknowledges it or stop() gives up; stream failures reconnect with jittered backoff
 * without disturbing running handlers, to the next of its servers when it has several;
 * keepalive pings find a connection that died without closing.
 */
export class Worker extends EventEmitter<WorkerEvents> {
  readonly #options: ResolvedWorkerOptions;
  readonly #reconnect: ReconnectSchedule;
  readonly #outbox = new SettleOutbox();
  readonly #waiters = new Waiters();
  /** When stop() stops waiting for running handlers (Date.now() ms); Infinity before stop(). */
  #graceEndsAt = Infinity;
  /** The grace a `stop({ graceMs })` shortened the wait for running handlers to, if one did. */
  #shortenedGraceMs: number | undefined;
  readonly #slots: HandlerSlots;
  readonly #outcomes: LeaseOutcomes;
  /** `codeq.settle` spans awaiting the server's outcome, by lease id. */
  readonly #settleSpans = new Map<string, Span>();
  #state: WorkerState = 'INITIALIZED';
  /** One client (one channel) per address, in the order of `addresses`. */
  #clients: WorkerServiceClient[] = [];
  #session: WorkerStream | undefined;
  #everOpened = false;
  /** The result limit of the server last opened on (one that did not say: gRPC's default). */
  readonly #resultLimit = { maxResultBytes: MAX_RESULT_BYTES };
  #starting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  #stopping: Promise<void> | undefined;
  #flushScheduled = false;

  constructor(options: WorkerOptions) {
    super();
    this.#options = resolveWorkerOptions(options);
    const scheduleFlush = (): void => this.#scheduleFlush();
    this.#slots = new HandlerSlots(this.#options, this.#outbox, this.#settleSpans, this.#resultLimit, {
      scheduleFlush,
      finished: () => this.#onFinished(),
      reportError: (err) => this.#reportError(err),
      failed: (event) => this.#onFailed(event),
    });
    const { addresses, reconnectInitialBackoffMs, reconnectMaxBackoffMs, logger } = this.#options;
    this.#outcomes = new LeaseOutcomes(
      this.#slots,
      this.#outbox,
      this.#settleSpans,
      this,
      logger,
      scheduleFlush,
    );
    this.#reconnect = new ReconnectSchedule(
      addresses,
      reconnectInitialBackoffMs,
      reconnectMaxBackoffMs,
      logger,
    );
  }

  /** Where the worker is in its lifecycle; see {@link WorkerState}. */
  get state(): WorkerState {
    return this.#state;
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#slots.running.size;
  }

  /** Leases held ready for the next free slot (at most the `prefetch` option). */
  get prefetched(): number {
    return this.#slots.prefetched.size;
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
   * leases that still arrive; waits up to `shutdownGraceMs` (or `options.graceMs`) for
   * running handlers, then aborts the rest through their signal and releases their leases
   * (their attempts are not counted); waits up to `settleTimeoutMs` for every settle to be
   * acknowledged; ends the stream and closes the channel. Resolves in state STOPPED. A
   * later call with a shorter `graceMs` (0: a second Ctrl-C) ends the wait for running
   * handlers that much sooner.
   */
  stop(options: { graceMs?: number } = {}): Promise<void> {
    if (options.graceMs !== undefined) this.#shortenGrace(options.graceMs);
    if (this.#stopping) return this.#stopping;
    if (this.#state === 'INITIALIZED' || this.#state === 'STOPPED') {
      this.#setState('STOPPED');
      return Promise.resolve();
    }
    this.#stopping = this.#shutdown();
    return this.#stopping;
  }

  /** Running handlers are waited for until `ms` from now at the latest. */
  #shortenGrace(ms: number): void {
    const endsAt = Date.now() + Math.max(0, ms);
    if (endsAt >= this.#graceEndsAt) return;
    this.#graceEndsAt = endsAt;
    this.#shortenedGraceMs = Math.max(0, ms);
    // The shutdown's wait re-checks now, and at the new end.
    setLongTimeout(() => this.#waiters.changed(), Math.max(0, ms)).unref();
    this.#waiters.changed();
  }

  async #shutdown(): Promise<void> {
    const { shutdownGraceMs, settleTimeoutMs, logger } = this.#options;
    this.#setState('DRAINING');
    this.#starting?.reject(new Error('codeq worker: stopped before the first stream opened'));
    this.#starting = undefined;
    // Tasks not started go back to the queue now, for another worker.
    this.#slots.releasePrefetched();

    const byOption = Date.now() + shutdownGraceMs;
    if (byOption <= this.#graceEndsAt) {
      this.#graceEndsAt = byOption;
      this.#shortenedGraceMs = undefined;
    }
    await this.#waiters.until(
      () => this.#slots.running.size === 0 || Date.now() >= this.#graceEndsAt,
      Math.max(0, this.#graceEndsAt - Date.now()),
    );
    this.#slots.abortRunning(this.#shortenedGraceMs);

    const deadline = Date.now() + settleTimeoutMs;
    if (!(await this.#waiters.until(() => this.#outbox.settled, settleTimeoutMs))) {
      logger.warn(
        `${this.#outbox.unsettledCount} settle(s) unacknowledged at shutdown; ` +
          'those leases run out on the server and their tasks are retried',
        { settleTimeoutMs },
      );
    }
    this.#reconnect.cancel();
    this.#outcomes.cancelRetry();
    this.#slots.stopExtending();
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
    const credit = this.#state === 'RUNNING' ? this.#slots.room() : 0;
    if (credit > 0) first.credit = credit;
    const session = new WorkerStream(this.#clients[this.#reconnect.target]!.Claim(), first, leaseDurationMs);
    this.#session = session;
    const unopened = this.#warnIfUnopened(session, this.#options.addresses[this.#reconnect.target]!);
    session.on('opened', () => {
      clearTimeout(unopened);
      this.#onOpened(session);
    });
    session.on('response', (message) => this.#onResponse(session, message));
    session.on('drain', () => this.#scheduleFlush());
    session.on('closed', (status, error) => {
      clearTimeout(unopened);
      this.#onClosed(session, status, error);
    });
  }

  /**
   * A stream neither opened nor ended after `openWarningMs` says so once: nothing else
   * would, since grpc-js holds a stream past the server's per-connection cap without an
   * error, and `start()` waits for the first one.
   */
  #warnIfUnopened(session: WorkerStream, address: string): NodeJS.Timeout {
    const { openWarningMs, logger, queues } = this.#options;
    const timer = setTimeout(() => {
      if (session !== this.#session || session.opened) return;
      logger.warn(
        `no Claim stream open to ${address} after ${openWarningMs} ms: the server has not answered, ` +
          "or the stream waits in this process behind the server's per-connection stream cap " +
          '(--max-concurrent-streams, shared by the Workers and clients of one process that ' +
          'connect to one server)',
        { address, queues },
      );
    }, openWarningMs);
    timer.unref();
    return timer;
  }

  #onResponse(session: WorkerStream, message: ClaimResponse__Output): void {
    if (session !== this.#session) return;
    for (const lease of message.leases) this.#onLease(session, lease);
    for (const outcome of message.outcomes) this.#outcomes.apply(outcome);
    if (message.draining && !session.draining) {
      session.draining = true;
      this.#options.logger.debug?.('server is draining; settling in-flight work before reconnecting', {
        sessionId: session.sessionId,
        inFlight: this.#slots.running.size,
      });
      this.emit('draining');
    }
    this.#scheduleFlush();
    this.#notify();
  }

  #onOpened(session: WorkerStream): void {
    if (session !== this.#session) return;
    this.#everOpened = true;
    this.#resultLimit.maxResultBytes = session.maxResultBytes ?? MAX_RESULT_BYTES;
    this.#reconnect.opened();
    // Leases that outlived the old stream would soon run out: claim them on this one.
    this.#slots.extendAll();
    this.emit('opened', {
      sessionId: session.sessionId ?? '',
      leaseDurationMs: session.leaseDurationMs,
      maxResultBytes: this.#resultLimit.maxResultBytes,
      ...(session.maxCredit !== undefined && { maxCredit: session.maxCredit }),
    });
    this.#starting?.resolve();
    this.#starting = undefined;
  }

  #onLease(session: WorkerStream, lease: Lease): void {
    const { leaseId } = lease;
    if (!leaseId) {
      this.#reportError(new Error('codeq worker: server sent a lease without lease_id; ignored'));
      return;
    }
    if (this.#slots.holds(leaseId)) return;
    if (this.#state !== 'RUNNING') {
      this.#outbox.release(leaseId, lease.task?.id);
      return;
    }
    if (!this.#slots.accept(lease, leaseId, session.leaseDurationMs)) {
      // Releasing costs the task no attempt.
      this.#reportError(
        new Error(
          `codeq worker: server sent lease ${leaseReference(leaseId)} beyond the credit granted (or without a task)`,
        ),
      );
      this.#outbox.release(leaseId, lease.task?.id);
    }
  }

  /** A handler finished and its settle is queued: its slot takes the next prefetched lease. */
  #onFinished(): void {
    if (this.#state === 'RUNNING') this.#slots.startPrefetched();
    // Idle (nothing running or held, no lease on its way): the next task waits for the
    // credit this settle carries, so it goes now. Otherwise it waits for the end of the
    // turn, where the settles of the leases still arriving share its message.
    const idle = this.#slots.idle && this.#session?.window === 0;
    if (idle) this.#flush();
    else this.#scheduleFlush();
    this.#notify();
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
    const event = this.#reconnect.schedule(status, () => {
      if (this.#needsStream()) this.#connect();
    });
    this.emit('reconnect', event);
  }

  /** A stream is needed to take work, or, once stopping, to deliver the settles still owed. */
  #needsStream(): boolean {
    if (this.#state === 'RUNNING') return true;
    return this.#state === 'DRAINING' && (this.#slots.running.size > 0 || !this.#outbox.settled);
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
      const message = this.#outbox.take(
        this.#state === 'RUNNING' ? session.creditFor(this.#slots.room()) : 0,
      );
      if (!message) return;
      session.write(message);
    }
  }

  /** Something changed: finish a drained stream, wake waiters. */
  #notify(): void {
    const session = this.#session;
    if (
      session?.draining &&
      !session.ending &&
      this.#slots.idle &&
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

  #onFailed(event: FailedEvent): void {
    if (this.listenerCount('failed') > 0) this.emit('failed', event);
    else this.#options.logger.warn(failedSentence(event), { lease: leaseReference(event.leaseId) });
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

import { randomUUID } from 'node:crypto';
import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { ClaimRequest__Output } from '../api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse,
  _codeq_v1_ClaimResponse_Lease as LeaseMessage,
  _codeq_v1_ClaimResponse_Outcome_Kind as OutcomeKind,
} from '../api/generated/codeq/v1/ClaimResponse.js';
import { msToDuration, msToTimestamp } from '../api/time.js';
import { CodeqError, InvalidArgumentError } from '../domain/errors.js';
import { groupBy } from '../domain/group-by.js';
import type { Lease, LeaseRef, SettleOp, SettleResult } from '../domain/task.js';
import type { Consumer } from '../dispatcher/dispatcher.js';
import type { AbandonedLease } from '../lease-store/lease-store.js';
import type { DeliveryTrace, DispatchTrace } from '../telemetry/claim-path-tracer.js';
import { grpcCode } from './grpc-status.js';
import { leaseMessage } from './messages.js';
import { OutcomeBatch } from './outcome-batch.js';
import { settleRequests } from './settle-requests.js';
import { toOpenParams } from './validation.js';
import type { ServerContext } from './server-context.js';

type ClaimCall = ServerDuplexStream<ClaimRequest__Output, ClaimResponse>;

/** A lease this stream holds: where it is, and the deadline the stream last knew. */
type HeldLease = LeaseRef & { deadline: number };

const MESSAGE_BUDGET = 2 * 1024 * 1024;

/**
 * Life of one Claim stream:
 * - AWAITING_OPEN: the first message must carry `open`;
 * - OPEN: leases flow while credit lasts; settles are answered with outcomes;
 * - DRAINING: the server is shutting down; no more leases, settles still answered, and
 *   the stream ends with UNAVAILABLE once nothing is outstanding (or the drain grace ends);
 * - CLOSED: the stream ended; leases it still held wait out the reconnect grace.
 */
export type ClaimStreamState = 'AWAITING_OPEN' | 'OPEN' | 'DRAINING' | 'CLOSED';

/** One worker's Claim stream: a dispatcher consumer with credit, fencing-token settles and backpressure. */
export class ClaimStream implements Consumer {
  readonly id = randomUUID();
  state: ClaimStreamState = 'AWAITING_OPEN';
  queues: readonly string[] = [];
  leaseMs = 0;
  workerId = '';
  /** Credit granted and not yet used by a lease. */
  private permits = 0;
  /** False from a write the transport could not take at once until its 'drain'. */
  private writable = true;
  /** Leases sent on this stream and not settled here, by lease id. */
  private readonly outstanding = new Map<string, HeldLease>();
  /** The server ends the stream at the end of its drain: release its leases rather than wait for the worker. */
  private releaseOnClose = false;
  /** Settles received and not yet answered. */
  private settling = 0;
  /** Outcomes of this turn, sent as one message. */
  private readonly outcomes = new OutcomeBatch((outcomes) => this.send({ outcomes }));
  /** Traced lease messages the transport took only after pushing back: their write spans end at 'drain'. */
  private backpressured: DeliveryTrace[] = [];

  constructor(
    private readonly call: ClaimCall,
    private readonly ctx: ServerContext,
    private readonly onClosed: (stream: ClaimStream) => void,
  ) {
    call.on('data', (msg: ClaimRequest__Output) => this.guard(() => this.receive(msg)));
    call.on('end', () => this.clientEnded());
    call.on('cancelled', () => this.close());
    call.on('error', () => this.close());
    call.on('close', () => this.close());
    // 'drain' is the transport's: it took what it had pushed back on. (The server's
    // shutdown is `drain()` below, named after the `draining` message it sends.)
    call.on('drain', () => this.guard(() => this.writableAgain()));
  }

  /**
   * Runs a handler of a stream event. grpc-js emits these events from its own code, where
   * a throw would be an uncaught exception and end the process: an error that is not a
   * CodeqError is a bug, so it ends this stream only, with INTERNAL, logged once.
   */
  private guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      if (this.state === 'CLOSED') return;
      if (err instanceof CodeqError) {
        this.fail(grpcCode(err.kind), err.message);
        return;
      }
      this.ctx.logger.error('claim stream failed; ending it with INTERNAL', {
        session: this.id,
        worker: this.workerId,
        error: err,
      });
      this.fail(status.INTERNAL, 'internal error');
    }
  }

  /** The transport took what it pushed back on: lease and read again. */
  private writableAgain(): void {
    for (const delivery of this.backpressured.splice(0)) delivery.written(true);
    this.writable = true;
    this.call.resume();
    this.ctx.dispatcher.poke();
  }

  capacity(): number {
    return this.state === 'OPEN' && this.writable ? this.permits : 0;
  }

  /** Credit granted and not used by a lease yet (0 once the stream stopped taking leases). */
  get unusedCredit(): number {
    return this.state === 'OPEN' ? this.permits : 0;
  }

  deliver(_queue: string, leases: Lease[], dispatch?: DispatchTrace): void {
    this.permits -= leases.length;
    // Split large batches so every message stays well under a client's default 4 MiB limit.
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < leases.length; i++) {
      const size = leases[i]!.task.payload.length + 256;
      if (i > from && bytes + size > MESSAGE_BUDGET) {
        this.sendLeases(leases, from, i, dispatch);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < leases.length) this.sendLeases(leases, from, leases.length, dispatch);
  }

  /**
   * Sends `leases[from, to)` in one Leases message, encoded here so that a traced delivery
   * times `codeq.serialize` (building and encoding) apart from `codeq.stream.write`.
   */
  private sendLeases(leases: Lease[], from: number, to: number, dispatch: DispatchTrace | undefined): void {
    const delivery = dispatch?.delivery(this.id, this.workerId);
    const messages: LeaseMessage[] = [];
    for (let i = from; i < to; i++) {
      const lease = leases[i]!;
      const message = leaseMessage(lease);
      const leaseId = message.leaseId!;
      this.outstanding.set(leaseId, {
        queue: lease.task.queue,
        taskId: lease.task.id,
        token: lease.token,
        nonce: lease.nonce,
        deadline: lease.deadline,
      });
      // The worker's spans continue the trace of this delivery's queue_wait span.
      const headers = delivery?.lease(lease.task, leaseId, lease.deadline - this.leaseMs);
      if (headers) message.task!.headers = headers;
      messages.push(message);
    }
    if (this.state === 'CLOSED') {
      delivery?.serialized(0);
      delivery?.abandoned();
      return;
    }
    const encoded = this.ctx.encodeClaimResponse({ leases: messages });
    delivery?.serialized(encoded.length);
    const accepted = this.write(encoded);
    if (!delivery) return;
    if (accepted) delivery.written();
    else this.backpressured.push(delivery);
  }

  /** Server shutdown: tell the worker, stop leasing, and end once nothing is outstanding. */
  drain(): void {
    if (this.state !== 'OPEN' && this.state !== 'AWAITING_OPEN') return;
    this.state = 'DRAINING';
    this.send({ draining: true });
    this.endIfDrained();
  }

  /**
   * Ends the stream now with UNAVAILABLE (the drain grace ran out). Leases it still holds
   * are released, attempt not counted, so other replicas deliver them at once instead of
   * after the reconnect grace.
   */
  terminate(): void {
    this.releaseOnClose = true;
    this.fail(status.UNAVAILABLE, 'server is shutting down; reconnect to another replica');
  }

  private receive(msg: ClaimRequest__Output): void {
    if (this.state === 'CLOSED') return;
    try {
      if (this.state === 'AWAITING_OPEN') {
        if (!msg.open)
          throw new InvalidArgumentError('open', 'the first message of a Claim stream must carry open');
        this.open(msg.open);
      } else if (msg.open) {
        throw new InvalidArgumentError('open', 'only the first message of a Claim stream may carry open');
      }
      if (msg.credit) this.grant(msg.credit);
    } catch (err) {
      // A protocol error ends this stream only; its leases wait out the reconnect grace.
      // Anything else is a bug: guard() ends the stream with INTERNAL.
      if (err instanceof CodeqError) this.fail(grpcCode(err.kind), err.message);
      else throw err;
      return;
    }
    const settles = settleRequests(msg, {
      queues: this.queues,
      leaseMs: this.leaseMs,
      maxPayloadBytes: this.ctx.config.maxPayloadBytes,
    });
    for (const request of settles) {
      if ('refused' in request)
        this.outcomes.add({ leaseId: request.leaseId, kind: request.kind, ...request.refused });
      else this.settle(request.leaseId, request.kind, request.ref, request.op);
    }
  }

  private open(open: NonNullable<ClaimRequest__Output['open']>): void {
    if (this.ctx.isDraining())
      throw new CodeqError('UNAVAILABLE', 'server is shutting down; reconnect to another replica');
    const params = toOpenParams(open, this.ctx.config);
    this.queues = params.queues;
    this.leaseMs = params.leaseMs;
    this.workerId = params.workerId;
    this.state = 'OPEN';
    for (const queue of this.queues) this.ctx.metrics.queueSeen(queue);
    this.send({ opened: { sessionId: this.id, leaseDuration: msToDuration(this.leaseMs) } });
    this.ctx.dispatcher.add(this);
  }

  private grant(credit: number): void {
    const limit = this.ctx.config.maxStreamCredit;
    if (this.permits + credit > limit) {
      throw new InvalidArgumentError(
        'credit',
        `granting ${credit} would raise the stream's unused credit to ${this.permits + credit}, over the limit of ${limit}`,
      );
    }
    this.permits += credit;
    this.ctx.dispatcher.poke();
  }

  /** Runs a settle with this turn's batch of its queue; answered with exactly one outcome. */
  private settle(leaseId: string, kind: OutcomeKind & string, ref: LeaseRef, op: SettleOp): void {
    this.settling++;
    this.ctx.settler.settle(ref.queue, op).then(
      (result) => this.settled(leaseId, kind, result, undefined, undefined, ref),
      (err: unknown) => {
        const e = err instanceof CodeqError ? err : undefined;
        if (!e) this.ctx.logger.error('settle failed', { error: err });
        this.settled(
          leaseId,
          kind,
          undefined,
          e ? grpcCode(e.kind) : status.INTERNAL,
          e?.message ?? 'internal error',
        );
      },
    );
  }

  private settled(
    leaseId: string,
    kind: OutcomeKind & string,
    result?: SettleResult,
    code?: status,
    message?: string,
    ref?: LeaseRef,
  ): void {
    this.settling--;
    if (result?.status === 'ok') {
      if (kind !== 'EXTEND') this.outstanding.delete(leaseId);
      // An extend here makes this stream the lease's holder, with the deadline it now
      // knows: a worker that came back on this stream keeps it if its old stream ends.
      else if (ref && result.deadline !== undefined)
        this.outstanding.set(leaseId, { ...ref, deadline: result.deadline });
      this.outcomes.add({
        leaseId,
        kind,
        code: status.OK,
        ...(result.deadline !== undefined && { deadline: msToTimestamp(result.deadline) }),
      });
    } else if (result) {
      this.outcomes.add({
        leaseId,
        kind,
        code: result.status === 'stale' ? status.FAILED_PRECONDITION : status.NOT_FOUND,
        message: result.message,
      });
    } else {
      this.outcomes.add({ leaseId, kind, code, message });
    }
    this.endIfDrained();
  }

  private send(message: ClaimResponse): void {
    if (this.state !== 'CLOSED') this.write(message);
  }

  /** Writes a message (or one already encoded); false when the transport pushed back. */
  private write(message: ClaimResponse | Buffer): boolean {
    // The Claim method's serializer passes an encoded Buffer through (codeq-server.ts).
    if (this.call.write(message as ClaimResponse)) return true;
    // Stop leasing to this stream and stop reading its requests until the transport drains.
    this.writable = false;
    this.call.pause();
    return false;
  }

  private endIfDrained(): void {
    if (this.state === 'DRAINING' && this.outstanding.size === 0 && this.settling === 0) {
      // Let queued outcomes go out first.
      queueMicrotask(() => queueMicrotask(() => this.terminate()));
    }
  }

  private clientEnded(): void {
    if (this.state === 'CLOSED') return;
    // The worker half-closed: answer what is in flight, then end our side.
    const finish = (): void => {
      if (this.settling > 0) {
        setImmediate(finish);
        return;
      }
      queueMicrotask(() => {
        if (this.state !== 'CLOSED') this.call.end();
        this.close();
      });
    };
    this.ctx.dispatcher.remove(this);
    this.permits = 0;
    finish();
  }

  private fail(code: status, details: string): void {
    if (this.state === 'CLOSED') return;
    this.call.emit('error', { code, details });
    this.close();
  }

  private close(): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    for (const delivery of this.backpressured.splice(0)) delivery.abandoned();
    this.ctx.dispatcher.remove(this);
    if (this.releaseOnClose) this.releaseOutstanding();
    else this.abandonOutstanding();
    this.onClosed(this);
  }

  /** Gives the leases still out back to their queues now, attempt not counted. */
  private releaseOutstanding(): void {
    const byQueue = groupBy(this.outstanding.values(), (ref) => ref.queue);
    this.outstanding.clear();
    for (const [queue, held] of byQueue) {
      const ops = held.map(({ taskId, token, nonce }) => ({
        kind: 'release' as const,
        taskId,
        token,
        nonce,
      }));
      this.ctx.store.settle(queue, ops).catch((err: unknown) => {
        this.ctx.logger.warn(
          'could not release the leases of a drained stream; they come back at their deadline',
          {
            queue,
            error: err,
          },
        );
      });
    }
  }

  /** Leases still out on an ended stream wait out the reconnect grace, then go back to their queue. */
  private abandonOutstanding(): void {
    if (this.outstanding.size === 0) return;
    const byQueue = groupBy(this.outstanding.values(), (ref) => ref.queue);
    this.outstanding.clear();
    for (const [queue, held] of byQueue) {
      const leases: AbandonedLease[] = held.map(({ taskId, token, deadline }) => ({
        taskId,
        token,
        deadline,
      }));
      this.ctx.store.abandon(queue, leases, this.ctx.config.leaseReconnectGraceMs).catch((err: unknown) => {
        this.ctx.logger.warn(
          'could not shorten the leases of a closed stream; they come back at their deadline',
          {
            queue,
            error: err,
          },
        );
      });
    }
  }
}

import { randomUUID } from 'node:crypto';
import type { ServerDuplexStream } from '@grpc/grpc-js';
import type { ClaimRequest__Output } from '../api/generated/codeq/v1/ClaimRequest.js';
import type {
  ClaimResponse,
  _codeq_v1_ClaimResponse_Lease as LeaseMessage,
} from '../api/generated/codeq/v1/ClaimResponse.js';
import { msToDuration } from '../api/time.js';
import { InvalidArgumentError, StreamStalledError, UnavailableError } from '../domain/errors.js';
import type { Lease } from '../domain/task.js';
import type { Consumer } from '../dispatcher/dispatcher.js';
import type { DeliveryTrace, DispatchTrace } from '../telemetry/dispatch-trace.js';
import { endStream } from './grpc-status.js';
import { leaseMessage } from './messages.js';
import { releaseReadMessages } from './released-reads.js';
import { settleRequests } from './settle-requests.js';
import { StreamBuffer } from './stream-buffer.js';
import { StreamLeases } from './stream-leases.js';
import { toOpenParams } from './validation.js';
import type { ServerContext } from './server-context.js';

type ClaimCall = ServerDuplexStream<ClaimRequest__Output, ClaimResponse>;

const MESSAGE_BUDGET = 2 * 1024 * 1024;
/** What a lease message carries beside the payload, about: ids, deadline, headers. */
const LEASE_OVERHEAD_BYTES = 256;

/**
 * Life of one Claim stream:
 * - AWAITING_OPEN: the first message must carry `open`;
 * - OPEN: leases flow while credit lasts; settles are answered with outcomes;
 * - DRAINING: the server is shutting down; no more leases, settles still answered, and
 *   the stream ends with UNAVAILABLE once nothing is outstanding (or the drain grace ends);
 * - CLOSED: the stream ended; leases it still held wait out the reconnect grace.
 */
export type ClaimStreamState = 'AWAITING_OPEN' | 'OPEN' | 'DRAINING' | 'CLOSED';

/**
 * One worker's Claim stream: a dispatcher consumer with credit, fencing-token settles and
 * backpressure. The leases it sent and their settles are kept by stream-leases.ts.
 */
export class ClaimStream implements Consumer {
  readonly id = randomUUID();
  state: ClaimStreamState = 'AWAITING_OPEN';
  queues: readonly string[] = [];
  leaseMs = 0;
  workerId = '';
  /** Credit granted and not yet used by a lease. */
  #permits = 0;
  /** False from a write the transport could not take at once until its 'drain'. */
  #writable = true;
  /** Leases sent on this stream and not settled here, and its settles (stream-leases.ts). */
  readonly #leases: StreamLeases;
  /** Whether a grant went past --max-stream-credit (warned once per stream). */
  #creditCapped = false;
  /** Whether the stream reached the most unsettled leases it may hold (warned once per stream). */
  #heldCapped = false;
  /** Whether the last `capacity()` was 0 for want of settles: the next settle answered asks for a pass. */
  #waitsForSettles = false;
  /** Traced lease messages the transport took only after pushing back: their write spans end at 'drain'. */
  #backpressured: DeliveryTrace[] = [];
  /** Stops watching the caller's credential (access-control.ts): its expiry or revocation ends the stream. */
  readonly #unwatch: () => void;
  /** Lease bytes written and not yet taken by the transport, within the stream's and the server's caps. */
  readonly #buffer: StreamBuffer;
  readonly #call: ClaimCall;
  /**
   * Refuses a settle of a lease whose queue this caller may not claim from. The stream's
   * own queues were authorized when it opened; one function per stream, not per message.
   */
  readonly #authorizeSettleQueue = (queue: string): void => {
    if (!this.queues.includes(queue)) this.#ctx.access.authorize(this.#call, 'claim', [queue]);
  };
  readonly #ctx: ServerContext;
  readonly #onClosed: (stream: ClaimStream) => void;

  constructor(call: ClaimCall, ctx: ServerContext, onClosed: (stream: ClaimStream) => void) {
    this.#call = call;
    this.#ctx = ctx;
    this.#onClosed = onClosed;
    this.#leases = new StreamLeases(
      ctx,
      this,
      (outcomes) => this.#send({ outcomes }),
      () => this.#settleAnswered(),
    );
    this.#buffer = new StreamBuffer(
      ctx.limits.buffers,
      ctx.config.maxStreamBufferedBytes,
      ctx.config.maxStreamStallMs,
      {
        room: () => this.#ctx.dispatcher.poke(this),
        stalled: (message) => this.#fail(new StreamStalledError(message)),
      },
      ctx.config.maxPayloadBytes + LEASE_OVERHEAD_BYTES,
    );
    // A stream hears from its worker about once a task: what it read last should not
    // outlive the read (released-reads.ts).
    releaseReadMessages(call);
    call.on('data', (msg: ClaimRequest__Output) => this.#guard(() => this.#receive(msg)));
    call.on('end', () => this.#clientEnded());
    call.on('cancelled', () => this.#close());
    call.on('error', () => this.#close());
    call.on('close', () => this.#close());
    // 'drain' is the transport's: it took what it had pushed back on. (The server's
    // shutdown is `drain()` below, named after the `draining` message it sends.)
    call.on('drain', () => this.#guard(() => this.#writableAgain()));
    // A revoked or expired credential ends the stream like any failure: its leases wait
    // out the reconnect grace, for a worker with a fresh credential to settle them.
    this.#unwatch = ctx.access.watchStream(call, (err) => this.#fail(err));
  }

  /**
   * Runs a handler of a stream event. grpc-js emits these events from its own code, where
   * a throw would be an uncaught exception and end the process: an error that is not a
   * CodeqError is a bug, so it ends this stream only, with INTERNAL, logged once.
   */
  #guard(handle: () => void): void {
    try {
      handle();
    } catch (err) {
      if (this.state === 'CLOSED') return;
      // The boundary logs an error that is not a CodeqError, naming this stream.
      this.#fail(err);
    }
  }

  /** The transport took what it pushed back on: lease and read again. */
  #writableAgain(): void {
    for (const delivery of this.#backpressured.splice(0)) delivery.written(true);
    this.#writable = true;
    this.#call.resume();
    this.#ctx.dispatcher.poke(this);
  }

  capacity(): number {
    if (this.state !== 'OPEN' || !this.#writable) return 0;
    const room = this.#heldRoom();
    // Only as many leases as fit the bytes the worker may leave unread (stream-buffer.ts).
    return room > 0 ? this.#buffer.leases(Math.min(this.#permits, room)) : 0;
  }

  /**
   * How many more leases the stream may hold unsettled: twice `--max-stream-credit`. A
   * worker that grants a credit for each lease it settles holds at most the cap; one that
   * grants before it settles would otherwise take leases (and the server's memory to keep
   * them) for as long as its queues had tasks. It waits for its settles instead, said once.
   */
  #heldRoom(): number {
    const most = 2 * this.#ctx.config.maxStreamCredit;
    const room = most - this.#leases.size;
    if (room > 0 || this.#permits === 0) return room;
    this.#waitsForSettles = true;
    if (!this.#heldCapped) {
      this.#heldCapped = true;
      this.#ctx.logger.warn(
        `worker ${JSON.stringify(this.workerId)} holds ${this.#leases.size} leases it has not settled, ` +
          `twice --max-stream-credit (${this.#ctx.config.maxStreamCredit}): it gets no more until it settles some`,
        { session: this.id },
      );
    }
    return 0;
  }

  /** A settle was answered: its lease may have made room for another. */
  #settleAnswered(): void {
    if (this.#waitsForSettles && this.state === 'OPEN') {
      this.#waitsForSettles = false;
      this.#ctx.dispatcher.poke(this);
    }
    this.#endIfDrained();
  }

  /** Credit granted and not used by a lease yet (0 once the stream stopped taking leases). */
  get unusedCredit(): number {
    return this.state === 'OPEN' ? this.#permits : 0;
  }

  deliver(_queue: string, leases: Lease[], dispatch?: DispatchTrace): void {
    this.#permits -= leases.length;
    // Split large batches so every message stays well under a client's default 4 MiB limit.
    let from = 0;
    let bytes = 0;
    for (let i = 0; i < leases.length; i++) {
      const size = leases[i]!.task.payload.length + LEASE_OVERHEAD_BYTES;
      if (i > from && bytes + size > MESSAGE_BUDGET) {
        this.#sendLeases(leases, from, i, dispatch);
        from = i;
        bytes = 0;
      }
      bytes += size;
    }
    if (from < leases.length) this.#sendLeases(leases, from, leases.length, dispatch);
  }

  /**
   * Sends `leases[from, to)` in one Leases message, encoded here so that a traced delivery
   * times `codeq.serialize` (building and encoding) apart from `codeq.stream.write`.
   */
  #sendLeases(leases: Lease[], from: number, to: number, dispatch: DispatchTrace | undefined): void {
    const delivery = dispatch?.delivery(this.id, this.workerId);
    const messages: LeaseMessage[] = [];
    for (let i = from; i < to; i++) {
      const lease = leases[i]!;
      const message = leaseMessage(lease);
      const leaseId = message.leaseId!;
      this.#leases.sent(leaseId, lease);
      // The worker's spans continue the trace of this delivery's queue_wait span.
      const headers = delivery?.lease(lease.task, lease.token, lease.deadline - this.leaseMs);
      if (headers) message.task!.headers = headers;
      messages.push(message);
    }
    if (this.state === 'CLOSED') {
      delivery?.serialized(0);
      delivery?.abandoned();
      return;
    }
    const encoded = this.#ctx.encodeClaimResponse({ leases: messages });
    delivery?.serialized(encoded.length);
    if (!this.#buffer.admits(encoded.length)) {
      // Claimed for room that other streams took meanwhile: back to the queue, unsent,
      // and their credit back to the stream.
      this.#permits += to - from;
      this.#leases.giveBack(leases.slice(from, to), messages);
      delivery?.abandoned();
      return;
    }
    const accepted = this.#buffer.write(encoded.length, to - from, (taken) => this.#write(encoded, taken));
    if (!delivery) return;
    if (accepted) delivery.written();
    else this.#backpressured.push(delivery);
  }

  /** Server shutdown: tell the worker, stop leasing, and end once nothing is outstanding. */
  drain(): void {
    if (this.state !== 'OPEN' && this.state !== 'AWAITING_OPEN') return;
    this.state = 'DRAINING';
    this.#send({ draining: true });
    this.#endIfDrained();
  }

  /**
   * Ends the stream now with UNAVAILABLE (the drain grace ran out). Leases it still holds
   * wait out the reconnect grace like those of any ended stream: a worker still running
   * them settles or extends them on its stream to another replica.
   */
  terminate(): void {
    this.#fail(new UnavailableError('server is shutting down; reconnect to another replica'));
  }

  #receive(msg: ClaimRequest__Output): void {
    if (this.state === 'CLOSED') return;
    try {
      if (this.state === 'AWAITING_OPEN') {
        if (!msg.open)
          throw new InvalidArgumentError('open', 'the first message of a Claim stream must carry open');
        this.#open(msg.open);
      } else if (msg.open) {
        throw new InvalidArgumentError('open', 'only the first message of a Claim stream may carry open');
      }
      if (msg.credit) this.#grant(msg.credit);
    } catch (err) {
      // A protocol error ends this stream only; its leases wait out the reconnect grace.
      // Anything else is a bug, which the boundary ends with INTERNAL and logs.
      this.#fail(err);
      return;
    }
    const settles = settleRequests(msg, {
      authorizeQueue: this.#authorizeSettleQueue,
      leaseMs: this.leaseMs,
      maxPayloadBytes: this.#ctx.config.maxPayloadBytes,
    });
    // A worker that grants credit with its settles goes on without their outcomes.
    const goesOn = (msg.credit ?? 0) > 0;
    for (const request of settles) this.#leases.settle(request, goesOn);
  }

  #open(open: NonNullable<ClaimRequest__Output['open']>): void {
    if (this.#ctx.isDraining())
      throw new UnavailableError('server is shutting down; reconnect to another replica');
    const params = toOpenParams(open, this.#ctx.config);
    this.queues = params.queues;
    this.leaseMs = params.leaseMs;
    this.workerId = params.workerId;
    this.state = 'OPEN';
    for (const queue of this.queues) this.#ctx.metrics.queueSeen(queue);
    this.#send({
      opened: {
        sessionId: this.id,
        leaseDuration: msToDuration(this.leaseMs),
        maxResultBytes: this.#ctx.config.maxPayloadBytes,
        maxCredit: this.#ctx.config.maxStreamCredit,
      },
    });
    this.#ctx.dispatcher.add(this);
  }

  /**
   * Adds credit, up to `--max-stream-credit` unused: what a grant brings beyond that is not
   * kept (said once per stream), so a worker whose concurrency is above the cap gets that
   * many leases at a time rather than a stream that ends on its first message.
   */
  #grant(credit: number): void {
    const limit = this.#ctx.config.maxStreamCredit;
    const room = Math.max(0, limit - this.#permits);
    if (credit > room && !this.#creditCapped) {
      this.#creditCapped = true;
      this.#ctx.logger.warn(
        `worker ${JSON.stringify(this.workerId)} granted credit beyond --max-stream-credit (${limit} unused): ` +
          'it gets at most that many leases at a time; raise --max-stream-credit or lower its concurrency',
        { session: this.id },
      );
    }
    this.#permits += Math.min(credit, room);
    this.#ctx.dispatcher.poke(this);
  }

  #send(message: ClaimResponse): void {
    if (this.state !== 'CLOSED') this.#write(message);
  }

  /**
   * Writes a message (or one already encoded); false when the transport pushed back.
   * `taken` is called once the transport took it.
   */
  #write(message: ClaimResponse | Buffer, taken?: () => void): boolean {
    // The Claim method's serializer passes an encoded Buffer through (codeq-server.ts).
    if (this.#call.write(message as ClaimResponse, taken)) return true;
    // Stop leasing to this stream and stop reading its requests until the transport drains.
    this.#writable = false;
    this.#call.pause();
    return false;
  }

  #endIfDrained(): void {
    if (this.#drained()) {
      // Let queued outcomes go out first; ask again then: a claim planned before the drain
      // may have dealt a lease meanwhile, and ending now would release a lease the worker
      // runs, so another replica would run it too.
      queueMicrotask(() =>
        queueMicrotask(() => {
          if (this.#drained()) this.terminate();
        }),
      );
    }
  }

  #drained(): boolean {
    return this.state === 'DRAINING' && this.#leases.size === 0 && this.#leases.settling === 0;
  }

  #clientEnded(): void {
    if (this.state === 'CLOSED') return;
    // The worker half-closed: answer what is in flight, then end our side.
    const finish = (): void => {
      if (this.#leases.settling > 0) {
        setImmediate(finish);
        return;
      }
      queueMicrotask(() => {
        if (this.state !== 'CLOSED') this.#call.end();
        this.#close();
      });
    };
    this.#ctx.dispatcher.remove(this);
    this.#permits = 0;
    finish();
  }

  /** Ends the stream with the status of `err` (the call boundary, grpc-status.ts). */
  #fail(err: unknown): void {
    if (this.state === 'CLOSED') return;
    endStream(this.#call, err, this.#ctx.logger, { session: this.id, worker: this.workerId });
    this.#close();
  }

  #close(): void {
    if (this.state === 'CLOSED') return;
    this.state = 'CLOSED';
    this.#unwatch();
    this.#buffer.close();
    for (const delivery of this.#backpressured.splice(0)) delivery.abandoned();
    this.#ctx.dispatcher.remove(this);
    this.#leases.abandon();
    this.#onClosed(this);
  }
}

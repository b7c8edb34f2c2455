import { status, type ServerDuplexStream } from '@grpc/grpc-js';
import type { EnqueueStreamRequest__Output } from '../api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse } from '../api/generated/codeq/v1/EnqueueStreamResponse.js';
import { msToDuration } from '../api/time.js';
import { CodeqError, RateLimitedError } from '../domain/errors.js';
import type { NewTask } from '../domain/task.js';
import { grpcCode } from './grpc-status.js';
import type { ServerContext } from './server-context.js';
import { storeTasks } from './store-tasks.js';
import { toNewTasks } from './validation.js';

type EnqueueCall = ServerDuplexStream<EnqueueStreamRequest__Output, EnqueueStreamResponse>;

/** Requests of one stream read and not yet answered, at most; past it the stream stops reading. */
const MAX_IN_FLIGHT = 1024;

interface Slot {
  response: EnqueueStreamResponse | undefined;
}

/**
 * One producer's EnqueueStream: every request is validated and stored like an
 * EnqueueBatch call (through the same per-turn batches), and answered by exactly one
 * response, in request order, however the store calls of different queues interleave.
 * A refused request is answered with its status; only a broken transport ends the stream.
 *
 * With access control on, the stream is authenticated once, before its first request is
 * read, and every request is authorized (the enqueue scope on each of its queues) and
 * charged to the caller's rate limit like an EnqueueBatch call.
 *
 * Backpressure both ways: the stream stops reading while MAX_IN_FLIGHT requests wait for
 * the store or while the transport refuses more responses, and resumes when both clear.
 */
export class EnqueueStream {
  /** Answers in request order; the head is written as soon as it is known. */
  private readonly slots: Slot[] = [];
  private head = 0;
  private writable = true;
  private paused = false;
  private finishing = false;
  private closed = false;
  private authenticating = false;

  constructor(
    private readonly call: EnqueueCall,
    private readonly ctx: ServerContext,
    private readonly onClosed: (stream: EnqueueStream) => void,
  ) {
    call.on('data', (request: EnqueueStreamRequest__Output) => this.receive(request));
    call.on('end', () => this.finish());
    call.on('cancelled', () => this.close());
    call.on('error', () => this.close());
    call.on('close', () => this.close());
    call.on('drain', () => {
      this.writable = true;
      this.updateFlow();
    });
    if (ctx.access.enabled) {
      // Nothing is read until the caller is known; a bad credential ends the stream.
      this.authenticating = true;
      call.pause();
      ctx.access.authenticate(call).then(
        () => {
          this.authenticating = false;
          if (!this.closed) call.resume();
        },
        (err: unknown) => {
          const { code, message } = this.refusal(err);
          if (!this.closed) call.emit('error', { code, details: message });
          this.close();
        },
      );
    }
  }

  /** Stops taking requests; the stream ends (OK) once every request read so far is answered. */
  finish(): void {
    this.finishing = true;
    this.endIfDone();
  }

  private receive(request: EnqueueStreamRequest__Output): void {
    if (this.closed || this.finishing) return;
    const slot: Slot = { response: undefined };
    this.slots.push(slot);
    this.updateFlow();
    let tasks: NewTask[];
    try {
      tasks = toNewTasks(request.tasks, this.ctx.config);
      if (this.ctx.access.enabled) {
        this.ctx.access.authorize(this.call, 'enqueue', new Set(tasks.map((t) => t.queue)));
        this.ctx.access.chargeEnqueue(this.call, tasks.length);
      }
    } catch (err) {
      this.answer(slot, this.refusal(err));
      return;
    }
    storeTasks(this.ctx, tasks, this.call.metadata).then(
      (results) => this.answer(slot, { results, code: 0 }),
      (err: unknown) => this.answer(slot, this.refusal(err)),
    );
  }

  private refusal(err: unknown): EnqueueStreamResponse {
    if (err instanceof RateLimitedError)
      return { code: grpcCode(err.kind), message: err.message, retryAfter: msToDuration(err.retryAfterMs) };
    if (err instanceof CodeqError) return { code: grpcCode(err.kind), message: err.message };
    this.ctx.logger.error('internal error', { error: err });
    return { code: status.INTERNAL, message: 'internal error' };
  }

  private answer(slot: Slot, response: EnqueueStreamResponse): void {
    slot.response = response;
    if (this.closed) return;
    while (this.head < this.slots.length) {
      const next = this.slots[this.head]!.response;
      if (!next) break;
      this.head++;
      if (!this.call.write(next)) this.writable = false;
    }
    if (this.head === this.slots.length) {
      this.slots.length = 0;
      this.head = 0;
    }
    this.updateFlow();
    this.endIfDone();
  }

  /** Reads while few requests wait and the transport takes responses. */
  private updateFlow(): void {
    if (this.closed) return;
    const busy = !this.writable || this.slots.length - this.head >= MAX_IN_FLIGHT;
    if (this.authenticating) return;
    if (busy && !this.paused) {
      this.paused = true;
      this.call.pause();
    } else if (!busy && this.paused) {
      this.paused = false;
      this.call.resume();
    }
  }

  private endIfDone(): void {
    if (this.finishing && !this.closed && this.head === this.slots.length) {
      this.call.end();
      this.close();
    }
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClosed(this);
  }
}

import type { ServerDuplexStream } from '@grpc/grpc-js';
import Denque from 'denque';
import type { EnqueueRequest__Output } from '../api/generated/codeq/v1/EnqueueRequest.js';
import type { EnqueueStreamRequest__Output } from '../api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse } from '../api/generated/codeq/v1/EnqueueStreamResponse.js';
import { msToDuration } from '../api/time.js';
import { RateLimitedError } from '../domain/errors.js';
import type { NewTask } from '../domain/task.js';
import { endStream, toGrpcStatus } from './grpc-status.js';
import { gatherWrites } from './gathered-writes.js';
import { releaseReadMessages } from './released-reads.js';
import type { ServerContext } from './server-context.js';
import { storeTasks } from './store-tasks.js';
import { toNewTasks } from './validation.js';

type EnqueueCall = ServerDuplexStream<EnqueueStreamRequest__Output, EnqueueStreamResponse>;

/** Requests of one stream read and not yet answered, at most; past it the stream stops reading. */
const MAX_IN_FLIGHT = 1024;
/** What a task holds besides its payload, names and headers (its decoded message, its slot), counted as bytes. */
const TASK_OVERHEAD_BYTES = 256;

/**
 * Bytes a request holds while it waits for the store: its payloads, names and headers,
 * and a fixed overhead per task. An estimate of what it keeps alive, not its wire size.
 */
export function requestBytes(request: EnqueueStreamRequest__Output): number {
  let bytes = 0;
  for (const task of request.tasks as (EnqueueRequest__Output | undefined)[]) {
    if (!task) continue;
    bytes += TASK_OVERHEAD_BYTES + (task.payload?.length ?? 0) + (task.queue?.length ?? 0);
    bytes += (task.idempotencyKey?.length ?? 0) + (task.fairnessKey?.length ?? 0);
    const headers = task.headers;
    // for-in, not Object.entries: no array per task on the producers' path.
    if (headers) for (const k in headers) bytes += k.length + (headers[k]?.length ?? 0);
  }
  return bytes;
}

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
 * the store, while the transport refuses more responses, or while the requests it read
 * and the store has not answered hold `--max-stream-buffered-bytes` (this stream) or
 * `--max-buffered-bytes` (every stream of the server, with the Claim streams' unsent
 * leases) — `requestBytes` of each; it resumes when all clear. One request always goes
 * when the stream holds none, so a stream may pass its cap by one request (at most the
 * receive limit), and grpc-js keeps reading up to 16 messages ahead of a paused stream.
 */
export class EnqueueStream {
  /**
   * The requests read and not answered yet, in request order: the oldest is written, and
   * taken out, as soon as its answer is known.
   */
  readonly #slots = new Denque<Slot>();
  #writable = true;
  #paused = false;
  #finishing = false;
  #closed = false;
  #authenticating = false;
  /** `requestBytes` of the requests read whose store call has not settled. */
  #heldBytes = 0;
  /** Called once the server's buffered bytes fall under `--max-buffered-bytes`, after this stream found them over it. */
  readonly #wake = (): void => this.#updateFlow();
  /** Stops watching the caller's credential: its expiry or revocation ends the stream. */
  #unwatch: () => void = () => {};
  readonly #call: EnqueueCall;
  readonly #ctx: ServerContext;
  readonly #onClosed: (stream: EnqueueStream) => void;

  constructor(call: EnqueueCall, ctx: ServerContext, onClosed: (stream: EnqueueStream) => void) {
    this.#call = call;
    this.#ctx = ctx;
    this.#onClosed = onClosed;
    gatherWrites(call);
    // A producer's last request, payloads and all, should not stay in memory until its
    // next one (released-reads.ts).
    releaseReadMessages(call);
    call.on('data', (request: EnqueueStreamRequest__Output) => this.#receive(request));
    call.on('end', () => this.finish());
    call.on('cancelled', () => this.#close());
    call.on('error', () => this.#close());
    call.on('close', () => this.#close());
    call.on('drain', () => {
      this.#writable = true;
      this.#updateFlow();
    });
    if (ctx.access.enabled) {
      // Nothing is read until the caller is known; a bad credential ends the stream.
      this.#authenticating = true;
      call.pause();
      ctx.access.authenticate(call).then(
        () => {
          this.#authenticating = false;
          if (this.#closed) return;
          this.#unwatch = ctx.access.watchStream(call, (err) => {
            if (!this.#closed) endStream(call, err, ctx.logger);
            this.#close();
          });
          call.resume();
        },
        (err: unknown) => {
          if (!this.#closed) endStream(call, err, ctx.logger);
          this.#close();
        },
      );
    }
  }

  /** Stops taking requests; the stream ends (OK) once every request read so far is answered. */
  finish(): void {
    this.#finishing = true;
    this.#endIfDone();
  }

  #receive(request: EnqueueStreamRequest__Output): void {
    if (this.#closed || this.#finishing) return;
    const slot: Slot = { response: undefined };
    this.#slots.push(slot);
    const size = requestBytes(request);
    this.#hold(size);
    this.#updateFlow();
    let tasks: NewTask[];
    try {
      tasks = toNewTasks(request.tasks, this.#ctx.config);
      if (this.#ctx.access.enabled)
        this.#ctx.access.authorize(this.#call, 'enqueue', new Set(tasks.map((t) => t.queue)));
    } catch (err) {
      this.#release(size);
      this.#answer(slot, this.#refusal(err));
      return;
    }
    // The rate limit may be counted in the store (shared by replicas): a request over it
    // is answered refused and stores nothing; later requests are charged on their own.
    const store = () => storeTasks(this.#ctx, tasks, this.#call.metadata);
    const charged = this.#ctx.access.chargeEnqueue(this.#call, tasks.length);
    const stored = charged ? charged.then(store) : store();
    stored.then(
      (results) => {
        this.#release(size);
        this.#answer(slot, { results, code: 0 });
      },
      (err: unknown) => {
        this.#release(size);
        this.#answer(slot, this.#refusal(err));
      },
    );
  }

  /** Counts a request's bytes against this stream's cap and the server's. */
  #hold(size: number): void {
    this.#heldBytes += size;
    this.#ctx.limits.buffers.hold(size);
  }

  /** The store call of a request settled: its bytes are free (also after the stream closed). */
  #release(size: number): void {
    this.#heldBytes -= size;
    this.#ctx.limits.buffers.free(size);
  }

  /**
   * Whether the requests read so far leave room to read another: always when none is
   * held; else under this stream's cap and the server's (told when the server's frees).
   */
  #roomToRead(): boolean {
    if (this.#heldBytes === 0) return true;
    if (this.#heldBytes >= this.#ctx.config.maxStreamBufferedBytes) return false;
    const buffers = this.#ctx.limits.buffers;
    if (buffers.roomBytes > 0) return true;
    buffers.whenFree(this.#wake);
    return false;
  }

  #refusal(err: unknown): EnqueueStreamResponse {
    const { code, details } = toGrpcStatus(err, this.#ctx.logger);
    if (err instanceof RateLimitedError)
      return { code, message: details, retryAfter: msToDuration(err.retryAfterMs) };
    return { code, message: details };
  }

  #answer(slot: Slot, response: EnqueueStreamResponse): void {
    slot.response = response;
    if (this.#closed) return;
    // Answers ready in one turn leave together (gatherWrites): in one or two socket writes,
    // not one per turn.
    this.#call.cork();
    for (;;) {
      const next = this.#slots.peekFront()?.response;
      if (!next) break;
      this.#slots.shift();
      if (!this.#call.write(next)) this.#writable = false;
    }
    this.#call.uncork();
    this.#updateFlow();
    this.#endIfDone();
  }

  /** Reads while few requests wait, their bytes are under the caps, and the transport takes responses. */
  #updateFlow(): void {
    if (this.#closed) return;
    if (this.#authenticating) return;
    const busy = !this.#writable || this.#slots.length >= MAX_IN_FLIGHT || !this.#roomToRead();
    if (busy && !this.#paused) {
      this.#paused = true;
      this.#call.pause();
    } else if (!busy && this.#paused) {
      this.#paused = false;
      this.#call.resume();
    }
  }

  #endIfDone(): void {
    if (this.#finishing && !this.#closed && this.#slots.isEmpty()) {
      this.#call.end();
      this.#close();
    }
  }

  #close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#ctx.limits.buffers.forget(this.#wake);
    this.#unwatch();
    this.#onClosed(this);
  }
}

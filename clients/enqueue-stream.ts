import * as grpc from '@grpc/grpc-js';
import Denque from 'denque';
import type { EnqueueRequest } from '../src/api/generated/codeq/v1/EnqueueRequest.js';
import type { EnqueueResponse__Output } from '../src/api/generated/codeq/v1/EnqueueResponse.js';
import type { EnqueueStreamRequest } from '../src/api/generated/codeq/v1/EnqueueStreamRequest.js';
import type { EnqueueStreamResponse__Output } from '../src/api/generated/codeq/v1/EnqueueStreamResponse.js';
import type { TaskServiceClient } from '../src/api/generated/codeq/v1/TaskService.js';
import { durationToMs } from '../src/api/time.js';
import { setLongTimeout, type LongTimeout } from '../src/domain/long-timeout.js';

type StreamCall = grpc.ClientDuplexStream<EnqueueStreamRequest, EnqueueStreamResponse__Output>;

/** One enqueue sent on the stream and not answered yet. */
interface Waiter {
  request: EnqueueRequest;
  deadlineMs: number | undefined;
  resolve: (response: EnqueueResponse__Output) => void;
  reject: (err: grpc.ServiceError) => void;
  /** Set when the call has a deadline; cleared when the answer comes. */
  timer: LongTimeout | undefined;
  /** The deadline passed: the caller was told, the answer is dropped. */
  settled: boolean;
}

/**
 * A grpc-js style error for a status the stream reported for one request; a retry hint
 * becomes the `retry-after-ms` metadata entry, as a unary call's trailer carries it.
 */
export function serviceError(code: grpc.status, details: string, retryAfterMs?: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  if (retryAfterMs !== undefined) metadata.set('retry-after-ms', String(retryAfterMs));
  return Object.assign(new Error(`${code} ${grpc.status[code]}: ${details}`), { code, details, metadata });
}

/**
 * A refusal of one of this client's requests, named as the unary `Enqueue` names it: each
 * request carries the caller's one task as `tasks[0]`, so the server's
 * `tasks[0].queue: must match …` reads `queue: must match …`.
 */
function asSingleTask(message: string): string {
  return message.replace(/\btasks\[0\]\./g, '');
}

/**
 * Carries a producer's enqueues on one long-lived EnqueueStream: one message per
 * enqueue, answered in order, so a task costs a frame on an open HTTP/2 stream instead
 * of a call of its own (headers, trailers, a stream to open and close). The frames one
 * event-loop turn writes leave in one socket write.
 *
 * The stream opens on the first enqueue and again after it ended. When the stream
 * breaks, the enqueues waiting on it are rejected with its status (a task may or may
 * not have been stored, exactly as when a unary call fails). A server without the
 * method answers UNIMPLEMENTED before reading anything: then `unsupported` turns true
 * and the enqueues waiting are handed back through `fallback`, unsent.
 */
export class EnqueueStreamClient {
  #call: StreamCall | undefined;
  /** Enqueues sent and not answered yet, oldest first: an answer takes its waiter out. */
  readonly #waiting = new Denque<Waiter>();
  /** The server does not offer EnqueueStream: the producer uses unary calls instead. */
  unsupported = false;
  readonly #client: TaskServiceClient;
  readonly #fallback: (
    request: EnqueueRequest,
    deadlineMs: number | undefined,
  ) => Promise<EnqueueResponse__Output>;

  constructor(
    client: TaskServiceClient,
    fallback: (request: EnqueueRequest, deadlineMs: number | undefined) => Promise<EnqueueResponse__Output>,
  ) {
    this.#client = client;
    this.#fallback = fallback;
  }

  /** Sends one task; resolves with its result, or rejects with the request's status. */
  enqueue(request: EnqueueRequest, deadlineMs?: number): Promise<EnqueueResponse__Output> {
    if (this.unsupported) return this.#fallback(request, deadlineMs);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { request, deadlineMs, resolve, reject, timer: undefined, settled: false };
      if (deadlineMs !== undefined) {
        waiter.timer = setLongTimeout(() => {
          waiter.settled = true;
          reject(serviceError(grpc.status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
        }, deadlineMs);
      }
      const call = this.#open();
      this.#waiting.push(waiter);
      // The stream buffers what the transport cannot take yet; the server bounds what
      // it reads ahead and answers in order, so nothing is lost while it pushes back.
      call.write({ tasks: [request] });
    });
  }

  /** Half-closes the stream: enqueues already sent are still answered. */
  end(): void {
    this.#call?.end();
  }

  #open(): StreamCall {
    if (this.#call) return this.#call;
    const call = this.#client.enqueueStream();
    this.#call = call;
    call.on('data', (response: EnqueueStreamResponse__Output) => this.#answer(response));
    call.on('error', (err: grpc.ServiceError) => this.#broken(call, err));
    call.on('status', (status: grpc.StatusObject) => {
      if (status.code === grpc.status.OK)
        this.#broken(call, serviceError(grpc.status.UNAVAILABLE, 'enqueue stream ended before answering'));
    });
    return call;
  }

  #answer(response: EnqueueStreamResponse__Output): void {
    const waiter = this.#waiting.shift();
    if (!waiter || waiter.settled) return;
    waiter.timer?.clear();
    const code: grpc.status = response.code ?? grpc.status.OK;
    if (code !== grpc.status.OK) {
      const retryAfter = response.retryAfter ? durationToMs(response.retryAfter) : undefined;
      waiter.reject(serviceError(code, asSingleTask(response.message ?? ''), retryAfter));
    } else waiter.resolve(response.results[0] ?? {});
  }

  /** The stream ended: reject (or, when the method is missing, resend) what it still owed. */
  #broken(call: StreamCall, err: grpc.ServiceError): void {
    if (this.#call !== call) return;
    this.#call = undefined;
    const owed = this.#waiting.toArray();
    this.#waiting.clear();
    if (err.code === grpc.status.UNIMPLEMENTED) this.unsupported = true;
    for (const waiter of owed) {
      if (waiter.settled) continue;
      waiter.timer?.clear();
      if (this.unsupported) {
        this.#fallback(waiter.request, waiter.deadlineMs).then(waiter.resolve, waiter.reject);
      } else {
        waiter.reject(err);
      }
    }
  }
}

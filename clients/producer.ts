import * as grpc from '@grpc/grpc-js';
import { context, isSpanContextValid, trace } from '@opentelemetry/api';
import type { CancelTaskResponse__Output } from '../src/api/generated/codeq/v1/CancelTaskResponse.js';
import type { CompleteResponse__Output } from '../src/api/generated/codeq/v1/CompleteResponse.js';
import type { EnqueueBatchResponse__Output } from '../src/api/generated/codeq/v1/EnqueueBatchResponse.js';
import type { EnqueueRequest } from '../src/api/generated/codeq/v1/EnqueueRequest.js';
import type { EnqueueResponse__Output } from '../src/api/generated/codeq/v1/EnqueueResponse.js';
import type { Task__Output } from '../src/api/generated/codeq/v1/Task.js';
import type { TaskServiceClient } from '../src/api/generated/codeq/v1/TaskService.js';
import type { WorkerServiceClient } from '../src/api/generated/codeq/v1/WorkerService.js';
import { codeqProto } from '../src/api/proto.js';
import { msToDuration } from '../src/api/time.js';
import type { TaskState } from '../src/domain/task.js';
import { headersOf } from '../src/spans/trace-context.js';
import { toBytes, type Bytes } from './bytes.js';
import { EnqueueStreamClient } from './enqueue-stream.js';
import { resolveKeepalive, withKeepalive, type KeepaliveOptions } from './keepalive.js';
import { withBearerToken } from './credentials.js';
import { taskFields, type TaskFields } from './task-fields.js';

/** Options of {@link Producer}. Keepalive is on by default ({@link KeepaliveOptions}). */
export interface ProducerOptions extends KeepaliveOptions {
  /** `host:port` of a codeQ server. */
  address: string;
  /** Channel credentials. Default: insecure (plaintext). */
  credentials?: grpc.ChannelCredentials;
  /** Extra grpc-js channel options. Default: none. */
  channelOptions?: grpc.ChannelOptions;
  /**
   * How `enqueue` reaches the server. `stream` (default): every enqueue is one message on
   * a long-lived EnqueueStream, the cheapest way to send many tasks; a server without
   * that method is detected and served with unary calls. `unary`: one Enqueue call each.
   */
  transport?: 'stream' | 'unary';
  /** Bearer token (static token or JWT) sent on every call. Default: none. */
  token?: string;
}

/** Per-call options. */
export interface CallOptions {
  /** Give up on the call after this many ms (DEADLINE_EXCEEDED). Default: no deadline. */
  deadlineMs?: number;
}

/** How a task is enqueued; every field falls back to the server's default when left out. */
export interface TaskOptions {
  /** 0–9, higher is claimed first. Default 0. */
  priority?: number;
  /** Not claimable before now + delayMs, in ms. Default 0. */
  delayMs?: number;
  /** Deliveries before the task becomes DEAD, 1–1000. Default 5 (server side). */
  maxAttempts?: number;
  /** Backoff between attempts: exponential with full jitter, capped. */
  retry?: {
    /** Delay bound before the second attempt, in ms. Server default 1 000. */
    initialBackoffMs?: number;
    /** Upper bound of any delay, in ms. Server default 300 000 (5 min). */
    maxBackoffMs?: number;
    /** Growth factor per attempt, at least 1. Server default 2. */
    multiplier?: number;
  };
  /** Within the server's window, the same key on the same queue returns the first task's id. */
  idempotencyKey?: string;
  /**
   * Free-form metadata delivered with the task. Unless it already holds a `traceparent`,
   * the producer adds the W3C `traceparent`/`tracestate` of the active span (if any), so
   * the task's trace continues on the server and the worker.
   */
  headers?: Record<string, string>;
}

/** Options of {@link Producer.enqueue}. */
export type EnqueueOptions = TaskOptions & CallOptions;

/** One task of {@link Producer.enqueueBatch}. */
export interface BatchTask extends TaskOptions {
  queue: string;
  payload: Bytes;
}

/** The answer to adding one task. */
export interface EnqueueResult {
  taskId: string;
  /** True when the idempotency key matched an earlier task, whose id is returned. */
  duplicate: boolean;
}

/** A task as {@link Producer.getTask} reports it. */
export interface TaskInfo extends TaskFields {
  /** `UNSPECIFIED` only if the server left the state out. */
  state: TaskState | 'UNSPECIFIED';
  /** The error of the last failed attempt; empty if none. */
  lastError: string;
  /** The result the completing worker gave; empty if none. */
  result: Buffer;
}

/**
 * The producer side of codeQ: enqueue, inspect and cancel tasks, and complete a lease
 * outside a worker stream. Every method rejects with the grpc-js ServiceError the server
 * returned (`code`, `details`, `metadata`), untouched, so callers can branch on the code.
 */
export class Producer {
  readonly #tasks: TaskServiceClient;
  readonly #workers: WorkerServiceClient;
  readonly #stream: EnqueueStreamClient | undefined;

  constructor(options: ProducerOptions) {
    const { TaskService, WorkerService } = codeqProto().codeq.v1;
    const credentials = options.credentials ?? grpc.credentials.createInsecure();
    const channelOptions = withBearerToken(
      withKeepalive(resolveKeepalive(options), options.channelOptions),
      options.token,
    );
    this.#tasks = new TaskService(options.address, credentials, channelOptions);
    // Shares the first client's channel: one connection for both services.
    this.#workers = new WorkerService(options.address, credentials, {
      ...channelOptions,
      channelOverride: this.#tasks.getChannel(),
    });
    if ((options.transport ?? 'stream') === 'stream') {
      this.#stream = new EnqueueStreamClient(this.#tasks, (request, deadlineMs) =>
        this.#enqueueUnary(request, deadlineMs),
      );
    }
  }

  /** Adds one task. Resolves once the server has stored it. */
  async enqueue(queue: string, payload: Bytes, options: EnqueueOptions = {}): Promise<EnqueueResult> {
    const request = toEnqueueRequest(queue, payload, options);
    const response = this.#stream
      ? await this.#stream.enqueue(request, options.deadlineMs)
      : await this.#enqueueUnary(request, options.deadlineMs);
    return { taskId: response.taskId ?? '', duplicate: response.duplicate ?? false };
  }

  #enqueueUnary(request: EnqueueRequest, deadlineMs: number | undefined): Promise<EnqueueResponse__Output> {
    return unary<EnqueueResponse__Output>(
      (callOptions, callback) => this.#tasks.enqueue(request, callOptions, callback),
      deadlineMs === undefined ? {} : { deadlineMs },
    );
  }

  /** Adds many tasks in one round trip; if any is invalid, none is stored. Results are in order. */
  async enqueueBatch(tasks: BatchTask[], options: CallOptions = {}): Promise<EnqueueResult[]> {
    const request = { tasks: tasks.map((task) => toEnqueueRequest(task.queue, task.payload, task)) };
    const response = await unary<EnqueueBatchResponse__Output>(
      (callOptions, callback) => this.#tasks.enqueueBatch(request, callOptions, callback),
      options,
    );
    return response.results.map((r) => ({ taskId: r.taskId ?? '', duplicate: r.duplicate ?? false }));
  }

  /** A task's state, attempts, last error and result. Rejects with NOT_FOUND for an unknown task. */
  async getTask(queue: string, taskId: string, options: CallOptions = {}): Promise<TaskInfo> {
    const task = await unary<Task__Output>(
      (callOptions, callback) => this.#tasks.getTask({ queue, taskId }, callOptions, callback),
      options,
    );
    return toTaskInfo(task);
  }

  /**
   * Cancels a task: a pending or scheduled one never runs, a leased one is not renewed or
   * retried. True when the task will not run (again); false when it had already completed or died.
   */
  async cancel(queue: string, taskId: string, options: CallOptions = {}): Promise<boolean> {
    const response = await unary<CancelTaskResponse__Output>(
      (callOptions, callback) => this.#tasks.cancelTask({ queue, taskId }, callOptions, callback),
      options,
    );
    return response.cancelled ?? false;
  }

  /**
   * Completes a lease outside a worker stream, e.g. from the process that finished work a
   * worker handed off. Rejects with FAILED_PRECONDITION when the lease is no longer held.
   */
  async completeLease(leaseId: string, result?: Bytes, options: CallOptions = {}): Promise<void> {
    const request = result === undefined ? { leaseId } : { leaseId, result: toBytes(result) };
    await unary<CompleteResponse__Output>(
      (callOptions, callback) => this.#workers.complete(request, callOptions, callback),
      options,
    );
  }

  /** Closes the channel. Calls already started finish; new ones fail. */
  close(): void {
    this.#stream?.end();
    // One shared channel: closing it through either client closes both.
    this.#tasks.close();
  }
}

/** The EnqueueRequest for `options`: only what the caller set, so the server applies its defaults. */
export function toEnqueueRequest(queue: string, payload: Bytes, options: TaskOptions): EnqueueRequest {
  const request: EnqueueRequest = { queue, payload: toBytes(payload) };
  if (options.priority !== undefined) request.priority = options.priority;
  if (options.delayMs !== undefined) request.delay = msToDuration(options.delayMs);
  if (options.maxAttempts !== undefined) request.maxAttempts = options.maxAttempts;
  if (options.retry) {
    const { initialBackoffMs, maxBackoffMs, multiplier } = options.retry;
    request.retry = {};
    if (initialBackoffMs !== undefined) request.retry.initialBackoff = msToDuration(initialBackoffMs);
    if (maxBackoffMs !== undefined) request.retry.maxBackoff = msToDuration(maxBackoffMs);
    if (multiplier !== undefined) request.retry.multiplier = multiplier;
  }
  if (options.idempotencyKey !== undefined) request.idempotencyKey = options.idempotencyKey;
  if (options.headers !== undefined) request.headers = { ...options.headers };
  return withTraceContext(request);
}

/** Adds the active span's W3C trace context to the task's headers, unless they carry one. */
function withTraceContext(request: EnqueueRequest): EnqueueRequest {
  if (request.headers?.traceparent !== undefined) return request;
  const sc = trace.getSpanContext(context.active());
  if (!sc || !isSpanContextValid(sc)) return request;
  request.headers = { ...request.headers, ...headersOf(sc) };
  return request;
}

function toTaskInfo(task: Task__Output): TaskInfo {
  const state = task.state;
  return {
    ...taskFields(task),
    state: state === undefined || state === 'TASK_STATE_UNSPECIFIED' ? 'UNSPECIFIED' : state,
    lastError: task.lastError ?? '',
    result: task.result ?? Buffer.alloc(0),
  };
}

/** Promisifies one unary call; the ServiceError is passed on as it came. */
function unary<Res>(
  start: (options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: Res) => void) => unknown,
  options: CallOptions,
): Promise<Res> {
  const callOptions: grpc.CallOptions = {};
  if (options.deadlineMs !== undefined) callOptions.deadline = Date.now() + options.deadlineMs;
  return new Promise((resolve, reject) => {
    start(callOptions, (err, res) => {
      if (err) reject(err);
      else resolve(res as Res);
    });
  });
}

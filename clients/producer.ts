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
import { msToDuration, timestampToMs } from '../src/api/time.js';
import type { TaskState } from '../src/domain/task.js';
import { headersOf } from '../src/spans/trace-context.js';
import { toBytes, toUint32, type Bytes } from './bytes.js';
import { EnqueueStreamClient } from './enqueue-stream.js';
import { resolveKeepalive, clientChannelOptions, type KeepaliveOptions } from './keepalive.js';
import { withBearerToken } from './credentials.js';
import { taskFields, type TaskFields } from './task-fields.js';
import { unary } from './unary-call.js';

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
   * The task's fairness key (0–128 of `[A-Za-z0-9._:-]`), typically the tenant: within one
   * priority a queue's tasks are claimed round-robin across keys, so one key's flood does
   * not hold the others back. Default '' (the queue's default key).
   */
  fairnessKey?: string;
  /**
   * Free-form metadata delivered with the task. Unless it already holds a `traceparent`,
   * the producer adds the W3C `traceparent`/`tracestate` of the active span (if any), so
   * the task's trace continues on the server and the worker.
   */
  headers?: Record<string, string>;
}

/** Options of {@link Producer.waitTask}. */
export interface WaitOptions {
  /** Give up after this many ms: `waitTask` rejects with {@link TaskWaitTimeoutError}. Default 30 000. */
  timeoutMs?: number;
}

/** Options of {@link Producer.enqueue}. */
export type EnqueueOptions = TaskOptions &
  CallOptions & {
    /**
     * Also wait until the task is COMPLETED, DEAD or CANCELLED (as {@link Producer.waitTask}
     * does) and return it as `task`; `true` waits the default 30 s. Default: do not wait.
     */
    wait?: boolean | WaitOptions;
  };

/** What {@link Producer.waitTask} rejects with when the task has not finished in time. */
export class TaskWaitTimeoutError extends Error {
  constructor(
    /** The task as it stood when the wait ended. */
    readonly task: TaskInfo,
    timeoutMs: number,
  ) {
    super(
      `task ${task.id} of queue ${task.queue} did not finish within ${timeoutMs} ms (it is ${task.state})`,
    );
    this.name = 'TaskWaitTimeoutError';
  }
}

/** How long one WaitTask call may wait, the server's limit; longer waits take several calls. */
const MAX_WAIT_PER_CALL_MS = 3_600_000;
/** Extra time the call's deadline leaves the server to answer after its own timeout. */
const WAIT_DEADLINE_SLACK_MS = 5_000;
const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'DEAD', 'CANCELLED']);

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
  /** With the `wait` option: the task once it finished. */
  task?: TaskInfo;
}

/** A task as {@link Producer.getTask} reports it. */
export interface TaskInfo extends TaskFields {
  /** `UNSPECIFIED` only if the server left the state out. */
  state: TaskState | 'UNSPECIFIED';
  /** The error of the last failed attempt; empty if none. */
  lastError: string;
  /** The result the completing worker gave; empty if none. */
  result: Buffer;
  /** Notes of what operators did to the task (a redrive from DEAD), oldest first. */
  history: string[];
  /** True when `payload` is a listing's 1 KiB preview (Admin.listTasks); getTask returns it whole. */
  payloadTruncated: boolean;
  /** True when `result` is a listing's 1 KiB preview. */
  resultTruncated: boolean;
  /** The fairness key it was enqueued with; '' for the default key. */
  fairnessKey: string;
  /** When a SCHEDULED task falls due; given by `Admin.listTasks` only. */
  dueTime?: Date;
}

/**
 * The producer side of codeQ: enqueue, inspect, wait for and cancel tasks, and complete a
 * lease outside a worker stream. Every method rejects with the grpc-js ServiceError the server
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
      clientChannelOptions(resolveKeepalive(options), options.channelOptions),
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
    const result = { taskId: response.taskId ?? '', duplicate: response.duplicate ?? false };
    if (!options.wait) return result;
    const task = await this.waitTask(queue, result.taskId, options.wait === true ? {} : options.wait);
    return { ...result, task };
  }

  /**
   * Resolves with the task once it is COMPLETED, DEAD or CANCELLED. The server pushes the
   * answer when the task finishes on any replica; nothing polls. Rejects with
   * {@link TaskWaitTimeoutError} when `timeoutMs` passes first, with NOT_FOUND for an
   * unknown task.
   */
  async waitTask(queue: string, taskId: string, options: WaitOptions = {}): Promise<TaskInfo> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const end = Date.now() + timeoutMs;
    for (;;) {
      const waitMs = Math.max(0, Math.min(MAX_WAIT_PER_CALL_MS, end - Date.now()));
      const request = { queue, taskId, timeout: msToDuration(waitMs) };
      const task = toTaskInfo(
        await unary<Task__Output>(
          (callOptions, callback) => this.#tasks.waitTask(request, callOptions, callback),
          { deadlineMs: waitMs + WAIT_DEADLINE_SLACK_MS },
        ),
      );
      if (FINAL_STATES.has(task.state)) return task;
      if (Date.now() >= end) throw new TaskWaitTimeoutError(task, timeoutMs);
    }
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
    const request = result === undefined ? { leaseId } : { leaseId, result: toBytes(result, 'result') };
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
  if (options.priority !== undefined) request.priority = toUint32(options.priority, 'priority');
  if (options.delayMs !== undefined) request.delay = msToDuration(options.delayMs);
  if (options.maxAttempts !== undefined) request.maxAttempts = toUint32(options.maxAttempts, 'maxAttempts');
  if (options.retry) {
    const { initialBackoffMs, maxBackoffMs, multiplier } = options.retry;
    request.retry = {};
    if (initialBackoffMs !== undefined) request.retry.initialBackoff = msToDuration(initialBackoffMs);
    if (maxBackoffMs !== undefined) request.retry.maxBackoff = msToDuration(maxBackoffMs);
    if (multiplier !== undefined) request.retry.multiplier = multiplier;
  }
  if (options.idempotencyKey !== undefined) request.idempotencyKey = options.idempotencyKey;
  if (options.fairnessKey !== undefined) request.fairnessKey = options.fairnessKey;
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

/** A Task message as {@link TaskInfo}. */
export function toTaskInfo(task: Task__Output): TaskInfo {
  const state = task.state;
  const info: TaskInfo = {
    ...taskFields(task),
    state: state === undefined || state === 'TASK_STATE_UNSPECIFIED' ? 'UNSPECIFIED' : state,
    lastError: task.lastError ?? '',
    result: task.result ?? Buffer.alloc(0),
    history: task.history ?? [],
    payloadTruncated: task.payloadTruncated ?? false,
    resultTruncated: task.resultTruncated ?? false,
    fairnessKey: task.fairnessKey ?? '',
  };
  const due = timestampToMs(task.dueTime);
  if (due !== undefined) info.dueTime = new Date(due);
  return info;
}

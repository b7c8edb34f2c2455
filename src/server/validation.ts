import type { Duration__Output } from '../api/generated/google/protobuf/Duration.js';
import { durationToMs } from '../api/time.js';
import type { EnqueueRequest__Output } from '../api/generated/codeq/v1/EnqueueRequest.js';
import type { _codeq_v1_ClaimRequest_Open__Output as OpenOutput } from '../api/generated/codeq/v1/ClaimRequest.js';
import { formatDurationMs } from '../config/duration.js';
import { InvalidArgumentError, TooLargeError } from '../domain/errors.js';
import { TASK_ID_PATTERN } from '../domain/task-id.js';
import {
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_RETRY,
  MAX_PRIORITY,
  type NewTask,
  type RetryPolicy,
} from '../domain/task.js';
import { MAX_CLAIMS_PER_SECOND, MAX_LEASED_PER_KEY } from '../domain/queue-limits.js';

/** Limits that bound what one request may ask for. */
export interface RequestLimits {
  maxPayloadBytes: number;
  defaultLeaseDurationMs: number;
  /** The longest a lease may be held (`--max-lease-age`): no stream's lease duration is longer. */
  maxLeaseAgeMs: number;
}

const SECOND = 1_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The rule a queue name must follow, as refusals state it. */
export const QUEUE_RULE = 'must match [A-Za-z0-9._:-]{1,128} with an alphanumeric first character';
const QUEUE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
/** The shortest lease a stream may ask for (`open.lease_duration`). */
export const MIN_LEASE_MS = SECOND;
/** The longest lease a stream may ask for; the server's --max-lease-age may cut it shorter. */
export const MAX_LEASE_MS = 12 * HOUR;
const MAX_DELAY_MS = 365 * DAY;
const MAX_ATTEMPTS = 1000;
const MAX_IDEMPOTENCY_KEY = 256;
const MAX_HEADERS = 64;
const MAX_HEADER_BYTES = 16 * 1024;
const MAX_BATCH = 1000;
const MAX_QUEUES_PER_STREAM = 64;
const MAX_WORKER_ID = 256;
const FAIRNESS_KEY_PATTERN = /^[A-Za-z0-9._:-]{0,128}$/;

/** Checks a queue name; throws naming `field`. */
export function validateQueue(queue: string | undefined, field = 'queue'): string {
  if (!queue) throw new InvalidArgumentError(field, `is required and ${QUEUE_RULE}`);
  if (!QUEUE_PATTERN.test(queue)) throw new InvalidArgumentError(field, `${QUEUE_RULE}, got ${quote(queue)}`);
  return queue;
}

/** Checks a task id; throws naming `field`. */
export function validateTaskId(taskId: string | undefined, field = 'task_id'): string {
  if (!taskId) throw new InvalidArgumentError(field, 'is required');
  if (!TASK_ID_PATTERN.test(taskId))
    throw new InvalidArgumentError(field, `is not a codeQ task id: ${quote(taskId)}`);
  return taskId;
}

/**
 * A Duration in ms, or undefined when unset. Rejects malformed durations (nanos out of
 * range, mixed signs) and negative ones, naming `field`.
 */
export function durationMs(d: Duration__Output | null | undefined, field: string): number | undefined {
  if (!d) return undefined;
  const seconds = Number(d.seconds ?? 0);
  const nanos = d.nanos ?? 0;
  if (
    !Number.isFinite(seconds) ||
    Math.abs(nanos) > 999_999_999 ||
    (seconds > 0 && nanos < 0) ||
    (seconds < 0 && nanos > 0)
  ) {
    throw new InvalidArgumentError(field, 'is not a valid duration');
  }
  // Read the sign before rounding to ms: -1 ns rounds to -0, which compares as not negative.
  if (seconds < 0 || nanos < 0)
    throw new InvalidArgumentError(field, `must not be negative, got ${seconds * 1000 + nanos / 1e6} ms`);
  return durationToMs(d)!;
}

function within(ms: number, min: number, max: number, field: string, rule: string): number {
  if (ms < min || ms > max) {
    // 34560000000 ms is read as 400d; below a minute the milliseconds read well enough.
    const readable = ms >= 60 * SECOND ? ` (${formatDurationMs(ms)})` : '';
    throw new InvalidArgumentError(field, `${rule}, got ${ms} ms${readable}`);
  }
  return ms;
}

/** Turns one EnqueueRequest into a NewTask; `field` prefixes error names inside a batch (`tasks[3].`). */
export function toNewTask(req: EnqueueRequest__Output, limits: RequestLimits, field = ''): NewTask {
  const queue = validateQueue(req.queue, `${field}queue`);
  const payload = req.payload ?? Buffer.alloc(0);
  if (payload.length > limits.maxPayloadBytes) {
    throw new TooLargeError(`${field}payload`, payload.length, limits.maxPayloadBytes);
  }
  const priority = req.priority ?? 0;
  if (priority > MAX_PRIORITY)
    throw new InvalidArgumentError(
      `${field}priority`,
      `must be between 0 and ${MAX_PRIORITY}, got ${priority}`,
    );
  const delayMs = within(
    durationMs(req.delay, `${field}delay`) ?? 0,
    0,
    MAX_DELAY_MS,
    `${field}delay`,
    'must be at most 365 days',
  );
  const maxAttempts = req.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
    throw new InvalidArgumentError(
      `${field}max_attempts`,
      `must be between 1 and ${MAX_ATTEMPTS}, got ${maxAttempts}`,
    );
  }
  const idempotencyKey = req.idempotencyKey ?? '';
  if (idempotencyKey.length > MAX_IDEMPOTENCY_KEY) {
    throw new InvalidArgumentError(
      `${field}idempotency_key`,
      `must be at most ${MAX_IDEMPOTENCY_KEY} characters`,
    );
  }
  const fairnessKey = validateFairnessKey(req.fairnessKey, `${field}fairness_key`);
  return {
    queue,
    payload,
    priority,
    delayMs,
    maxAttempts,
    retry: toRetry(req.retry, `${field}retry`),
    idempotencyKey,
    headers: toHeaders(req.headers, `${field}headers`),
    ...(fairnessKey !== '' && { fairnessKey }),
  };
}

/** Checks a fairness key (empty: the queue's default key); throws naming `field`. */
export function validateFairnessKey(key: string | undefined, field = 'fairness_key'): string {
  if (!key) return '';
  if (!FAIRNESS_KEY_PATTERN.test(key))
    throw new InvalidArgumentError(field, `must match [A-Za-z0-9._:-]{0,128}, got ${quote(key)}`);
  return key;
}

/** Checks a QueueConfig's limits (0 = none); throws naming the field. */
export function validateQueueConfig(
  config: { maxLeasedPerKey?: number; maxClaimsPerSecond?: number } | null | undefined,
): { maxLeasedPerKey: number; maxClaimsPerSecond: number } {
  if (!config) throw new InvalidArgumentError('config', 'is required');
  const limit = (value: number | undefined, field: string, max: number): number => {
    const n = value ?? 0;
    if (!Number.isInteger(n) || n < 0 || n > max)
      throw new InvalidArgumentError(field, `must be an integer between 0 (no limit) and ${max}, got ${n}`);
    return n;
  };
  return {
    maxLeasedPerKey: limit(config.maxLeasedPerKey, 'config.max_leased_per_key', MAX_LEASED_PER_KEY),
    maxClaimsPerSecond: limit(
      config.maxClaimsPerSecond,
      'config.max_claims_per_second',
      MAX_CLAIMS_PER_SECOND,
    ),
  };
}

function toRetry(retry: EnqueueRequest__Output['retry'], field: string): RetryPolicy {
  if (!retry) return DEFAULT_RETRY;
  const initialBackoffMs = within(
    durationMs(retry.initialBackoff, `${field}.initial_backoff`) ?? DEFAULT_RETRY.initialBackoffMs,
    0,
    DAY,
    `${field}.initial_backoff`,
    'must be at most 1 day',
  );
  const maxBackoffMs = within(
    durationMs(retry.maxBackoff, `${field}.max_backoff`) ??
      Math.max(DEFAULT_RETRY.maxBackoffMs, initialBackoffMs),
    initialBackoffMs,
    7 * DAY,
    `${field}.max_backoff`,
    `must be between initial_backoff (${initialBackoffMs} ms) and 7 days`,
  );
  // 0 is proto3's unset; NaN is not, and falls to the range check below.
  const multiplier =
    retry.multiplier === 0 ? DEFAULT_RETRY.multiplier : (retry.multiplier ?? DEFAULT_RETRY.multiplier);
  if (!(multiplier >= 1 && multiplier <= 100)) {
    throw new InvalidArgumentError(`${field}.multiplier`, `must be between 1 and 100, got ${multiplier}`);
  }
  return { initialBackoffMs, maxBackoffMs, multiplier };
}

function toHeaders(headers: Record<string, string> | undefined, field: string): Record<string, string> {
  if (!headers) return {};
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS)
    throw new InvalidArgumentError(field, `must hold at most ${MAX_HEADERS} entries`);
  let bytes = 0;
  for (const [k, v] of entries) {
    if (k === '') throw new InvalidArgumentError(field, 'keys must not be empty');
    bytes += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (bytes > MAX_HEADER_BYTES)
    throw new InvalidArgumentError(field, `must total at most ${MAX_HEADER_BYTES} bytes`);
  return { ...headers };
}

/** Checks a batch size, then every task; a bad task names its index and nothing is stored. */
export function toNewTasks(tasks: EnqueueRequest__Output[], limits: RequestLimits): NewTask[] {
  if (tasks.length === 0 || tasks.length > MAX_BATCH) {
    throw new InvalidArgumentError('tasks', `must hold 1 to ${MAX_BATCH} tasks, got ${tasks.length}`);
  }
  return tasks.map((t, i) => toNewTask(t, limits, `tasks[${i}].`));
}

/** What an `open` message asks for, checked. */
export interface OpenParams {
  workerId: string;
  queues: string[];
  leaseMs: number;
}

/** A Claim stream's `open`, checked field by field (each refusal names its field), as the stream uses it. */
export function toOpenParams(open: OpenOutput, limits: RequestLimits): OpenParams {
  const workerId = open.workerId ?? '';
  if (workerId.length > MAX_WORKER_ID) {
    throw new InvalidArgumentError('open.worker_id', `must be at most ${MAX_WORKER_ID} characters`);
  }
  const raw = open.queues ?? [];
  if (raw.length === 0) throw new InvalidArgumentError('open.queues', 'must name at least one queue');
  if (raw.length > MAX_QUEUES_PER_STREAM) {
    throw new InvalidArgumentError('open.queues', `must name at most ${MAX_QUEUES_PER_STREAM} queues`);
  }
  const queues = [...new Set(raw.map((q, i) => validateQueue(q, `open.queues[${i}]`)))];
  const leaseMs = within(
    durationMs(open.leaseDuration, 'open.lease_duration') ?? limits.defaultLeaseDurationMs,
    MIN_LEASE_MS,
    MAX_LEASE_MS,
    'open.lease_duration',
    'must be between 1 s and 12 h',
  );
  // A lease can never outlive the max lease age; `opened` tells the worker the duration it got.
  return { workerId, queues, leaseMs: Math.min(leaseMs, limits.maxLeaseAgeMs) };
}

/** The extension of an extend: unset means the stream's lease length. */
export function extensionMs(d: Duration__Output | null | undefined, fallbackMs: number): number {
  return within(
    durationMs(d, 'extension') ?? fallbackMs,
    MIN_LEASE_MS,
    MAX_LEASE_MS,
    'extension',
    'must be between 1 s and 12 h',
  );
}

/** The retry delay of a fail: unset means the task's backoff. */
export function retryDelayMs(d: Duration__Output | null | undefined): number | undefined {
  const ms = durationMs(d, 'retry_delay');
  return ms === undefined
    ? undefined
    : within(ms, 0, MAX_DELAY_MS, 'retry_delay', 'must be at most 365 days');
}

function quote(text: string): string {
  return JSON.stringify(text.length > 140 ? `${text.slice(0, 140)}…` : text);
}

import type { _codeq_v1_ClaimResponse_Lease__Output as Lease } from '../src/api/generated/codeq/v1/ClaimResponse.js';
import { timestampToMs } from '../src/api/time.js';
import { MAX_ERROR_CHARS } from '../src/domain/task.js';
import { leaseReference } from '../src/domain/lease-id.js';
import { toBytes, type Bytes } from './bytes.js';
import { taskFields } from './task-fields.js';

/** One leased task as the handler sees it. */
export interface WorkerTask {
  readonly id: string;
  readonly queue: string;
  readonly payload: Buffer;
  /** 0–9, higher was claimed first. */
  readonly priority: number;
  /** 1 on the first delivery; a released lease does not count. */
  readonly attempt: number;
  readonly maxAttempts: number;
  /** Producer metadata, including W3C `traceparent`/`tracestate` when the producer traced. */
  readonly headers: Readonly<Record<string, string>>;
  readonly enqueueTime: Date;
  /** Opaque fencing token of this lease; settles it on any stream, or by unary Complete. */
  readonly leaseId: string;
  /** When the lease runs out by the server's clock; moved forward when an extension is acknowledged. */
  deadline: Date;
}

/** What a handler gets besides its task. */
export interface HandlerContext {
  /**
   * Aborted when the work is no longer wanted: the lease was lost (the reason is a
   * {@link LeaseLostError}; a result would be refused) or stop() ran out of grace time.
   */
  readonly signal: AbortSignal;
  /**
   * Pushes the lease deadline to now + `ms` (default: the stream's lease duration).
   * Not needed for ordinary long work: the worker extends running tasks on its own.
   */
  readonly extend: (ms?: number) => void;
  /**
   * The largest result the server accepts, in bytes: its `--max-payload-bytes`, as the
   * stream's server said when it opened ({@link MAX_RESULT_BYTES} if it did not say). A
   * larger result fails the attempt.
   */
  readonly maxResultBytes: number;
}

/**
 * Processes one task. The value it resolves to becomes the task's result (a string is
 * sent as UTF-8). Throwing fails the attempt with the error's message; throw a
 * {@link TaskError} to choose the retry delay or to stop retrying.
 */
export type TaskHandler = (task: WorkerTask, context: HandlerContext) => Promise<Bytes | void>;

/** Thrown by a handler to control how its failure is retried. */
export class TaskError extends Error {
  /** When true the task becomes DEAD now, whatever attempts remain. */
  readonly permanent: boolean;
  /** Delay before the retry, in ms; unset uses the task's own backoff. */
  readonly retryDelayMs: number | undefined;

  constructor(message: string, options?: ErrorOptions & { permanent?: boolean; retryDelayMs?: number }) {
    super(message, options);
    this.name = 'TaskError';
    this.permanent = options?.permanent ?? false;
    this.retryDelayMs = options?.retryDelayMs;
  }
}

/**
 * Thrown by a handler to give its task back at once, the attempt not counted, as a
 * Release on the stream does: the task is fine, this worker cannot run it (a program it
 * needs is missing). The next claim may hand the task straight back to this worker, so
 * stop the worker too; for a dependency that is down for a while, throw a
 * {@link TaskError} with `retryDelayMs` instead. The message goes to the worker's spans,
 * not to the task.
 */
export class TaskReleaseError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TaskReleaseError';
  }
}

/** How the server words an extension refused because the task was cancelled (both stores). */
const CANCELLED_REFUSAL = /\bwas cancelled\b/;

/** Whether a refused extension (status `code`, `message`) says the task was cancelled. */
export function refusedAsCancelled(code: number, message: string): boolean {
  return code === 9 && CANCELLED_REFUSAL.test(message);
}

/** The abort reason of a handler whose lease the server no longer honours. */
export class LeaseLostError extends Error {
  /**
   * The task was cancelled while it ran (CancelTask): its lease is not renewed. The worker
   * gives the lease back once the handler has stopped, so the task ends CANCELLED at once
   * instead of when the lease runs out.
   */
  readonly cancelled: boolean;

  constructor(
    readonly leaseId: string,
    /** The gRPC status number of the refused settle or extension (9 expired or re-leased, 5 task gone). */
    readonly code: number,
    message: string,
  ) {
    // The message names the lease without its nonce: handlers log their abort reasons.
    super(`lease ${leaseReference(leaseId)} lost (code ${code}): ${message}`);
    this.name = 'LeaseLostError';
    this.cancelled = refusedAsCancelled(code, message);
  }
}

/** Builds the handler's view of a lease. */
export function toWorkerTask(lease: Lease & { leaseId: string }): WorkerTask {
  return {
    ...taskFields(lease.task ?? {}),
    leaseId: lease.leaseId,
    deadline: new Date(timestampToMs(lease.deadline) ?? 0),
  };
}

/** How the lease of a finished handler is to be settled. */
export type HandlerSettle =
  | { kind: 'COMPLETE'; result: Buffer | undefined }
  | {
      kind: 'FAIL';
      error: string;
      permanent: boolean;
      retryDelayMs?: number;
      /** The handler's result was over the server's limit: this FAIL stands for it. */
      oversized?: boolean;
    }
  | { kind: 'RELEASE'; reason: string };

/**
 * Runs `handler` and says how to settle its lease. Never rejects: a throw (sync or async)
 * or a return value that is not bytes becomes a FAIL, a {@link TaskReleaseError} a RELEASE.
 */
export async function runHandler(
  handler: TaskHandler,
  task: WorkerTask,
  context: HandlerContext,
): Promise<HandlerSettle> {
  let value: unknown;
  try {
    value = await handler(task, context);
  } catch (err) {
    return failureOf(err);
  }
  if (value === undefined || value === null) return { kind: 'COMPLETE', result: undefined };
  if (typeof value !== 'string' && !(value instanceof Uint8Array))
    return failureOf(new TypeError('handler result must be a Buffer, Uint8Array, string or undefined'));
  const result = toBytes(value, 'result');
  const limit = context.maxResultBytes;
  if (result.length > limit) {
    const error = `handler result of ${result.length} bytes is over the server's ${limit}-byte limit`;
    return { kind: 'FAIL', error, permanent: false, oversized: true };
  }
  return { kind: 'COMPLETE', result };
}

/**
 * Largest result sent to a server that does not say its own limit: gRPC's default 4 MiB
 * receive limit less room for the envelope. A larger message would end the stream it is
 * written on, and every stream after it, since unacknowledged settles are sent again on
 * reconnect. Servers that say (`opened.max_result_bytes`) set the limit instead; one that
 * is lower than a result already sent refuses it with an outcome, which is handled.
 */
export const MAX_RESULT_BYTES = 4 * 1024 * 1024 - 64 * 1024;

function failureOf(err: unknown): HandlerSettle {
  if (err instanceof TaskReleaseError) return { kind: 'RELEASE', reason: err.message || err.name };
  // Cut to the server's limit: a huge message must not break the stream for every settle behind it.
  let error = err instanceof Error ? err.message || err.name : String(err);
  if (error.length > MAX_ERROR_CHARS) error = error.slice(0, MAX_ERROR_CHARS - 1) + '…';
  if (!(err instanceof TaskError)) return { kind: 'FAIL', error, permanent: false };
  return err.retryDelayMs === undefined
    ? { kind: 'FAIL', error, permanent: err.permanent }
    : { kind: 'FAIL', error, permanent: err.permanent, retryDelayMs: err.retryDelayMs };
}

import type * as grpc from '@grpc/grpc-js';

/**
 * Lifecycle of a {@link Worker}.
 * - `INITIALIZED`: constructed; no connection yet.
 * - `RUNNING`: start() was called. The worker holds (or is re-establishing) a Claim stream,
 *   grants credit as it has room and runs handlers.
 * - `DRAINING`: stop() was called. No more credit; leases that still arrive are released;
 *   running handlers finish (or are aborted after the grace time) and their settles are sent.
 * - `STOPPED`: the stream and the channel are closed. Final.
 */
export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED';

/**
 * A lease stopped being this worker's: the server refused a settle or an extension for
 * good. Refusals that only mean "not now" (the store was unavailable) are retried instead.
 */
export interface LeaseLostEvent {
  leaseId: string;
  /** The task's id when the worker still knew it. */
  taskId: string | undefined;
  kind: 'COMPLETE' | 'FAIL' | 'EXTEND' | 'RELEASE' | 'KIND_UNSPECIFIED';
  /** gRPC status number: 9 expired or re-leased, 5 task gone, 3 malformed lease id. */
  code: number;
  message: string;
}

/**
 * The server acknowledged a settle of this worker: the task is COMPLETED, failed (retried
 * later or DEAD) or released, for good. Emitted once per lease, whatever stream carried it;
 * the hook for counting finished work or waiting for a task's result to be stored.
 */
export interface SettledEvent {
  leaseId: string;
  /** The task's id when the worker still knew it. */
  taskId: string | undefined;
  kind: 'COMPLETE' | 'FAIL' | 'RELEASE';
}

/**
 * A handler of this worker failed its task's attempt: it threw (anything but
 * `TaskReleaseError`), or its result was over the server's limit. Emitted when the worker
 * queues the FAIL, before the server stores it; without a listener the worker's logger
 * warns of it instead, so a failing handler is never silent.
 */
export interface FailedEvent {
  taskId: string;
  queue: string;
  leaseId: string;
  /** 1 on the first delivery. */
  attempt: number;
  maxAttempts: number;
  /** What the task's `last_error` will say: the error's message, cut to the server's limit. */
  error: string;
  /** No attempt follows, as the worker reckons it: the error was permanent, or this was the last attempt (the task goes DEAD). */
  final: boolean;
}

/** How the worker's logger tells a failed attempt when nobody listens for `failed`. */
export function failedSentence(event: FailedEvent): string {
  const { taskId, queue, attempt, maxAttempts, error, final } = event;
  return (
    `task ${taskId} (${queue}, attempt ${attempt}/${maxAttempts}) failed: ${error}; ` +
    (final ? 'no attempt follows, it goes DEAD' : 'it is retried')
  );
}

/** A stream ended and the worker will open another after `delayMs`. */
export interface ReconnectEvent {
  /** Failed attempts in a row, 1 for the first retry after a stream that had opened. */
  attempt: number;
  delayMs: number;
  /** Status the previous stream ended with (0 when the worker ended it after a server drain). */
  code: grpc.status;
  details: string;
  /** The server the next stream goes to: the next of the worker's addresses when it has several. */
  address: string;
}

/** Events of a {@link Worker}. */
export interface WorkerEvents {
  state: [WorkerState];
  /**
   * A Claim stream was accepted: its lease length, the largest result its server takes
   * (`maxResultBytes`; a handler's larger result fails the attempt) and, when the server
   * says, the most leases it lets the worker hold at a time (`maxCredit`, its
   * --max-stream-credit: a `concurrency` plus `prefetch` above it is not reached).
   */
  opened: [{ sessionId: string; leaseDurationMs: number; maxResultBytes: number; maxCredit?: number }];
  /** The server on the current stream is shutting down. */
  draining: [];
  reconnect: [ReconnectEvent];
  'lease-lost': [LeaseLostEvent];
  /** A settle was acknowledged by the server (after the task's result or error was stored). */
  settled: [SettledEvent];
  /** A handler failed its task's attempt. Without a listener it goes to the logger instead. */
  failed: [FailedEvent];
  /** Real problems with no caller to throw to. Without a listener they go to the logger instead. */
  error: [Error];
}

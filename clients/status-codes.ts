import * as grpc from '@grpc/grpc-js';

/** Outcome codes that say "not now" (the store was unavailable), not "this lease is gone". */
export const TRANSIENT_OUTCOMES: ReadonlySet<grpc.status> = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.INTERNAL,
  grpc.status.DEADLINE_EXCEEDED,
  grpc.status.ABORTED,
  grpc.status.UNKNOWN,
  grpc.status.CANCELLED,
]);

/**
 * Stream statuses that trying again will not fix: a configuration or permission problem.
 * start() fails on these; a running worker keeps retrying (a rolling deploy can cause them
 * for a moment) but reports each one as an error.
 */
export const NON_RETRYABLE_STREAM: ReadonlySet<grpc.status> = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.NOT_FOUND,
  grpc.status.ALREADY_EXISTS,
  grpc.status.PERMISSION_DENIED,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.OUT_OF_RANGE,
  grpc.status.UNIMPLEMENTED,
  grpc.status.UNAUTHENTICATED,
]);

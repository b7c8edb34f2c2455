import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { CodeqError, RateLimitedError, type ErrorKind } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';

const CODES: Record<ErrorKind, status> = {
  INVALID_ARGUMENT: status.INVALID_ARGUMENT,
  NOT_FOUND: status.NOT_FOUND,
  FAILED_PRECONDITION: status.FAILED_PRECONDITION,
  RESOURCE_EXHAUSTED: status.RESOURCE_EXHAUSTED,
  UNAVAILABLE: status.UNAVAILABLE,
  UNAUTHENTICATED: status.UNAUTHENTICATED,
  PERMISSION_DENIED: status.PERMISSION_DENIED,
  INTERNAL: status.INTERNAL,
};

/** The gRPC status code of a domain error kind. */
export function grpcCode(kind: ErrorKind): status {
  return CODES[kind];
}

/**
 * The one place an error becomes a gRPC status. Domain errors keep their message; any
 * other error is a bug or an unexpected failure: the client sees a generic INTERNAL and
 * the stack goes to the log. A rate-limited call carries a `retry-after-ms` trailer.
 */
export function toGrpcStatus(
  err: unknown,
  logger: Logger,
): Partial<StatusObject> & { code: status; details: string } {
  if (err instanceof CodeqError) {
    const metadata = new Metadata();
    // Machine-readable twin of the retry hint in the message, for clients that back off.
    if (err instanceof RateLimitedError) metadata.set('retry-after-ms', String(err.retryAfterMs));
    return { code: CODES[err.kind], details: err.message, metadata };
  }
  logger.error('internal error', { error: err });
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
}

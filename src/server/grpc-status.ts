import { Metadata, status, type sendUnaryData, type ServerUnaryCall, type StatusObject } from '@grpc/grpc-js';
import { CodeqError, RateLimitedError, type ErrorKind } from '../domain/errors.js';
import type { SettleResult } from '../domain/task.js';
import type { Logger } from '../telemetry/logger.js';
import type { ServerContext } from './server-context.js';

/**
 * The server's call boundary (nice-grpc `createErrorStatusObject.ts`): the one module
 * that turns an error into a gRPC status, and the wrappers that apply it to unary calls,
 * to streams that end and to per-settle outcomes. Nothing else in the server imports
 * grpc-js's `status` (test/architecture/layers.test.ts).
 */

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

/** A status as a call ends with it: code, message, and trailers. */
export type GrpcStatus = Partial<StatusObject> & { code: status; details: string; metadata: Metadata };

/**
 * The one place an error becomes a gRPC status. Domain errors keep their message; any
 * other error is a bug or an unexpected failure: the client sees a generic INTERNAL and
 * the stack goes to the log, with `fields` (which call it ended). A rate-limited call
 * carries a `retry-after-ms` trailer.
 */
export function toGrpcStatus(err: unknown, logger: Logger, fields: Record<string, unknown> = {}): GrpcStatus {
  if (err instanceof CodeqError) {
    const metadata = new Metadata();
    // Machine-readable twin of the retry hint in the message, for clients that back off.
    if (err instanceof RateLimitedError) metadata.set('retry-after-ms', String(err.retryAfterMs));
    return { code: CODES[err.kind], details: err.message, metadata };
  }
  logger.error('internal error', { ...fields, error: err });
  return { code: status.INTERNAL, details: 'internal error', metadata: new Metadata() };
}

/** Ends a stream with the status of `err` (toGrpcStatus): grpc-js sends it as the trailers. */
export function endStream(
  call: { emit(event: 'error', err: unknown): boolean },
  err: unknown,
  logger: Logger,
  fields?: Record<string, unknown>,
): void {
  call.emit('error', toGrpcStatus(err, logger, fields));
}

/** The code and message of one settle's outcome on a Claim stream. */
export interface OutcomeStatus {
  code: status;
  message?: string;
}

/** A settle's outcome from the store's answer: OK, or the refusal it names. */
export function settleOutcomeStatus(result: SettleResult): OutcomeStatus {
  if (result.status === 'ok') return { code: status.OK };
  return {
    code: result.status === 'stale' ? status.FAILED_PRECONDITION : status.NOT_FOUND,
    message: result.message,
  };
}

/** A settle's outcome from an error: refused before the store (a bad lease id) or the store failed. */
export function errorOutcomeStatus(
  err: unknown,
  logger: Logger,
  fields?: Record<string, unknown>,
): OutcomeStatus {
  const { code, details } = toGrpcStatus(err, logger, fields);
  return { code, message: details };
}

/**
 * Runs a unary handler body, turning any thrown error into the call's status. When auth is
 * on, the call is authenticated first, so the body can check scopes with `ctx.access.authorize`.
 */
export function unary<Req, Res>(
  ctx: ServerContext,
  body: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    let run: Promise<Res>;
    try {
      run = ctx.access.enabled
        ? ctx.access.authenticate(call).then(() => body(call.request, call))
        : body(call.request, call);
    } catch (err) {
      // A body that is not an async function (Enqueue's) refuses a request by throwing.
      callback(toGrpcStatus(err, ctx.logger));
      return;
    }
    run.then(
      (response) => callback(null, response),
      (err: unknown) => callback(toGrpcStatus(err, ctx.logger)),
    );
  };
}

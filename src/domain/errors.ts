/**
 * Domain errors of codeQ. Parts below the server raise these; the server turns them
 * into gRPC statuses in one place (`toGrpcStatus`), so no part but the server knows gRPC.
 */

/** What went wrong, in the vocabulary of gRPC status codes but independent of gRPC. */
export type ErrorKind =
  | 'INVALID_ARGUMENT'
  | 'NOT_FOUND'
  | 'FAILED_PRECONDITION'
  | 'RESOURCE_EXHAUSTED'
  | 'UNAVAILABLE'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL';

/** Base class of every error codeQ raises on purpose. */
export class CodeqError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad input. The message starts with the field name and states the rule. */
export class InvalidArgumentError extends CodeqError {
  constructor(
    readonly field: string,
    rule: string,
  ) {
    super('INVALID_ARGUMENT', `${field}: ${rule}`);
  }
}

/** A payload or result over the size limit. */
export class TooLargeError extends CodeqError {
  constructor(
    readonly field: string,
    size: number,
    limit: number,
  ) {
    super('RESOURCE_EXHAUSTED', `${field}: ${size} bytes is over the limit of ${limit} bytes`);
  }
}

/** The named task does not exist (never did, or its retention ran out). */
export class TaskNotFoundError extends CodeqError {
  constructor(
    readonly queue: string,
    readonly taskId: string,
  ) {
    super('NOT_FOUND', `task ${taskId} not found in queue ${queue}`);
  }
}

/** A settle or extend named a lease that is no longer held: it expired, or the task was re-leased. */
export class StaleLeaseError extends CodeqError {
  constructor(message: string) {
    super('FAILED_PRECONDITION', message);
  }
}

/** The store cannot be reached, or the server is shutting down. */
export class UnavailableError extends CodeqError {
  constructor(message: string, options?: ErrorOptions) {
    super('UNAVAILABLE', message, options);
  }
}

/** A call without a valid credential: no token, an unknown or expired one, a bad signature. */
export class UnauthenticatedError extends CodeqError {
  constructor(message: string) {
    super('UNAUTHENTICATED', message);
  }
}

/** A valid credential that lacks the scope the call needs on a queue. */
export class PermissionDeniedError extends CodeqError {
  constructor(message: string) {
    super('PERMISSION_DENIED', message);
  }
}

/** A caller over its rate limit; `retryAfterMs` says when the same call would be let through. */
export class RateLimitedError extends CodeqError {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super('RESOURCE_EXHAUSTED', message);
  }
}

/** A caller already holds as many calls of one kind as it may; it can retry when one ends. */
export class TooManyCallsError extends CodeqError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
  }
}

/** A stream's worker read nothing for too long while the server held messages for it: the stream ends. */
export class StreamStalledError extends CodeqError {
  constructor(message: string) {
    super('RESOURCE_EXHAUSTED', message);
  }
}

import { CodeqError, type ErrorKind } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';

const STATUS: Record<ErrorKind, number> = {
  INVALID_ARGUMENT: 400,
  NOT_FOUND: 404,
  FAILED_PRECONDITION: 409,
  RESOURCE_EXHAUSTED: 429,
  UNAVAILABLE: 503,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL: 500,
};

/**
 * The one place an error becomes an HTTP status for the console, as `toGrpcStatus` is for
 * the API: a domain error keeps its message (it names the field and never holds a
 * credential); anything else is logged and shown as a generic internal error.
 */
export function toHttpStatus(err: unknown, logger: Logger): { status: number; message: string } {
  if (err instanceof CodeqError) return { status: STATUS[err.kind], message: err.message };
  logger.error('console: internal error', { error: err });
  return { status: 500, message: 'internal error' };
}

import { UnavailableError } from '../domain/errors.js';
import { ThrottledWarnings } from '../domain/throttled-warnings.js';
import type { Logger } from '../telemetry/logger.js';

/** Fewest milliseconds between two warnings about failed claims of one queue. */
export const CLAIM_FAILURE_LOG_GAP_MS = 10_000;

const warnings = new WeakMap<Logger, ThrottledWarnings>();

/**
 * Logs a failed claim of `queue`. A claim fails about once a second per queue while the
 * store is down, so an unavailable store is only a debug line here: the server's health
 * check logs the outage itself, once when the store goes and once when it is back. Any
 * other failure is a warning with its stack, at most one per queue every
 * {@link CLAIM_FAILURE_LOG_GAP_MS}, counting the ones left out.
 */
export function logClaimFailure(logger: Logger, queue: string, err: unknown, now = Date.now()): void {
  if (err instanceof UnavailableError) {
    logger.debug('claim failed; retrying', { queue, error: err });
    return;
  }
  let byQueue = warnings.get(logger);
  if (!byQueue) {
    byQueue = new ThrottledWarnings(
      (message, fields) => logger.warn(message, fields),
      CLAIM_FAILURE_LOG_GAP_MS,
    );
    warnings.set(logger, byQueue);
  }
  byQueue.note(queue, 'claim failed; retrying', { queue, error: err }, now);
}

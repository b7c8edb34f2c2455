import { UnavailableError } from '../domain/errors.js';
import type { Logger } from '../telemetry/logger.js';

/** Fewest milliseconds between two warnings about failed claims of one queue. */
export const CLAIM_FAILURE_LOG_GAP_MS = 10_000;

const lastWarned = new WeakMap<Logger, Map<string, { at: number; suppressed: number }>>();

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
  let byQueue = lastWarned.get(logger);
  if (!byQueue) lastWarned.set(logger, (byQueue = new Map<string, { at: number; suppressed: number }>()));
  const last = byQueue.get(queue);
  if (last && now - last.at < CLAIM_FAILURE_LOG_GAP_MS) {
    last.suppressed++;
    return;
  }
  const suppressed = last?.suppressed ?? 0;
  byQueue.set(queue, { at: now, suppressed: 0 });
  logger.warn('claim failed; retrying', {
    queue,
    ...(suppressed > 0 && { failures_not_logged: suppressed }),
    error: err,
  });
}

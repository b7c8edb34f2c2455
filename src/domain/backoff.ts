/** An exponential backoff: bounds of the delay before each retry. */
export interface BackoffPolicy {
  initialBackoffMs: number;
  maxBackoffMs: number;
  multiplier: number;
}

/**
 * The delay before retry number `retry` (1 = the first retry), in ms: uniform over
 * [0, min(max, initial × multiplier^(retry − 1))], "full jitter", which spreads retries of
 * many failures (or the workers of a restarted replica) over the whole window instead of
 * bringing them back in waves. `random` is uniform in [0, 1). The exponent is capped so
 * the bound stays finite however many retries there were.
 *
 * The one formula of codeQ's backoffs: task retries (memory store, and the Redis scripts'
 * snippets/backoff.lua, held to it by a test) and the clients' reconnects.
 */
export function backoffMs(policy: BackoffPolicy, retry: number, random: number): number {
  const cap = Math.min(
    policy.maxBackoffMs,
    policy.initialBackoffMs * Math.pow(policy.multiplier, Math.min(retry - 1, 1000)),
  );
  return Math.floor(random * cap);
}

/**
 * Upper bounds of a queue's fair-share limits (`max_leased_per_key`,
 * `max_claims_per_second`; 0 is no limit): far above what one queue can use, low enough
 * to catch a typo. The server enforces them; the commands and the console check first.
 */
export const MAX_LEASED_PER_KEY = 1_000_000;
/** The upper bound of `max_claims_per_second` (see {@link MAX_LEASED_PER_KEY}). */
export const MAX_CLAIMS_PER_SECOND = 1_000_000;

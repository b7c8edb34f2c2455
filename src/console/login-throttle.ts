import { isIP } from 'node:net';
import type { RateLimit } from '../auth/principal.js';
import { RateLimiter } from '../auth/rate-limiter.js';

/** Wrong tokens one client address may send to `/login`: 5 at once, then one every 12 s. */
export const LOGIN_FAILURE_LIMIT: RateLimit = { perSecond: 1 / 12, burst: 5 };

/** Past this many addresses with failures on record, those that have refilled are forgotten. */
const SWEEP_AT = 10_000;
/** Past this many after a sweep (a wide spread of addresses), every record is dropped. */
const MAX_TRACKED = 100_000;

/**
 * Slows token guessing at the console's sign-in: every refused token takes one from its
 * client's bucket (`LOGIN_FAILURE_LIMIT` by default), and a client whose bucket is empty
 * is refused before its token is checked, so that a right token guessed meanwhile does
 * not tell. A client is its socket's address (an IPv6 address by its /64, what one host
 * is usually given); a proxy in front of the console makes every client one.
 */
export class LoginThrottle {
  readonly #limiter: RateLimiter;
  readonly #limit: RateLimit;

  constructor(limit: RateLimit = LOGIN_FAILURE_LIMIT, now?: () => number) {
    this.#limit = limit;
    this.#limiter = new RateLimiter(now);
  }

  /** Ms until `address` may try a token again; 0 when it may now. */
  retryAfterMs(address: string | undefined): number {
    return this.#limiter.waitMs(clientKey(address), this.#limit, 1);
  }

  /** Counts one refused token from `address`. */
  refused(address: string | undefined): void {
    if (this.#limiter.size >= SWEEP_AT) {
      this.#limiter.forgetFull(this.#limit);
      if (this.#limiter.size >= MAX_TRACKED) this.#limiter.retain(new Set());
    }
    this.#limiter.take(clientKey(address), this.#limit, 1);
  }
}

/** The key a client address counts under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '?';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = address.toLowerCase().split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = [...front, ...Array<string>(Math.max(0, 8 - front.length - back.length)).fill('0'), ...back];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

import type { Grant } from './grants.js';

/** An enqueue rate limit: a token bucket refilled at `perSecond` tasks a second, holding at most `burst`. */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Who made a call, as the server learnt it from the call's credential. Holds no secret:
 * it may be logged (by `name`) and kept on the call for the whole stream.
 */
export interface Principal {
  /** The static token's name or the JWT's `sub`: what logs and errors call the caller. */
  readonly name: string;
  /** Which kind of credential it came from. */
  readonly source: 'token' | 'jwt';
  /** When set, the worker id every Claim stream of this caller uses, whatever `open` says. */
  readonly workerId: string | undefined;
  readonly grants: readonly Grant[];
  /** Enqueue rate limit of this credential; undefined: none. */
  readonly rateLimit: RateLimit | undefined;
  /**
   * When the credential stops being accepted (a JWT's `exp` plus the clock skew allowed),
   * in ms since the epoch; undefined: until it is revoked. Open streams end then.
   */
  readonly expiresAtMs?: number;
}

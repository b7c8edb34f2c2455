import type { Metadata } from '@grpc/grpc-js';
import { Authenticator, type AuthenticatorOptions } from '../../auth/authenticator.js';
import { grantsAllow, type Scope } from '../../auth/grants.js';
import type { Principal, RateLimit } from '../../auth/principal.js';
import { RateLimiter, type RateLimits } from '../../auth/rate-limiter.js';
import {
  CodeqError,
  PermissionDeniedError,
  RateLimitedError,
  TooManyCallsError,
  UnauthenticatedError,
} from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../telemetry/logger.js';
import { CredentialWatch } from './credential-watch.js';

/** Principals of authenticated calls, by call object; gone with the call. */
const principals = new WeakMap<object, Principal>();
/** Principals found by the interceptor (auth-interceptor.ts), by the call's metadata object. */
const byMetadata = new WeakMap<Metadata, Principal>();
/** The reload a principal was authenticated under (AccessControl's count of reloads then). */
const authenticatedUnder = new WeakMap<Principal, number>();

/** The principal a call was authenticated as; undefined when auth is off or the call was not authenticated. */
export function principalOf(call: object): Principal | undefined {
  return principals.get(call);
}

/**
 * Authentication, authorization and enqueue rate limits of one server, as the RPC
 * handlers use them. When off (no credentials configured), every call is let through and
 * nothing is remembered on the call.
 */
export class AccessControl {
  /** Enqueue rate limits: in this process until `shareRateLimits` hands them to the store. */
  #limiter: RateLimits = new RateLimiter();
  /** Held WaitTask calls by principal key. */
  readonly #waits = new Map<string, number>();
  /** Open streams whose credential is checked again while they live. */
  readonly streams = new CredentialWatch(Date.now, (call, principal) => principals.set(call, principal));
  readonly #authenticator: Authenticator | undefined;
  readonly #logger: Logger;
  /** Reloads of the credential files so far. */
  #reloads = 0;

  private constructor(authenticator: Authenticator | undefined, logger: Logger) {
    this.#authenticator = authenticator;
    this.#logger = logger;
  }

  /** Access control that lets every call through. */
  static off(): AccessControl {
    return new AccessControl(undefined, silentLogger);
  }

  /** Access control from the configured credentials; off when none is. Throws naming a bad file or field. */
  static create(options: AuthenticatorOptions, logger: Logger): AccessControl {
    return Authenticator.isConfigured(options)
      ? new AccessControl(new Authenticator(options), logger)
      : AccessControl.off();
  }

  /** True when calls must carry a credential. */
  get enabled(): boolean {
    return this.#authenticator !== undefined;
  }

  /**
   * Authenticates a call by its `authorization` metadata and remembers the principal on
   * the call for later checks. UnauthenticatedError when the credential is missing or bad.
   */
  async authenticate(call: { metadata: Metadata }): Promise<Principal | undefined> {
    if (!this.#authenticator) return undefined;
    const principal = byMetadata.get(call.metadata) ?? (await this.authenticateMetadata(call.metadata));
    principals.set(call, principal!);
    return principal;
  }

  /**
   * Authenticates a call's metadata alone, before the call object exists (the server's
   * interceptor does this before reading the body) and remembers the principal with the
   * metadata. UnauthenticatedError when the credential is missing or bad.
   */
  async authenticateMetadata(metadata: Metadata): Promise<Principal | undefined> {
    if (!this.#authenticator) return undefined;
    const [value] = metadata.get('authorization');
    try {
      const reloads = this.#reloads;
      const principal = await this.#authenticator.authenticate(typeof value === 'string' ? value : undefined);
      authenticatedUnder.set(principal, reloads);
      byMetadata.set(metadata, principal);
      return principal;
    } catch (err) {
      // The reason only: the credential itself never reaches a log.
      if (err instanceof CodeqError) this.#logger.debug('call refused', { reason: err.message });
      throw err;
    }
  }

  /**
   * Authenticates a bearer token given by other means than gRPC metadata (the web
   * console's login) and remembers the principal on `caller`, for `authorize` and
   * `allows`. UnauthenticatedError when the token is unknown; nothing when auth is off.
   */
  async authenticateToken(caller: object, token: string): Promise<Principal | undefined> {
    if (!this.#authenticator) return undefined;
    const principal = await this.#authenticator.authenticate(`Bearer ${token}`);
    principals.set(caller, principal);
    return principal;
  }

  /**
   * Throws PermissionDeniedError unless the call's principal holds `scope` on every queue
   * (UnauthenticatedError when the call was never authenticated). This is the check for a
   * lease's queue: `access.authorize(call, 'claim', leaseRef.queue)` before settling it.
   */
  authorize(call: object, scope: Scope, queues: Iterable<string>): void {
    if (!this.#authenticator) return;
    const principal = principals.get(call);
    if (!principal) throw new UnauthenticatedError('authorization: the call was not authenticated');
    for (const queue of queues) {
      if (!grantsAllow(principal.grants, scope, queue)) {
        this.#logger.debug('call refused', { caller: principal.name, scope, queue });
        throw new PermissionDeniedError(
          `${principal.source} ${JSON.stringify(principal.name)} lacks the ${scope} scope on queue ${JSON.stringify(queue)}`,
        );
      }
    }
  }

  /**
   * Throws PermissionDeniedError unless the call's principal holds `scope` on some queue
   * pattern: a listing filtered by scope answers a caller who may see nothing at all with
   * a refusal, not an empty list that reads as "no queues yet".
   */
  authorizeSome(call: object, scope: Scope): void {
    if (!this.#authenticator) return;
    const principal = principals.get(call);
    if (!principal) throw new UnauthenticatedError('authorization: the call was not authenticated');
    if (principal.grants.some((g) => g.scopes.has(scope) || g.scopes.has('admin'))) return;
    this.#logger.debug('call refused', { caller: principal.name, scope });
    throw new PermissionDeniedError(
      `${principal.source} ${JSON.stringify(principal.name)} lacks the ${scope} scope on every queue`,
    );
  }

  /** Whether the call's principal holds `scope` on every queue (a `*` grant), or access control is off. */
  allowsEveryQueue(call: object, scope: Scope): boolean {
    if (!this.#authenticator) return true;
    const principal = principals.get(call);
    return (
      principal !== undefined &&
      principal.grants.some((g) => g.pattern === '*' && (g.scopes.has(scope) || g.scopes.has('admin')))
    );
  }

  /** Whether the call's principal holds `scope` on `queue`: for listings that show only what the caller may see. */
  allows(call: object, scope: Scope, queue: string): boolean {
    if (!this.#authenticator) return true;
    const principal = principals.get(call);
    return principal !== undefined && grantsAllow(principal.grants, scope, queue);
  }

  /**
   * Counts enqueue rate limits in `limits` from now on: the store's, so that a caller's
   * limit holds over every replica sharing it, not once per replica.
   */
  shareRateLimits(limits: RateLimits): void {
    this.#limiter = limits;
  }

  /**
   * Takes `count` tasks from the enqueue rate limit of the call's credential; rejects
   * with RateLimitedError, taking nothing, when over it. Call it before storing anything.
   * Undefined when no limit applies, so the hot path of an unlimited caller awaits nothing.
   */
  chargeEnqueue(call: object, count: number): Promise<void> | undefined {
    const principal = principals.get(call);
    const limit = principal?.rateLimit;
    // No limit applies (auth off, or none for this credential): nothing to wait for.
    if (!principal || !limit) return undefined;
    return this.#charge(principal.source, principal.name, limit, count);
  }

  async #charge(source: string, name: string, limit: RateLimit, count: number): Promise<void> {
    const waitMs = await this.#limiter.take(`${source}:${name}`, limit, count);
    if (waitMs === 0) return;
    if (waitMs === Infinity) {
      throw new RateLimitedError(
        `tasks: ${count} tasks is over the burst of ${limit.burst} allowed to ${JSON.stringify(name)}; send smaller batches`,
        Math.ceil((limit.burst * 1_000) / limit.perSecond),
      );
    }
    throw new RateLimitedError(
      `rate limit: ${JSON.stringify(name)} may enqueue ${limit.perSecond} tasks/s (burst ${limit.burst}); retry after ${waitMs} ms`,
      waitMs,
    );
  }

  /**
   * Counts one more held WaitTask of the call's principal (all unauthenticated callers
   * share one count) and returns the function that ends it; TooManyCallsError, holding
   * nothing, when the principal already holds `max`. A held wait costs memory until its
   * task finishes or its timeout: the bound keeps one caller from piling them up.
   */
  beginWait(call: object, max: number): () => void {
    const principal = principals.get(call);
    const key = principal ? `${principal.source}:${principal.name}` : 'anonymous';
    const held = this.#waits.get(key) ?? 0;
    if (held >= max) {
      throw new TooManyCallsError(
        `${principal ? JSON.stringify(principal.name) : 'this caller'} already waits on ${held} tasks, the most allowed (--max-waits-per-caller ${max}); retry when one ends`,
      );
    }
    this.#waits.set(key, held + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const left = (this.#waits.get(key) ?? 1) - 1;
      if (left > 0) this.#waits.set(key, left);
      else this.#waits.delete(key);
    };
  }

  /**
   * Keeps an authenticated stream's credential under watch (credential-watch.ts): `end`
   * is called with UnauthenticatedError once it expires or a reload revokes it. Returns
   * the function to call when the stream closes. Nothing to watch when auth is off.
   */
  watchStream(call: { metadata: Metadata }, end: (err: UnauthenticatedError) => void): () => void {
    const authenticator = this.#authenticator;
    const principal = principals.get(call);
    if (!authenticator || !principal) return () => {};
    const [value] = call.metadata.get('authorization');
    const authorization = typeof value === 'string' ? value : undefined;
    const unwatch = this.streams.watch(call, {
      principal,
      recheck: () => authenticator.authenticate(authorization),
      end: (err) => {
        this.#logger.info('stream ended: its credential is no longer valid', {
          caller: principal.name,
          reason: err.message,
        });
        end(err);
      },
    });
    // Authenticated before a reload that went over the watched streams before this one
    // joined them: checked now against the files as they are.
    if (authenticatedUnder.get(principal) !== this.#reloads) this.streams.recheck(call);
    return unwatch;
  }

  /**
   * Re-reads the token and JWKS files; throws, keeping the old credentials, when they are
   * bad. Then checks the credential of every open stream again: revoked ones end.
   */
  reload(): void {
    if (!this.#authenticator) return;
    this.#authenticator.reload();
    this.#reloads++;
    this.#limiter.retain(new Set([...this.#authenticator.tokenNames()].map((n) => `token:${n}`)));
    this.streams.recheckAll().catch((err: unknown) => {
      this.#logger.error('reload: could not check the open streams again', { error: err });
    });
  }
}

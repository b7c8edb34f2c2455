import type { Metadata } from '@grpc/grpc-js';
import { Authenticator, type AuthenticatorOptions } from '../../auth/authenticator.js';
import { grantsAllow, type Scope } from '../../auth/grants.js';
import type { Principal } from '../../auth/principal.js';
import { RateLimiter } from '../../auth/rate-limiter.js';
import {
  CodeqError,
  PermissionDeniedError,
  RateLimitedError,
  UnauthenticatedError,
} from '../../domain/errors.js';
import { silentLogger, type Logger } from '../../telemetry/logger.js';

/** Principals of authenticated calls, by call object; gone with the call. */
const principals = new WeakMap<object, Principal>();

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
  private readonly limiter = new RateLimiter();

  private constructor(
    private readonly authenticator: Authenticator | undefined,
    private readonly logger: Logger,
  ) {}

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
    return this.authenticator !== undefined;
  }

  /**
   * Authenticates a call by its `authorization` metadata and remembers the principal on
   * the call for later checks. UnauthenticatedError when the credential is missing or bad.
   */
  async authenticate(call: { metadata: Metadata }): Promise<Principal | undefined> {
    if (!this.authenticator) return undefined;
    const [value] = call.metadata.get('authorization');
    try {
      const principal = await this.authenticator.authenticate(typeof value === 'string' ? value : undefined);
      principals.set(call, principal);
      return principal;
    } catch (err) {
      // The reason only: the credential itself never reaches a log.
      if (err instanceof CodeqError) this.logger.debug('call refused', { reason: err.message });
      throw err;
    }
  }

  /**
   * Throws PermissionDeniedError unless the call's principal holds `scope` on every queue
   * (UnauthenticatedError when the call was never authenticated). This is the check for a
   * lease's queue: `access.authorize(call, 'claim', leaseRef.queue)` before settling it.
   */
  authorize(call: object, scope: Scope, queues: Iterable<string>): void {
    if (!this.authenticator) return;
    const principal = principals.get(call);
    if (!principal) throw new UnauthenticatedError('authorization: the call was not authenticated');
    for (const queue of queues) {
      if (!grantsAllow(principal.grants, scope, queue)) {
        this.logger.debug('call refused', { caller: principal.name, scope, queue });
        throw new PermissionDeniedError(
          `${principal.source} ${JSON.stringify(principal.name)} lacks the ${scope} scope on queue ${JSON.stringify(queue)}`,
        );
      }
    }
  }

  /** Whether the call's principal holds `scope` on `queue`: for listings that show only what the caller may see. */
  allows(call: object, scope: Scope, queue: string): boolean {
    if (!this.authenticator) return true;
    const principal = principals.get(call);
    return principal !== undefined && grantsAllow(principal.grants, scope, queue);
  }

  /** Takes `count` tasks from the enqueue rate limit of the call's credential; RateLimitedError when over it. */
  chargeEnqueue(call: object, count: number): void {
    const principal = principals.get(call);
    const limit = principal?.rateLimit;
    if (!principal || !limit) return;
    const waitMs = this.limiter.take(`${principal.source}:${principal.name}`, limit, count);
    if (waitMs === 0) return;
    if (waitMs === Infinity) {
      throw new RateLimitedError(
        `tasks: ${count} tasks is over the burst of ${limit.burst} allowed to ${JSON.stringify(principal.name)}; send smaller batches`,
        Math.ceil((limit.burst * 1_000) / limit.perSecond),
      );
    }
    throw new RateLimitedError(
      `rate limit: ${JSON.stringify(principal.name)} may enqueue ${limit.perSecond} tasks/s (burst ${limit.burst}); retry after ${waitMs} ms`,
      waitMs,
    );
  }

  /** Re-reads the token and JWKS files; throws, keeping the old credentials, when they are bad. */
  reload(): void {
    if (!this.authenticator) return;
    this.authenticator.reload();
    this.limiter.retain(new Set([...this.authenticator.tokenNames()].map((n) => `token:${n}`)));
  }
}

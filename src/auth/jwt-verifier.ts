import { readFileSync } from 'node:fs';
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  errors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { UnauthenticatedError, UnavailableError } from '../domain/errors.js';
import { isScope, isQueuePattern, type Grant, type Scope } from './grants.js';
import type { Principal, RateLimit } from './principal.js';
import { parseRateLimit } from './token-file.js';

/** Where JWT signing keys come from, and which claims a token must carry. */
export interface JwtOptions {
  /** URL of a JWKS (fetched on demand and cached by jose). */
  jwksUrl?: string | undefined;
  /** Path of a JWKS file, read at start and again by `reload()`. */
  jwksFile?: string | undefined;
  /** Required `iss`; undefined: any issuer. */
  issuer?: string | undefined;
  /** Required `aud` (one of them); undefined: any audience (the server then needs `--auth-jwt-any-audience`). */
  audience?: string | undefined;
  /** Longest lifetime accepted, `exp` minus `iat` (or minus now without `iat`), in ms. Default 24 h. */
  maxLifetimeMs?: number | undefined;
  /** Enqueue rate limit of tokens without a `codeq_rate` claim; undefined: none. */
  rateLimit?: RateLimit | undefined;
}

/**
 * The signature algorithms a JWT may use: asymmetric ones only, so a key in the JWKS can
 * check tokens but not sign them (`none` and HMAC, `HS256` with a public key as the
 * secret, are refused whatever the token's header says).
 */
export const JWT_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** Clock skew between the token issuer and this server that `exp`, `nbf` and `iat` tolerate. */
const CLOCK_TOLERANCE_S = 5;

/** Default of {@link JwtOptions.maxLifetimeMs}: one day. */
export const DEFAULT_JWT_MAX_LIFETIME_MS = 24 * 3_600_000;

/** The claim that carries a JWT caller's enqueue rate limit, shaped like a token file's `rateLimit`. */
export const RATE_CLAIM = 'codeq_rate';

/**
 * Parses `RATE[/BURST]` (tasks a second, and the bucket size: default RATE, at least 1),
 * the text form of a rate limit in a flag; errors name `source`.
 */
export function parseRateText(text: string, source: string): RateLimit {
  const m = /^([0-9]+(?:\.[0-9]+)?)(?:\/([0-9]+))?$/.exec(text.trim());
  const limit = m && parseRateLimit({ perSecond: Number(m[1]), burst: m[2] && Number(m[2]) }, source);
  if (!limit)
    throw new Error(`${source}: expected RATE or RATE/BURST (tasks a second), got ${JSON.stringify(text)}`);
  return limit;
}

/**
 * The grants of a JWT: its `scope` claim (space-separated, OAuth style) or `scp` claim (a
 * list), read as `SCOPE:PATTERN` entries such as `enqueue:tenant-a.*` or `claim:*`. Entries
 * that are not codeQ scopes with a valid pattern are ignored: an identity provider's token
 * carries scopes of other services too, and a bare scope names no queues.
 */
export function grantsFromClaims(payload: JWTPayload): Grant[] {
  const raw = payload.scope ?? payload.scp;
  const entries =
    typeof raw === 'string'
      ? raw.split(' ')
      : Array.isArray(raw)
        ? raw.filter((e): e is string => typeof e === 'string')
        : [];
  const byPattern = new Map<string, Set<Scope>>();
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    if (colon < 0) continue;
    const scope = entry.slice(0, colon);
    const pattern = entry.slice(colon + 1);
    if (!isScope(scope) || !isQueuePattern(pattern)) continue;
    let scopes = byPattern.get(pattern);
    if (!scopes) byPattern.set(pattern, (scopes = new Set()));
    scopes.add(scope);
  }
  return [...byPattern].map(([pattern, scopes]) => ({ pattern, scopes }));
}

/** Checks JWTs against a JWKS (URL or file) with jose, and turns their claims into a principal. */
export class JwtVerifier {
  #keys: JWTVerifyGetKey;
  readonly #options: JwtOptions;

  constructor(options: JwtOptions) {
    this.#options = options;
    if (!options.jwksUrl === !options.jwksFile)
      throw new Error('--auth-jwks-url, --auth-jwks-file: give exactly one to check JWTs');
    this.#keys = this.#loadKeys();
  }

  /** Re-reads the JWKS file (a URL's keys are refreshed by jose when a token names an unknown key). */
  reload(): void {
    if (this.#options.jwksFile) this.#keys = this.#loadKeys();
  }

  /** The principal of a valid token; UnauthenticatedError for any other (the reason, never the token). */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.#keys, {
        ...(this.#options.issuer !== undefined && { issuer: this.#options.issuer }),
        ...(this.#options.audience !== undefined && { audience: this.#options.audience }),
        // A token without an expiry would be a credential for ever.
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_S,
        algorithms: JWT_ALGORITHMS,
      }));
    } catch (err) {
      // The key server being unreachable says nothing about the token: the caller may retry.
      if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && this.#options.jwksUrl))
        throw new UnavailableError('cannot fetch the JWKS to check the token; try again');
      if (err instanceof errors.JWTExpired)
        throw new UnauthenticatedError('authorization: the JWT has expired');
      if (err instanceof errors.JWTClaimValidationFailed && err.reason === 'missing')
        throw new UnauthenticatedError(
          `authorization: the JWT has no ${err.claim} claim, which codeQ requires`,
        );
      if (err instanceof errors.JWTClaimValidationFailed)
        throw new UnauthenticatedError(`authorization: the JWT's ${err.claim} claim is not accepted`);
      throw new UnauthenticatedError('authorization: the JWT is not valid or not signed by a trusted key');
    }
    this.#checkLifetime(payload);
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
    return {
      name: sub ?? 'jwt',
      source: 'jwt',
      workerId: sub,
      grants: grantsFromClaims(payload),
      rateLimit: this.#rateLimitOf(payload),
      // requiredClaims makes exp a number here; jose accepted it up to the same tolerance.
      expiresAtMs: ((payload.exp ?? 0) + CLOCK_TOLERANCE_S) * 1_000,
    };
  }

  /**
   * Refuses a token issued in the future (beyond the clock skew), which would outlive any
   * lifetime rule, and one whose lifetime (`exp` minus `iat`, or minus now without `iat`)
   * is over the maximum: a leaked long-lived token is a long-lived hole.
   */
  #checkLifetime(payload: JWTPayload): void {
    const now = Date.now() / 1_000;
    const { iat, exp } = payload;
    if (typeof iat === 'number' && iat > now + CLOCK_TOLERANCE_S)
      throw new UnauthenticatedError("authorization: the JWT's iat claim is in the future");
    const maxS = (this.#options.maxLifetimeMs ?? DEFAULT_JWT_MAX_LIFETIME_MS) / 1_000;
    const start = typeof iat === 'number' ? Math.min(iat, now) : now;
    if (typeof exp === 'number' && exp - start > maxS + CLOCK_TOLERANCE_S)
      throw new UnauthenticatedError(
        `authorization: the JWT lives longer than the ${maxS} s allowed (--auth-jwt-max-lifetime)`,
      );
  }

  /** The `codeq_rate` claim, else the configured default; a malformed claim refuses the token. */
  #rateLimitOf(payload: JWTPayload): RateLimit | undefined {
    const claim = payload[RATE_CLAIM];
    if (claim === undefined) return this.#options.rateLimit;
    try {
      return parseRateLimit(claim, RATE_CLAIM);
    } catch (err) {
      throw new UnauthenticatedError(`authorization: the JWT's ${(err as Error).message}`);
    }
  }

  #loadKeys(): JWTVerifyGetKey {
    if (this.#options.jwksUrl) return createRemoteJWKSet(new URL(this.#options.jwksUrl));
    const path = this.#options.jwksFile!;
    let jwks: JSONWebKeySet;
    try {
      jwks = JSON.parse(readFileSync(path, 'utf8')) as JSONWebKeySet;
    } catch (err) {
      throw new Error(`--auth-jwks-file: cannot read ${path}: ${(err as Error).message}`, { cause: err });
    }
    if (!Array.isArray(jwks.keys))
      throw new Error(`--auth-jwks-file: ${path}: keys: expected a list of JWKs`);
    return createLocalJWKSet(jwks);
  }
}

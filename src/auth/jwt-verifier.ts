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
import type { Principal } from './principal.js';

/** Where JWT signing keys come from, and which claims a token must carry. */
export interface JwtOptions {
  /** URL of a JWKS (fetched on demand and cached by jose). */
  jwksUrl?: string | undefined;
  /** Path of a JWKS file, read at start and again by `reload()`. */
  jwksFile?: string | undefined;
  /** Required `iss`; undefined: any issuer. */
  issuer?: string | undefined;
  /** Required `aud` (one of them); undefined: any audience. */
  audience?: string | undefined;
}

/** Clock skew between the token issuer and this server that `exp` and `nbf` tolerate. */
const CLOCK_TOLERANCE_S = 5;

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
  private keys: JWTVerifyGetKey;

  constructor(private readonly options: JwtOptions) {
    if (!options.jwksUrl === !options.jwksFile)
      throw new Error('--auth-jwks-url, --auth-jwks-file: give exactly one to check JWTs');
    this.keys = this.loadKeys();
  }

  /** Re-reads the JWKS file (a URL's keys are refreshed by jose when a token names an unknown key). */
  reload(): void {
    if (this.options.jwksFile) this.keys = this.loadKeys();
  }

  /** The principal of a valid token; UnauthenticatedError for any other (the reason, never the token). */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        ...(this.options.issuer !== undefined && { issuer: this.options.issuer }),
        ...(this.options.audience !== undefined && { audience: this.options.audience }),
        clockTolerance: CLOCK_TOLERANCE_S,
      }));
    } catch (err) {
      // The key server being unreachable says nothing about the token: the caller may retry.
      if (err instanceof errors.JWKSTimeout || (err instanceof TypeError && this.options.jwksUrl))
        throw new UnavailableError('cannot fetch the JWKS to check the token; try again');
      if (err instanceof errors.JWTExpired)
        throw new UnauthenticatedError('authorization: the JWT has expired');
      if (err instanceof errors.JWTClaimValidationFailed)
        throw new UnauthenticatedError(`authorization: the JWT's ${err.claim} claim is not accepted`);
      throw new UnauthenticatedError('authorization: the JWT is not valid or not signed by a trusted key');
    }
    const sub = typeof payload.sub === 'string' && payload.sub !== '' ? payload.sub : undefined;
    return {
      name: sub ?? 'jwt',
      source: 'jwt',
      workerId: sub,
      grants: grantsFromClaims(payload),
      rateLimit: undefined,
    };
  }

  private loadKeys(): JWTVerifyGetKey {
    if (this.options.jwksUrl) return createRemoteJWKSet(new URL(this.options.jwksUrl));
    const path = this.options.jwksFile!;
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

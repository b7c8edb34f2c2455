import { UnauthenticatedError } from '../domain/errors.js';
import { JwtVerifier, type JwtOptions } from './jwt-verifier.js';
import type { Principal } from './principal.js';
import { hashToken, loadTokenFile } from './token-file.js';

/** Which credentials a server accepts; both may be on at once. */
export interface AuthenticatorOptions {
  /** Path of a static token file (token-file.ts); undefined: no static tokens. */
  tokenFile?: string | undefined;
  /** JWT checking; undefined or without a JWKS: no JWTs. */
  jwt?: JwtOptions | undefined;
}

const BEARER = /^Bearer[ \t]+(\S+)\s*$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * Turns the value of a call's `authorization` metadata into a principal: a static token
 * (looked up by its SHA-256, so the file holds no secret) or a JWT checked against a JWKS.
 * Its errors say why a credential was refused and never repeat the credential.
 */
export class Authenticator {
  #tokens: Map<string, Principal>;
  readonly #jwt: JwtVerifier | undefined;
  readonly #options: AuthenticatorOptions;

  constructor(options: AuthenticatorOptions) {
    this.#options = options;
    this.#tokens = options.tokenFile ? loadTokenFile(options.tokenFile) : new Map<string, Principal>();
    const jwt = options.jwt;
    this.#jwt = jwt && (jwt.jwksUrl || jwt.jwksFile) ? new JwtVerifier(jwt) : undefined;
  }

  /** True when at least one kind of credential is configured. */
  static isConfigured(options: AuthenticatorOptions): boolean {
    return Boolean(options.tokenFile || options.jwt?.jwksUrl || options.jwt?.jwksFile);
  }

  /** Names of the static tokens now loaded (for the rate limiter's housekeeping). */
  tokenNames(): Set<string> {
    return new Set([...this.#tokens.values()].map((p) => p.name));
  }

  /**
   * Re-reads the token file and the JWKS file. All or nothing: when either cannot be read
   * or parsed, it throws and the credentials loaded before stay in force.
   */
  reload(): void {
    const tokens = this.#options.tokenFile
      ? loadTokenFile(this.#options.tokenFile)
      : new Map<string, Principal>();
    this.#jwt?.reload();
    this.#tokens = tokens;
  }

  /** The principal of an `authorization` value (`Bearer TOKEN`); UnauthenticatedError when there is none. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined)
      throw new UnauthenticatedError('authorization: missing; send "authorization: Bearer TOKEN" metadata');
    const m = BEARER.exec(authorization);
    if (!m) throw new UnauthenticatedError('authorization: expected "Bearer TOKEN"');
    const token = m[1]!;
    const known = this.#tokens.get(hashToken(token));
    if (known) return known;
    if (this.#jwt && JWT_SHAPE.test(token)) return this.#jwt.verify(token);
    throw new UnauthenticatedError('authorization: unknown token');
  }
}

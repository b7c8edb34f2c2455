import { ServerCredentials } from '@grpc/grpc-js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../telemetry/logger.js';
import { parseRateText } from '../../auth/jwt-verifier.js';
import { AccessControl } from './access-control.js';
import { checkListen, checkMetricsListen } from './listen-guard.js';
import { tlsServerCredentials, type ReloadableCertificates } from './tls-credentials.js';

/** The settings ServerSecurity reads (security-settings.ts). */
export type SecurityConfig = Pick<
  ServerConfig,
  | 'authTokenFile'
  | 'authJwksUrl'
  | 'authJwksFile'
  | 'authJwtIssuer'
  | 'authJwtAudience'
  | 'authJwtAnyAudience'
  | 'authJwtMaxLifetimeMs'
  | 'authJwtRateLimit'
  | 'tlsCert'
  | 'tlsKey'
  | 'tlsClientCa'
  | 'insecureAllowRemote'
  | 'metricsToken'
>;

/**
 * A JWT checked for signature and scopes only is a codeQ credential whatever API it was
 * minted for: an issuer's token whose scope happens to read `admin:billing` would be an
 * admin of `billing`. So JWTs need an audience, or the operator's explicit word (warned).
 */
function checkJwtAudience(config: SecurityConfig, logger: Logger): void {
  if (!(config.authJwksUrl ?? config.authJwksFile) || config.authJwtAudience !== undefined) return;
  if (!config.authJwtAnyAudience)
    throw new Error(
      '--auth-jwt-audience: required with --auth-jwks-url or --auth-jwks-file, so that tokens minted for ' +
        'other APIs are refused; pass --auth-jwt-any-audience (CODEQ_AUTH_JWT_ANY_AUDIENCE=true) to accept any',
    );
  logger.warn(
    'WARNING: accepting JWTs for ANY audience (--auth-jwt-any-audience): a token minted for another API ' +
      'whose scopes read like codeQ scopes is a codeQ credential',
  );
}

/**
 * Everything that decides who may call one server: the transport credentials (plaintext,
 * TLS or mutual TLS), the access control of the handlers, and the rule that an
 * unauthenticated server stays on loopback. Files are read at construction (errors name
 * the flag) and again by `reload()`.
 */
export class ServerSecurity {
  readonly access: AccessControl;
  readonly credentials: ServerCredentials;
  readonly #certificates: ReloadableCertificates | undefined;
  readonly #config: SecurityConfig;
  readonly #logger: Logger;

  constructor(config: SecurityConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    if (!config.tlsCert !== !config.tlsKey) throw new Error('--tls-cert, --tls-key: give both or neither');
    if (config.tlsClientCa && !config.tlsCert)
      throw new Error('--tls-client-ca: needs --tls-cert and --tls-key (mutual TLS is TLS first)');
    if (config.authJwksUrl && config.authJwksFile)
      throw new Error('--auth-jwks-url, --auth-jwks-file: give one, not both');
    checkJwtAudience(config, logger);
    this.access = AccessControl.create(
      {
        tokenFile: config.authTokenFile,
        jwt: {
          jwksUrl: config.authJwksUrl,
          jwksFile: config.authJwksFile,
          issuer: config.authJwtIssuer,
          audience: config.authJwtAudience,
          maxLifetimeMs: config.authJwtMaxLifetimeMs,
          rateLimit:
            config.authJwtRateLimit === undefined
              ? undefined
              : parseRateText(config.authJwtRateLimit, '--auth-jwt-rate-limit'),
        },
      },
      logger,
    );
    if (config.tlsCert && config.tlsKey) {
      const tls = tlsServerCredentials({
        certFile: config.tlsCert,
        keyFile: config.tlsKey,
        clientCaFile: config.tlsClientCa,
      });
      this.credentials = tls.credentials;
      this.#certificates = tls.certificates;
    } else {
      this.credentials = ServerCredentials.createInsecure();
    }
  }

  /** True when a caller must prove who it is: a bearer credential or a client certificate. */
  get authenticated(): boolean {
    return this.access.enabled || Boolean(this.#config.tlsClientCa);
  }

  /** Throws (naming `flag`) when `listen` is not loopback and nothing authenticates callers; warns when allowed anyway. */
  checkListen(listen: string, flag = '--listen'): void {
    const warning = checkListen(listen, {
      authenticated: this.authenticated,
      insecureAllowRemote: this.#config.insecureAllowRemote,
      plaintextBearer: this.access.enabled && !this.#config.tlsCert,
      flag,
    });
    if (warning) this.#logger.warn(warning);
  }

  /** Throws when `--metrics-listen` is not loopback and has no `--metrics-token` nor `--insecure-allow-remote`. */
  checkMetricsListen(listen: string | undefined): void {
    if (listen === undefined) return;
    const warning = checkMetricsListen(listen, {
      token: Boolean(this.#config.metricsToken),
      insecureAllowRemote: this.#config.insecureAllowRemote,
    });
    if (warning) this.#logger.warn(warning);
  }

  /**
   * What a SIGHUP re-reads, for its log line: the files this server was given (a JWKS URL
   * is fetched again on its own schedule, not on SIGHUP).
   */
  get reloadable(): string[] {
    const c = this.#config;
    return [
      ...(c.authTokenFile ? ['the token file'] : []),
      ...(c.authJwksFile ? ['the JWKS file'] : []),
      ...(c.tlsCert ? ['the certificate files'] : []),
    ];
  }

  /**
   * Re-reads token, JWKS and certificate files (SIGHUP). Each part that fails keeps what it
   * had and is logged; returns false when any part failed.
   */
  reload(): boolean {
    let ok = true;
    for (const [what, step] of [
      ['credentials', () => this.access.reload()],
      ['certificates', () => this.#certificates?.reload()],
    ] as const) {
      try {
        step();
      } catch (err) {
        ok = false;
        this.#logger.error(`reload: kept the ${what} in force`, { error: (err as Error).message });
      }
    }
    return ok;
  }
}

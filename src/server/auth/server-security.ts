import { ServerCredentials } from '@grpc/grpc-js';
import type { ServerConfig } from '../../config/server-config.js';
import type { Logger } from '../../telemetry/logger.js';
import { AccessControl } from './access-control.js';
import { checkListen } from './listen-guard.js';
import { tlsServerCredentials, type ReloadableCertificates } from './tls-credentials.js';

/** The settings ServerSecurity reads (security-settings.ts). */
export type SecurityConfig = Pick<
  ServerConfig,
  | 'authTokenFile'
  | 'authJwksUrl'
  | 'authJwksFile'
  | 'authJwtIssuer'
  | 'authJwtAudience'
  | 'tlsCert'
  | 'tlsKey'
  | 'tlsClientCa'
  | 'insecureAllowRemote'
>;

/**
 * Everything that decides who may call one server: the transport credentials (plaintext,
 * TLS or mutual TLS), the access control of the handlers, and the rule that an
 * unauthenticated server stays on loopback. Files are read at construction (errors name
 * the flag) and again by `reload()`.
 */
export class ServerSecurity {
  readonly access: AccessControl;
  readonly credentials: ServerCredentials;
  private readonly certificates: ReloadableCertificates | undefined;

  constructor(
    private readonly config: SecurityConfig,
    private readonly logger: Logger,
  ) {
    if (!config.tlsCert !== !config.tlsKey) throw new Error('--tls-cert, --tls-key: give both or neither');
    if (config.tlsClientCa && !config.tlsCert)
      throw new Error('--tls-client-ca: needs --tls-cert and --tls-key (mutual TLS is TLS first)');
    if (config.authJwksUrl && config.authJwksFile)
      throw new Error('--auth-jwks-url, --auth-jwks-file: give one, not both');
    this.access = AccessControl.create(
      {
        tokenFile: config.authTokenFile,
        jwt: {
          jwksUrl: config.authJwksUrl,
          jwksFile: config.authJwksFile,
          issuer: config.authJwtIssuer,
          audience: config.authJwtAudience,
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
      this.certificates = tls.certificates;
    } else {
      this.credentials = ServerCredentials.createInsecure();
    }
  }

  /** True when a caller must prove who it is: a bearer credential or a client certificate. */
  get authenticated(): boolean {
    return this.access.enabled || Boolean(this.config.tlsClientCa);
  }

  /** Throws when `listen` is not loopback and nothing authenticates callers; warns when allowed anyway. */
  checkListen(listen: string): void {
    const warning = checkListen(listen, {
      authenticated: this.authenticated,
      insecureAllowRemote: this.config.insecureAllowRemote,
    });
    if (warning) this.logger.warn(warning);
  }

  /**
   * Re-reads token, JWKS and certificate files (SIGHUP). Each part that fails keeps what it
   * had and is logged; returns false when any part failed.
   */
  reload(): boolean {
    let ok = true;
    for (const [what, step] of [
      ['credentials', () => this.access.reload()],
      ['certificates', () => this.certificates?.reload()],
    ] as const) {
      try {
        step();
      } catch (err) {
        ok = false;
        this.logger.error(`reload: kept the ${what} in force`, { error: (err as Error).message });
      }
    }
    return ok;
  }
}

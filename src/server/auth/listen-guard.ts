import { isIPv4 } from 'node:net';
import { parseHostPort } from '../../domain/host-port.js';

/** True when a `HOST:PORT` listen address (or `unix:` socket) is reachable from this machine only. */
export function isLoopbackListen(listen: string): boolean {
  if (listen.startsWith('unix:') || listen.startsWith('unix-abstract:')) return true;
  const address = parseHostPort(listen);
  return address !== undefined && isLoopbackHost(address.host);
}

/** True for localhost, 127.0.0.0/8 and ::1 (an IPv6 host without its brackets). */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase();
  if (name === 'localhost' || name === '::1' || name === '0:0:0:0:0:0:0:1') return true;
  return isIPv4(name) && name.startsWith('127.');
}

/**
 * Refuses to serve a non-loopback address without authentication unless the operator
 * said so: an open codeQ lets anyone who reaches the port read, add, complete and cancel
 * any task. Returns a warning to log loudly when the operator did say so. `flag` names the
 * setting in the error (default `--listen`), `credentials` the settings that turn
 * authentication on for it (default: tokens, JWKS or client certificates).
 */
export function checkListen(
  listen: string,
  options: {
    authenticated: boolean;
    insecureAllowRemote: boolean;
    plaintextBearer?: boolean;
    flag?: string;
    credentials?: string;
  },
): string | undefined {
  if (isLoopbackListen(listen)) return undefined;
  if (options.authenticated && options.plaintextBearer)
    return (
      `WARNING: serving ${listen} over PLAINTEXT with bearer credentials: tokens and JWTs cross the network ` +
      'in clear text, and anyone who sees the traffic can replay them. Pass --tls-cert and --tls-key'
    );
  if (options.authenticated) return undefined;
  if (!options.insecureAllowRemote) {
    throw new Error(
      `${options.flag ?? '--listen'} ${listen}: without authentication codeQ listens on loopback only (127.0.0.0/8, ::1, localhost). ` +
        `Turn on authentication (${options.credentials ?? '--auth-token-file, --auth-jwks-url, --auth-jwks-file or --tls-client-ca'}), ` +
        'or pass --insecure-allow-remote (CODEQ_INSECURE_ALLOW_REMOTE=true) to let anyone who reaches the port use it',
    );
  }
  return (
    `WARNING: serving ${listen} WITHOUT AUTHENTICATION (--insecure-allow-remote): anyone who can reach this ` +
    'port may read, add, complete and cancel any task'
  );
}

/**
 * The same rule for the Prometheus endpoint, which lists every queue's name and counts:
 * loopback only, unless it asks for a bearer token (`--metrics-token`) or the operator
 * passed --insecure-allow-remote. Throws naming the flags; returns a warning when allowed
 * open.
 */
export function checkMetricsListen(
  listen: string,
  options: { token: boolean; insecureAllowRemote: boolean },
): string | undefined {
  if (options.token || isLoopbackListen(listen)) return undefined;
  if (!options.insecureAllowRemote) {
    throw new Error(
      `--metrics-listen ${listen}: without --metrics-token (CODEQ_METRICS_TOKEN) the metrics endpoint ` +
        'listens on loopback only; set a token, or pass --insecure-allow-remote to let anyone who reaches ' +
        'the port read every queue name and count',
    );
  }
  return `WARNING: serving metrics on ${listen} WITHOUT A TOKEN (--insecure-allow-remote): anyone who can reach it reads every queue name and count`;
}

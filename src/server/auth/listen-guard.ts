import { isIPv4 } from 'node:net';

/** True when a `HOST:PORT` listen address (or `unix:` socket) is reachable from this machine only. */
export function isLoopbackListen(listen: string): boolean {
  if (listen.startsWith('unix:') || listen.startsWith('unix-abstract:')) return true;
  const colon = listen.lastIndexOf(':');
  const host = (colon < 0 ? listen : listen.slice(0, colon)).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (host === 'localhost' || host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return isIPv4(host) && host.startsWith('127.');
}

/**
 * Refuses to serve a non-loopback address without authentication unless the operator
 * said so: an open codeQ lets anyone who reaches the port read, add, complete and cancel
 * any task. Returns a warning to log loudly when the operator did say so.
 */
export function checkListen(
  listen: string,
  options: { authenticated: boolean; insecureAllowRemote: boolean },
): string | undefined {
  if (options.authenticated || isLoopbackListen(listen)) return undefined;
  if (!options.insecureAllowRemote) {
    throw new Error(
      `--listen ${listen}: without authentication codeQ listens on loopback only (127.0.0.0/8, ::1, localhost). ` +
        'Turn on authentication (--auth-token-file, --auth-jwks-url, --auth-jwks-file or --tls-client-ca), ' +
        'or pass --insecure-allow-remote (CODEQ_INSECURE_ALLOW_REMOTE=true) to let anyone who reaches the port use it',
    );
  }
  return (
    `WARNING: serving ${listen} WITHOUT AUTHENTICATION (--insecure-allow-remote): anyone who can reach this ` +
    'port may read, add, complete and cancel any task'
  );
}

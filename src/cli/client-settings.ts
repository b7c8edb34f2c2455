import type { ChannelCredentials } from '@grpc/grpc-js';
import { resolveSettings, type Setting } from '../config/settings.js';
import { UsageError } from '../config/usage-error.js';
import { clientTlsCredentials } from './client-tls.js';

/** The settings every client command shares: which server to talk to, and how to prove who we are. */
export const CLIENT_SETTINGS = {
  server: {
    flag: 'server',
    env: 'CODEQ_SERVER',
    kind: 'address',
    default: '127.0.0.1:7070',
    arg: 'HOST:PORT',
    help: 'Address of the codeQ server, HOST:PORT',
  },
  token: {
    flag: 'token',
    env: 'CODEQ_TOKEN',
    kind: 'string',
    arg: 'TOKEN',
    default: undefined,
    help: 'Bearer token (static token or JWT) sent on every call. Prefer the variable: a flag shows in the process list',
  },
  tls: {
    flag: 'tls',
    env: 'CODEQ_TLS',
    kind: 'bool',
    default: false,
    help: 'Connect over TLS, trusting the system CAs (implied by the other --tls-* options)',
  },
  tlsCa: {
    flag: 'tls-ca',
    env: 'CODEQ_TLS_CA',
    kind: 'string',
    arg: 'PATH',
    default: undefined,
    help: "Connect over TLS, trusting the CAs in this PEM file for the server's certificate",
  },
  tlsClientCert: {
    flag: 'tls-client-cert',
    env: 'CODEQ_TLS_CLIENT_CERT',
    kind: 'string',
    arg: 'PATH',
    default: undefined,
    help: 'Present this PEM certificate to a server that requires mutual TLS (with --tls-client-key)',
  },
  tlsClientKey: {
    flag: 'tls-client-key',
    env: 'CODEQ_TLS_CLIENT_KEY',
    kind: 'string',
    arg: 'PATH',
    default: undefined,
    help: 'PEM private key of --tls-client-cert',
  },
} satisfies Record<string, Setting>;

/** Where and how a client command connects: the options of a Producer or Worker. */
export interface ClientConnection {
  address: string;
  credentials?: ChannelCredentials;
  token?: string;
}

/** The connection that flags and `CODEQ_*` variables describe. */
export function clientConnection(
  flags: Readonly<Record<string, string | boolean | string[] | undefined>>,
  env: NodeJS.ProcessEnv,
): ClientConnection {
  const s = resolveSettings(CLIENT_SETTINGS, flags, env);
  if (!s.tlsClientCert !== !s.tlsClientKey)
    throw new UsageError('--tls-client-cert, --tls-client-key: give both or neither');
  const tls = s.tls || Boolean(s.tlsCa || s.tlsClientCert);
  return {
    address: s.server,
    ...(tls && {
      credentials: clientTlsCredentials({ ca: s.tlsCa, cert: s.tlsClientCert, key: s.tlsClientKey }),
    }),
    ...(s.token !== undefined && { token: s.token }),
  };
}

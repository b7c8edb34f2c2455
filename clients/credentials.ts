import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { checkPemCertificates } from '../src/domain/pem-certificates.js';

/** PEM files for a TLS connection to codeQ. */
export interface TlsFiles {
  /** CA certificates to trust for the server's certificate. Default: the system's roots. */
  caFile?: string | undefined;
  /** Client certificate chain, for servers that require mutual TLS (with `keyFile`). */
  certFile?: string | undefined;
  /** Private key of `certFile`. */
  keyFile?: string | undefined;
}

function read(path: string | undefined, option: string): Buffer | null {
  if (path === undefined) return null;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new TypeError(`${option}: cannot read ${path}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Channel credentials for a codeQ server that serves TLS, or mutual TLS when a client
 * certificate is given. A `caFile` without a certificate in it (a key, a text file) is
 * refused here: gRPC would take it and then trust no server.
 */
export function tlsCredentials(files: TlsFiles = {}): grpc.ChannelCredentials {
  if (!files.certFile !== !files.keyFile) throw new TypeError('certFile, keyFile: give both or neither');
  const ca = read(files.caFile, 'caFile');
  if (ca) checkPemCertificates(ca, files.caFile!, 'caFile');
  return grpc.credentials.createSsl(ca, read(files.keyFile, 'keyFile'), read(files.certFile, 'certFile'));
}

/**
 * `channelOptions` plus an interceptor that sends `authorization: Bearer <token>` on every
 * call. An interceptor rather than call credentials, because grpc-js refuses call
 * credentials on a plaintext channel and a loopback server may well be plaintext; over
 * any other network, use TLS so the token is not sent in the clear.
 */
export function withBearerToken(
  channelOptions: grpc.ChannelOptions,
  token: string | undefined,
): grpc.ChannelOptions {
  if (token === undefined) return channelOptions;
  if (!/^[\x21-\x7e]+$/.test(token)) throw new TypeError('token: must be printable ASCII without spaces');
  const authorization = `Bearer ${token}`;
  const bearer: grpc.Interceptor = (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', authorization);
        next(metadata, listener);
      },
    });
  const previous = (channelOptions as { interceptors?: grpc.Interceptor[] }).interceptors ?? [];
  return { ...channelOptions, interceptors: [bearer, ...previous] };
}
